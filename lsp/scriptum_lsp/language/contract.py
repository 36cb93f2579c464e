"""The ScriptContract (camelCase JSON shape) from the declarations."""

from __future__ import annotations

import json
import math
from typing import Any

from .checker import Facts, lit_value
from .syntax import Annotation, EnumDecl, Expr, FieldDecl, Name, Script, TypeExpr
from .types import ALIASES, type_ir, type_ref_from_ir


def type_ref(t: TypeExpr | None, enums: Any) -> dict[str, Any]:
    """TypeRef: `{"kind", "enumName"?, "elementType"?, "keyType"?, "valueType"?}`."""
    return type_ref_from_ir(type_ir(t, enums))


def _json(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "null"
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError):
        return "null"


def default_json(e: Expr | None) -> str:
    if e is None:
        return ""
    if isinstance(e, Name):
        return _json(e.name)  # bare enum variant
    return _json(lit_value(e))


def typed_field(fd: FieldDecl, enums: Any) -> dict[str, Any]:
    return {
        "name": fd.name,
        "type": type_ref(fd.type, enums),
        "defaultValueJson": default_json(fd.default),
        "required": fd.default is None,
        "description": fd.comment,
        "constraints": [{"name": c.name, "args": [lit_value(a) for a in c.args]} for c in fd.constraints],
    }


def enum_def(e: EnumDecl) -> dict[str, Any]:
    base = e.base
    if base is None:
        if all(isinstance(v.value, str) for v in e.variants):
            base = "text"
        elif all(isinstance(v.value, int) for v in e.variants):
            base = "integer"
        else:
            base = "number"
    base = ALIASES.get(base, base)
    return {"name": e.name, "baseType": base, "variants": [v.value for v in e.variants]}


def _annotation_values(anns: list[Annotation], name: str) -> list[str]:
    out: list[str] = []
    for a in anns:
        if a.name == name and a.before_script:
            for v in a.values:
                if name == "accepts_extension":
                    v = v.lstrip(".").lower()
                if v and v not in out:
                    out.append(v)
    return out


def build_contract(sc: Script, facts: Facts) -> dict[str, Any]:
    enums = facts.enums
    env: list[dict[str, Any]] = []
    for ed in facts.env.values():
        env.append(
            {
                "name": ed.name,
                "type": type_ref(ed.type, enums) if ed.type is not None else {"kind": "text"},
                "defaultValueJson": default_json(ed.default),
                "required": ed.default is None,
                "description": ed.comment,
                "constraints": [],
            }
        )
    return {
        "inputs": [typed_field(f, enums) for f in facts.inputs.values()],
        "outputs": [typed_field(f, enums) for f in facts.outputs.values()],
        "stream": [typed_field(f, enums) for f in facts.stream.values()],
        "env": env,
        "enums": [enum_def(e) for e in enums.values()],
        "acceptedContentTypes": _annotation_values(sc.annotations, "accepts_content_type"),
        "acceptedExtensions": _annotation_values(sc.annotations, "accepts_extension"),
    }
