"""`compile_source`: the local compiler, with the result shape of the Scriptum API's CompileScriptDraft."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

import yaml

from .checker import Facts, check
from .contract import build_contract
from .diagnostics import CompileDiagnostic, to_diagnostics
from .ir import build_ir
from .parser import parse
from .syntax import ParseResult, Span


@dataclass(frozen=True)
class CompileResult:
    success: bool
    error: str
    tools_required: tuple[str, ...]
    diagnostics: tuple[CompileDiagnostic, ...]
    ast_json: str
    ir_yaml: str
    ir: dict[str, Any] | None
    contract: dict[str, Any]
    script_name: str | None

    def to_api(self) -> dict[str, Any]:
        """The camelCase shape of the API's compile response."""
        return {
            "success": self.success,
            "error": self.error,
            "toolsRequired": list(self.tools_required),
            "diagnostics": [d.to_api() for d in self.diagnostics],
            "astJson": self.ast_json,
            "irYaml": self.ir_yaml,
        }


_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """Safe YAML dumper (libyaml when available) that never writes anchors/aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(data: Any) -> str:
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    return text


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _tree(value: Any) -> Any:
    if isinstance(value, Span):
        return [value.start_line + 1, value.start_col + 1, value.end_line + 1, value.end_col + 1]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        d: dict[str, Any] = {"node": type(value).__name__}
        for name in _field_names(type(value)):
            v = getattr(value, name)
            if v is None or v == [] or v == "":
                continue
            d[name] = _tree(v)
        return d
    if isinstance(value, list | tuple):
        return [_tree(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def ast_json(pr: ParseResult) -> str:
    """The syntax tree as JSON (spans are 1-based [line, col, end_line, end_col])."""
    return json.dumps(_tree(pr.script), ensure_ascii=False, allow_nan=False)


def summarise(diags: tuple[CompileDiagnostic, ...]) -> str:
    errors = [d for d in diags if d.severity == "error"]
    if not errors:
        return ""
    first = errors[0]
    n = len(errors)
    return f"{n} error{'s' if n != 1 else ''}; first: {first.message} at {first.line}:{first.col}"


def compile_parsed(pr: ParseResult) -> CompileResult:
    return compile_with_facts(pr)[0]


def compile_with_facts(pr: ParseResult) -> tuple[CompileResult, Facts]:
    """Compile a parse result; also return the checker's facts (for editor features)."""
    problems, facts = check(pr)
    diags = to_diagnostics([*pr.problems, *problems], pr.lines)
    contract = build_contract(pr.script, facts)
    tools = tuple(sorted(t for t in facts.tools_required if t))
    error = summarise(diags)
    if error:
        return CompileResult(False, error, tools, diags, "", "", None, contract, pr.script.name), facts
    ir = build_ir(pr.script, facts)
    ir_yaml = dump_yaml(ir)
    return CompileResult(True, "", tools, diags, ast_json(pr), ir_yaml, ir, contract, pr.script.name), facts


def compile_source(source: str) -> CompileResult:
    """Compile Scriptum source text (never raises)."""
    return compile_parsed(parse(source))
