"""`compile_source`: the local compiler, with the result shape of the Scriptum API's CompileScriptDraft."""

from __future__ import annotations

import dataclasses
import json
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .checker import Facts, check
from .contract import build_contract
from .diagnostics import CompileDiagnostic, to_diagnostics
from .gcpause import gc_paused
from .ir import build_ir
from .parser import parse
from .syntax import ParseResult, Script, Span, Step
from .yamlout import dump_yaml


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


_Conv = Callable[[Any], Any]
_CONVERTERS: dict[type, _Conv] = {}
_PLAIN_TYPES = (str, int, bool, type(None))


def _span(value: Span) -> list[int]:
    return [value[0] + 1, value[1] + 1, value[2] + 1, value[3] + 1]


def _seq(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [_tree(v) for v in value]


def _float(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _same(value: Any) -> Any:
    return value


def _node_converter(cls: type) -> _Conv:
    """A converter for one syntax class: `{"node": name, field: value...}` without empty fields."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    get = operator.attrgetter(*names) if len(names) > 1 else (lambda v: (getattr(v, names[0]),))
    node = cls.__name__
    plain = _PLAIN_TYPES

    def convert(value: Any) -> dict[str, Any]:
        d: dict[str, Any] = {"node": node}
        for name, v in zip(names, get(value), strict=True):
            if v is None or ((type(v) is list or type(v) is str) and not v):
                continue
            tv = type(v)
            if tv in plain:
                d[name] = v
            elif tv is Span:
                d[name] = [v[0] + 1, v[1] + 1, v[2] + 1, v[3] + 1]
            else:
                d[name] = _tree(v)
        return d

    return convert


def _converter(cls: type) -> _Conv:
    conv: _Conv
    if issubclass(cls, Span):
        conv = _span
    elif dataclasses.is_dataclass(cls):
        conv = _node_converter(cls)
    elif issubclass(cls, list | tuple):
        conv = _seq
    elif issubclass(cls, float):
        conv = _float
    else:
        conv = _same
    _CONVERTERS[cls] = conv
    return conv


def _tree(value: Any) -> Any:
    """JSON data of a syntax value: nodes as dicts (empty fields left out), spans 1-based, NaN/inf as null."""
    conv = _CONVERTERS.get(type(value)) or _converter(type(value))
    return conv(value)


def ast_json(pr: ParseResult) -> str:
    """The syntax tree as JSON (spans are 1-based [line, col, end_line, end_col])."""
    return json.dumps(_tree(pr.script), ensure_ascii=False, allow_nan=False, check_circular=False)


# Diagnostics about a tool's inputs: the platform calls them a "type error in step <name>" (docs/fidelity.md)
TOOL_INPUT_CODES = frozenset({"unknown-field", "field-type", "field-value", "missing-field"})


def innermost_step(steps: list[Step], line0: int) -> Step | None:
    """The innermost step whose text covers 0-based `line0`."""
    for st in steps:
        if st.span.start_line <= line0 <= st.span.end_line:
            children = [*st.body, *(s for br in st.branches for s in br.body)]
            return innermost_step(children, line0) or st
    return None


def step_name(st: Step) -> str:
    """How a step is named in messages: its label, else the tool it calls, else its verb."""
    if st.kind == "section" and st.title:
        return st.title
    if st.label is not None and st.label.plain:
        return st.label.plain
    if st.name:
        return st.name
    return st.tool or st.kind


def summarise(diags: tuple[CompileDiagnostic, ...], script: Script | None = None) -> str:
    """The compile's top-level `error`: the platform's wording for a tool-input error
    ("type error in step fetch_data"), else a count and the first error."""
    errors = [d for d in diags if d.severity == "error"]
    if not errors:
        return ""
    first = errors[0]
    if script is not None and first.code in TOOL_INPUT_CODES:
        st = innermost_step([*script.body, *script.on_thread_error], first.line - 1)
        if st is not None:
            return f"type error in step {step_name(st)}"
    n = len(errors)
    return f"{n} error{'s' if n != 1 else ''}; first: {first.message} at {first.line}:{first.col}"


def compile_parsed(pr: ParseResult) -> CompileResult:
    return compile_with_facts(pr)[0]


def compile_with_facts(pr: ParseResult) -> tuple[CompileResult, Facts]:
    """Compile a parse result; also return the checker's facts (for editor features)."""
    with gc_paused():
        return _compile_with_facts(pr)


def _compile_with_facts(pr: ParseResult) -> tuple[CompileResult, Facts]:
    problems, facts = check(pr)
    diags = to_diagnostics([*pr.problems, *problems], pr.lines)
    contract = build_contract(pr.script, facts)
    tools = tuple(sorted(t for t in facts.tools_required if t))
    error = summarise(diags, pr.script)
    if error:
        return CompileResult(False, error, tools, diags, "", "", None, contract, pr.script.name), facts
    ir = build_ir(pr.script, facts)
    ir_yaml = dump_yaml(ir)
    return CompileResult(True, "", tools, diags, ast_json(pr), ir_yaml, ir, contract, pr.script.name), facts


def compile_source(source: str) -> CompileResult:
    """Compile Scriptum source text (never raises)."""
    with gc_paused():
        return compile_parsed(parse(source))
