"""Compilation for the emulator: DSL drafts through the language core, YAML drafts as pre-compiled IR."""

from __future__ import annotations

import json
from typing import Any

import yaml as pyyaml

from scriptum_lsp.emulator.store import EMPTY_CONTRACT
from scriptum_lsp.language.compiler import TOOL_INPUT_CODES
from scriptum_lsp.language.types import type_ref_from_ir


def compile_draft(kind: str, source: str) -> dict[str, Any]:
    """Return the CompileScriptDraft fields (snake_case) plus `ir` (dict or None) and `contract`."""
    if kind == "yaml":
        return compile_yaml_ir(source)
    from scriptum_lsp.language import compile_source

    result = compile_source(source)
    return {
        "success": bool(result.success),
        "error": result.error,
        "tools_required": list(result.tools_required),
        "diagnostics": [wire_diagnostic(d) for d in result.diagnostics],
        "ast_json": result.ast_json,
        "ir_yaml": result.ir_yaml,
        "ir": result.ir,
        "contract": result.contract or dict(EMPTY_CONTRACT),
    }


def wire_diagnostic(d: Any) -> dict[str, Any]:
    """A CompileDiagnostic as the emulator sends it. Where the API reference shows the cloud's answer, the
    emulator answers the same way: a tool-input error ("unknown field 'ur' on http_request input") has its
    `col` where the step's text starts on that line, not on the field, and names the field only in the
    message (docs/fidelity.md). Every other diagnostic keeps the compiler's precise column."""
    api: dict[str, Any] = d.to_api()
    # extensions, beside the documented fields: the compiler's code and precise span (docs/emulator.md);
    # a client may use them when present and must not need them (the cloud does not document them)
    api["code"] = d.code
    api["span"] = {"line": d.line, "col": d.col, "endLine": d.end_line, "endCol": d.end_col}
    if d.code in TOOL_INPUT_CODES:
        text = d.source_line
        api["col"] = len(text) - len(text.lstrip()) + 1 if text.strip() else 1
    return api


def _diag(message: str, line: int = 1, source_line: str = "") -> dict[str, Any]:
    return {
        "line": line,
        "col": 1,
        "message": message,
        "hint": "",
        "severity": "error",
        "sourceLine": source_line,
    }


def _failure(message: str, line: int = 1, source_line: str = "") -> dict[str, Any]:
    return {
        "success": False,
        "error": message,
        "tools_required": [],
        "diagnostics": [_diag(message, line, source_line)],
        "ast_json": "",
        "ir_yaml": "",
        "ir": None,
        "contract": dict(EMPTY_CONTRACT),
    }


def compile_yaml_ir(source: str) -> dict[str, Any]:
    """A draft saved as `yamlContent` is our IR (docs/ir.md): parse and sanity-check it; there is no AST."""
    try:
        ir = pyyaml.load(source, Loader=getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader))
    except pyyaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 1) if mark is not None else 1
        lines = source.splitlines()
        return _failure(f"invalid YAML IR: {exc}", line, lines[line - 1] if 0 < line <= len(lines) else "")
    if not isinstance(ir, dict) or not isinstance(ir.get("steps"), list):
        return _failure("invalid YAML IR: expected a mapping with a 'steps' list (see docs/ir.md)")
    try:
        json.dumps(ir)
    except (TypeError, ValueError):
        return _failure("invalid YAML IR: values must be JSON-compatible (no dates or binary)")
    tools = sorted(_tools(ir.get("steps", [])) | _tools(ir.get("on_thread_error", [])))
    contract = dict(EMPTY_CONTRACT)
    contract["inputs"] = [_typed_field(f) for f in ir.get("inputs", []) or [] if isinstance(f, dict)]
    return {
        "success": True,
        "error": "",
        "tools_required": tools,
        "diagnostics": [],
        "ast_json": "",
        "ir_yaml": source,
        "ir": ir,
        "contract": contract,
    }


def _typed_field(field: dict[str, Any]) -> dict[str, Any]:
    type_ = field.get("type") if isinstance(field.get("type"), dict) else {"kind": "any"}
    default = field.get("default")
    return {
        "name": str(field.get("name", "")),
        "type": type_ref_from_ir(type_),
        "defaultValueJson": "" if default is None else json.dumps(default),
        "required": bool(field.get("required", default is None)),
        "description": str(field.get("description", "")),
        "constraints": list(field.get("constraints", []) or []),
    }


def _tools(steps: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(steps, list):
        for s in steps:
            found |= _tools(s)
    elif isinstance(steps, dict):
        tool = steps.get("tool")
        if isinstance(tool, str) and steps.get("primitive") in ("execute", "agent", "plan", "decide"):
            found.add(tool)
        for key in ("body", "lanes", "branches", "on_error"):
            if key in steps:
                found |= _tools(steps[key])
    return found


def count_steps(ir: Any) -> int:
    """Number of step nodes in an IR (recursively), reported as a thread's totalSteps."""

    def walk(node: Any) -> int:
        if isinstance(node, list):
            return sum(walk(n) for n in node)
        if isinstance(node, dict):
            n = 1 if "primitive" in node else 0
            for key in ("body", "lanes", "branches"):
                if key in node:
                    n += walk(node[key])
            return n
        return 0

    if not isinstance(ir, dict):
        return 0
    return walk(ir.get("steps", []))
