"""Runtime values: plain JSON data (dict, list, str, int, float, bool, None) plus lambdas (callables).

Helpers shared by the expression evaluator, the built-ins and the tools: type names for messages, text
rendering for interpolation, equality and ordering rules, JSON-safe copies for checkpoints.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from scriptum_lsp.language.types import value_kind

Value = Any

type_name = value_kind  # the type name of a value in messages and `type_of` (one implementation, in language)


class ExprError(Exception):
    """An expression could not be evaluated. `lines` are the detail lines of the runtime error."""

    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0] if lines else "expression error")
        self.lines: tuple[str, ...] = lines


def is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def to_text(value: Value) -> str:
    """The text rendering used by interpolation and `to_text`: texts as is, JSON for everything else,
    whole numbers without a fraction (`3.0` renders as `3`)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if callable(value):
        return "<lambda>"
    return json.dumps(json_safe(value), ensure_ascii=False, separators=(",", ":"))


def truthy(value: Value) -> bool:
    if value is None or value is False:
        return False
    if is_number(value):
        return bool(value != 0)
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) > 0
    return True


def equal(a: Value, b: Value) -> bool:
    """Deep equality; integers and floats compare by value, booleans never equal numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if type_name(a) != type_name(b):
        return False
    return bool(a == b)


def compare(a: Value, b: Value, op: str) -> bool:
    """`< > <= >=` on two numbers or two texts; anything else is an error."""
    if not ((is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
        raise ExprError(f"cannot compare {type_name(a)} {op} {type_name(b)}")
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def json_safe(value: Value) -> Any:
    """A JSON-serialisable copy: tuples become lists, lambdas and other objects become null,
    non-finite floats become null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    return None


def describe_keys(value: Mapping[str, Any], limit: int = 20) -> str:
    keys = list(value.keys())
    shown = ", ".join(str(k) for k in keys[:limit])
    if len(keys) > limit:
        shown += f", ... ({len(keys)} keys)"
    return shown or "(none: the object is empty)"
