"""Scriptum types: declared type expressions, inferred expression types, TypeRef/IR renderings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .syntax import TypeExpr

PRIMITIVES = ("text", "number", "integer", "boolean", "object", "binary", "date", "timestamp", "any")
ALIASES: Mapping[str, str] = {
    "string": "text",
    "float": "number",
    "double": "number",
    "int": "integer",
    "int32": "integer",
    "int64": "integer",
    "long": "integer",
    "bool": "boolean",
    "datetime": "timestamp",
    "value": "any",
    "file": "binary",  # product-page dialect (`pdf: file`), reported by the checker
}
TYPE_WORDS = (*PRIMITIVES, *ALIASES, "list", "map")


@dataclass(frozen=True, slots=True)
class Ty:
    """A type. `fields` is set for objects whose shape is known; `closed` ones report unknown fields."""

    kind: str  # a primitive | list | map | enum | null
    enum: str | None = None
    elem: Ty | None = None
    key: Ty | None = None
    value: Ty | None = None
    fields: tuple[tuple[str, Ty], ...] | None = None
    closed: bool = False
    origin: str = ""  # e.g. "web_search output", "input" (for messages)

    def field(self, name: str) -> Ty | None:
        if self.fields is None:
            return None
        for k, v in self.fields:
            if k == name:
                return v
        return None

    def show(self) -> str:
        if self.kind == "list":
            return f"list<{self.elem.show()}>" if self.elem else "list"
        if self.kind == "map":
            return (
                f"map<{self.key.show() if self.key else 'any'}, {self.value.show() if self.value else 'any'}>"
            )
        if self.kind == "enum":
            return self.enum or "enum"
        if self.kind == "object" and self.origin:
            return f"object ({self.origin})"
        return self.kind


ANY = Ty("any")
TEXT = Ty("text")
NUMBER = Ty("number")
INTEGER = Ty("integer")
BOOLEAN = Ty("boolean")
OBJECT = Ty("object")
NULL = Ty("null")
LIST = Ty("list", elem=ANY)


def from_schema(schema: Mapping[str, Any] | None, origin: str = "") -> Ty:
    """A Ty from a JSON Schema fragment of the tool catalog."""
    if not schema:
        return ANY
    t = schema.get("type")
    if isinstance(t, list):
        return ANY
    if t == "string":
        return TEXT
    if t == "number":
        return NUMBER
    if t == "integer":
        return INTEGER
    if t == "boolean":
        return BOOLEAN
    if t == "array":
        return Ty("list", elem=from_schema(schema.get("items"), origin))
    if t == "object":
        props = schema.get("properties")
        if props:
            fields = tuple((k, from_schema(v, origin)) for k, v in props.items())
            return Ty(
                "object",
                fields=fields,
                closed=schema.get("additionalProperties", True) is False or bool(origin),
                origin=origin,
            )
        return OBJECT
    return ANY


def value_kind(value: Any) -> str:
    """The Scriptum type name of a runtime/JSON value, for messages and `type_of`: null, boolean, integer,
    number, text, list (also tuples), object (any mapping), lambda (callables), else the Python type name.
    The single implementation shared by input validation and the emulator's runner."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    if callable(value):
        return "lambda"
    return type(value).__name__


def accepts(expected: Ty, actual: Ty) -> bool:
    """Whether a value of type `actual` may be given where `expected` is declared (lenient on unknowns)."""
    if expected.kind == "any" or actual.kind == "any":
        return True
    if actual.kind == "null":
        return True
    if expected.kind == actual.kind:
        if expected.kind == "list" and expected.elem is not None and actual.elem is not None:
            return accepts(expected.elem, actual.elem)
        return True
    if expected.kind == "number" and actual.kind == "integer":
        return True
    if expected.kind in ("object", "map") and actual.kind in ("object", "map"):
        return True
    if expected.kind == "enum" and actual.kind in ("text", "integer", "number"):
        return True
    if expected.kind in ("date", "timestamp", "binary") and actual.kind == "text":
        return True
    return actual.kind == "enum" and expected.kind in ("text", "number", "integer")


def schema_accepts(schema: Mapping[str, Any], actual: Ty) -> tuple[bool, str]:
    """Whether a literal of type `actual` fits a catalog property schema; also returns the expected name."""
    t = schema.get("type")
    if t is None or isinstance(t, list):
        return True, "any"
    names = {"string": "text", "number": "number", "integer": "integer", "boolean": "boolean",
             "array": "list", "object": "object"}  # fmt: skip
    expected = names.get(str(t), "any")
    exp_ty = Ty(expected) if expected != "list" else LIST
    return accepts(exp_ty, actual), expected


def type_ref_from_ir(t: Any) -> dict[str, Any]:
    """An IR type (`{"kind", "of"?, "key"?, "value"?, "name"?}`, docs/ir.md) as the API's ScriptContract
    TypeRef (`{"kind", "elementType"?, "keyType"?, "valueType"?, "enumName"?}`). The one place that knows both
    spellings: the compiler's contract and the emulator's YAML drafts both go through it."""
    if not isinstance(t, Mapping):
        return {"kind": "any"}
    ref: dict[str, Any] = {"kind": str(t.get("kind", "any"))}
    if "name" in t:
        ref["enumName"] = t["name"]
    if "of" in t:
        ref["elementType"] = type_ref_from_ir(t["of"])
    if "key" in t:
        ref["keyType"] = type_ref_from_ir(t["key"])
    if "value" in t:
        ref["valueType"] = type_ref_from_ir(t["value"])
    return ref


def type_ir(t: TypeExpr | None, enums: Any) -> dict[str, Any]:
    """A type expression of the syntax tree as an IR type (docs/ir.md): `{"kind", "of"?, "key"?, "value"?,
    "name"?}`, aliases resolved."""
    if t is None:
        return {"kind": "any"}
    name = ALIASES.get(t.name, t.name)
    if name == "list":
        return {"kind": "list", "of": type_ir(t.args[0], enums) if t.args else {"kind": "any"}}
    if name == "map":
        return {
            "kind": "map",
            "key": type_ir(t.args[0], enums) if t.args else {"kind": "text"},
            "value": type_ir(t.args[1], enums) if len(t.args) > 1 else {"kind": "any"},
        }
    if t.name in enums:
        return {"kind": "enum", "name": t.name}
    return {"kind": name}
