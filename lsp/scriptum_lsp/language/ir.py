"""The IR (docs/ir.md): plain JSON-compatible data, one primitive per source construct."""

from __future__ import annotations

from typing import Any

from .checker import Facts, lit_value
from .contract import enum_def
from .syntax import (
    Action,
    Assign,
    BinOp,
    Call,
    EnvRef,
    ErrorExpr,
    Expr,
    Get,
    Index,
    Lambda,
    ListLit,
    Lit,
    Method,
    Name,
    ObjectLit,
    Script,
    Step,
    Str,
    Unary,
)
from .types import type_ir

IR_VERSION = 1


def expr_ir(e: Expr) -> dict[str, Any]:
    if isinstance(e, Lit):
        return {"lit": e.value}
    if isinstance(e, Str):
        if all(isinstance(p, str) for p in e.parts):
            return {"lit": e.plain}
        return {"interp": [p if isinstance(p, str) else {"path": list(p.path)} for p in e.parts if p != ""]}
    if isinstance(e, Name):
        return {"name": e.name}
    if isinstance(e, Get):
        return {"get": expr_ir(e.target), "field": e.field, "safe": e.safe}
    if isinstance(e, Index):
        return {"index": expr_ir(e.target), "at": expr_ir(e.at)}
    if isinstance(e, Call):
        return {"call": e.func, "args": [expr_ir(a) for a in e.args]}
    if isinstance(e, Method):
        return {"method": e.name, "target": expr_ir(e.target), "args": [expr_ir(a) for a in e.args]}
    if isinstance(e, BinOp):
        return {"op": e.op, "args": [expr_ir(e.left), expr_ir(e.right)]}
    if isinstance(e, Unary):
        return {"op": e.op, "args": [expr_ir(e.operand)]}
    if isinstance(e, Lambda):
        return {"lambda": [p.name for p in e.params], "body": expr_ir(e.body)}
    if isinstance(e, ListLit):
        return {"list": [expr_ir(i) for i in e.items]}
    if isinstance(e, ObjectLit):
        return {"object": {en.key: expr_ir(en.value) for en in e.entries}}
    if isinstance(e, EnvRef):
        return {"env": e.name, "default": expr_ir(e.default) if e.default is not None else None}
    if isinstance(e, ErrorExpr):
        return {"lit": None}
    return {"lit": None}


def _opt(e: Expr | None) -> dict[str, Any] | None:
    return expr_ir(e) if e is not None else None


def _inputs(items: list[Assign]) -> dict[str, Any]:
    return {a.name: expr_ir(a.value) for a in items}


def _action(a: Action | None, default: dict[str, Any]) -> dict[str, Any]:
    if a is None:
        return default
    if a.action == "goto":
        return {"action": "goto", "target": a.target}
    if a.action == "retry":
        return {"action": "retry", "count": a.count if a.count is not None else 3}
    if a.action == "fail":
        msg = None
        if a.message is not None:
            msg = a.message.plain if isinstance(a.message, Str) else str(lit_value(a.message))
        return {"action": "fail", "message": msg}
    return {"action": "continue"}


def _label(st: Step) -> str | None:
    if st.kind == "section":
        return st.title
    return st.label.plain if st.label is not None else None


def steps_ir(steps: list[Step], prefix: str) -> list[dict[str, Any]]:
    return [step_ir(st, f"{prefix}{i}") for i, st in enumerate(steps)]


def step_ir(st: Step, path: str) -> dict[str, Any]:
    k = st.kind
    bind = st.binding.name if st.binding is not None else None
    stream = bool(st.binding and st.binding.stream)
    d: dict[str, Any] = {"path": path, "primitive": k, "label": _label(st), "line": st.span.start_line + 1}
    if k == "section":
        return d
    if k == "let":
        d["bind"] = st.name
        d["value"] = _opt(st.value)
    elif k == "do":
        d["primitive"] = "execute"
        d["tool"] = st.tool
        d["inputs"] = _inputs(st.inputs)
        oe = st.on_error
        if oe is None:
            d["on_error"] = None
        elif oe.action == "retry":
            d["on_error"] = {"action": "retry", "count": oe.count if oe.count is not None else 3}
        elif oe.action == "fallback":
            d["on_error"] = {"action": "fallback", "tool": oe.tool, "inputs": _inputs(oe.inputs)}
        else:
            d["on_error"] = {"action": "ignore"}
        d["bind"] = bind
        d["stream"] = stream
    elif k == "each":
        d["primitive"] = "iterate"
        d["item"] = st.item.name if st.item else None
        d["index"] = st.index.name if st.index else None
        d["source"] = _opt(st.source)
        d["parallel"] = _opt(st.parallel)
        d["sleep"] = _opt(st.sleep)
        d["body"] = steps_ir(st.body, path + ".")
        d["bind"] = bind
        d["stream"] = stream
    elif k == "pipe":
        d["item"] = st.item.name if st.item else None
        d["source"] = _opt(st.source)
        d["batch"] = _opt(st.batch)
        d["parallel"] = _opt(st.parallel)
        d["body"] = steps_ir(st.body, path + ".")
        d["bind"] = bind
        d["stream"] = stream
    elif k == "check":
        d["primitive"] = "evaluate"
        d["condition"] = _opt(st.condition)
        d["ask_llm"] = _opt(st.ask_llm)
        d["on_pass"] = _action(st.on_pass, {"action": "continue"})
        d["on_fail"] = _action(st.on_fail, {"action": "fail", "message": None})
    elif k == "decide":
        branches = [
            {"name": br.name, "body": steps_ir(br.body, f"{path}.{i}.")} for i, br in enumerate(st.branches)
        ]
        if st.strategy == "llm":
            d["primitive"] = "decide"
            d["inputs"] = _inputs(st.inputs)
        else:
            d["primitive"] = "branch"
            d["rules"] = [{"when": expr_ir(r.when), "branch": r.branch} for r in st.rules]
            d["otherwise"] = st.otherwise
        d["branches"] = branches
        d["bind"] = bind
    elif k == "together":
        d["primitive"] = "parallel"
        d["lanes"] = [[step_ir(lane, f"{path}.{i}.0")] for i, lane in enumerate(st.body)]
        d["bind"] = bind
    elif k == "repeat":
        d["body"] = steps_ir(st.body, path + ".")
        d["until"] = _opt(st.until)
        d["max"] = _opt(st.max)
        d["bind"] = bind
    elif k == "wait":
        d["duration"] = _opt(st.duration)
    elif k == "ask":
        d["inputs"] = _inputs(st.inputs)
        d["bind"] = bind
    elif k in ("agent", "plan"):
        d["tool"] = st.tool
        d["inputs"] = _inputs(st.inputs)
        d["bind"] = bind
    elif k == "run":
        d["target"] = st.tool
        d["inputs"] = _inputs(st.inputs)
        d["bind"] = bind
    elif k in ("emit", "yield"):
        d["fields"] = _inputs(st.inputs)
    elif k == "send":
        d["channel"] = st.channel.plain if st.channel is not None else None
        d["fields"] = _inputs(st.inputs)
    return d


def build_ir(sc: Script, facts: Facts) -> dict[str, Any]:
    imports: list[dict[str, Any]] = []
    for b in sc.blocks:
        if b.kind == "tools":
            for imp in b.imports:
                imports.append({"tool": imp.name, "source": imp.source or "cloud"})
    env: list[dict[str, Any]] = []
    for name, ed in facts.env.items():
        env.append(
            {
                "name": name,
                "from": ed.from_key,
                "default": expr_ir(ed.default) if ed.default is not None else None,
                "type": type_ir(ed.type, facts.enums) if ed.type is not None else {"kind": "text"},
            }
        )
    inputs: list[dict[str, Any]] = []
    for fd in facts.inputs.values():
        inputs.append(
            {
                "name": fd.name,
                "type": type_ir(fd.type, facts.enums),
                "required": fd.default is None,
                "default": lit_value(fd.default) if fd.default is not None else None,
                "constraints": [
                    {"name": c.name, "args": [lit_value(a) for a in c.args]} for c in fd.constraints
                ],
            }
        )
    return {
        "ir_version": IR_VERSION,
        "script": {"name": sc.name, "description": sc.description, "version": sc.version},
        "imports": imports,
        "env": env,
        "inputs": inputs,
        "enums": [enum_def(e) for e in facts.enums.values()],
        "steps": steps_ir(sc.body, ""),
        "on_thread_error": steps_ir(sc.on_thread_error, "E."),
    }


__all__ = ["IR_VERSION", "build_ir", "expr_ir", "type_ir"]
