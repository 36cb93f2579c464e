"""Implementations of the built-in functions listed in `scriptum_lsp.language.builtins`.

Every function takes already-evaluated arguments (lambdas arrive as Python callables) and returns a JSON
value, raising `ExprError` with a readable message on misuse.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from scriptum_lsp.language.builtins import BUILTINS

from .values import ExprError, Value, equal, is_number, to_text, truthy, type_name

Impl = Callable[..., Value]


def _list(name: str, value: Value, what: str = "a list") -> list[Value]:
    if isinstance(value, list | tuple):
        return list(value)
    raise ExprError(f"{name}() expects {what}, got {type_name(value)}")


def _text(name: str, value: Value) -> str:
    if isinstance(value, str):
        return value
    raise ExprError(f"{name}() expects text, got {type_name(value)}")


def _num(name: str, value: Value) -> float | int:
    if is_number(value):
        return value  # type: ignore[no-any-return]
    raise ExprError(f"{name}() expects a number, got {type_name(value)}")


def _obj(name: str, value: Value) -> Mapping[str, Value]:
    if isinstance(value, Mapping):
        return value
    raise ExprError(f"{name}() expects an object, got {type_name(value)}")


def _fn(name: str, value: Value) -> Callable[..., Value]:
    if callable(value):
        return value  # type: ignore[no-any-return]
    raise ExprError(f"{name}() expects a lambda such as `x => ...`, got {type_name(value)}")


def _whole(value: float | int) -> float | int:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _count(value: Value) -> int:
    if isinstance(value, str | list | tuple | Mapping):
        return len(value)
    if value is None:
        return 0
    raise ExprError(f"count() expects a list, object or text, got {type_name(value)}")


def _map(items: Value, fn: Value) -> list[Value]:
    f = _fn("map", fn)
    return [f(item, i) for i, item in enumerate(_list("map", items))]


def _filter(items: Value, fn: Value) -> list[Value]:
    f = _fn("filter", fn)
    return [item for i, item in enumerate(_list("filter", items)) if truthy(f(item, i))]


def _find(items: Value, fn: Value) -> Value:
    f = _fn("find", fn)
    return next((item for i, item in enumerate(_list("find", items)) if truthy(f(item, i))), None)


def _any(items: Value, fn: Value = None) -> bool:
    values = _list("any", items)
    return any(truthy(_fn("any", fn)(x, i) if fn is not None else x) for i, x in enumerate(values))


def _all(items: Value, fn: Value = None) -> bool:
    values = _list("all", items)
    return all(truthy(_fn("all", fn)(x, i) if fn is not None else x) for i, x in enumerate(values))


def _contains(haystack: Value, needle: Value) -> bool:
    if isinstance(haystack, str):
        return _text("contains", needle) in haystack
    if isinstance(haystack, list | tuple):
        return any(equal(x, needle) for x in haystack)
    if isinstance(haystack, Mapping):
        return needle in haystack
    if haystack is None:
        return False
    raise ExprError(f"contains() expects text, a list or an object, got {type_name(haystack)}")


def _index_of(haystack: Value, needle: Value) -> int:
    if isinstance(haystack, str):
        return haystack.find(_text("index_of", needle))
    return next((i for i, x in enumerate(_list("index_of", haystack)) if equal(x, needle)), -1)


def _first(items: Value) -> Value:
    values = _list("first", items)
    return values[0] if values else None


def _last(items: Value) -> Value:
    values = _list("last", items)
    return values[-1] if values else None


def _slice(value: Value, start: Value, end: Value = None) -> Value:
    a = int(_num("slice", start))
    b = None if end is None else int(_num("slice", end))
    if isinstance(value, str):
        return value[a:b]
    return _list("slice", value, "a list or text")[a:b]


def _flatten(items: Value) -> list[Value]:
    out: list[Value] = []
    for x in _list("flatten", items):
        if isinstance(x, list | tuple):
            out.extend(x)
        else:
            out.append(x)
    return out


def _unique(items: Value) -> list[Value]:
    seen: set[str] = set()
    out: list[Value] = []
    for x in _list("unique", items):
        key = json.dumps(x, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


def _sort(items: Value, key: Value = None) -> list[Value]:
    values = _list("sort", items)
    f = _fn("sort", key) if key is not None else None
    keyed = [(f(x, i) if f else x, x) for i, x in enumerate(values)]
    for k, _ in keyed:
        if not (is_number(k) or isinstance(k, str)):
            raise ExprError(f"sort() can only order numbers or texts, got {type_name(k)}")
    if keyed and len({isinstance(k, str) for k, _ in keyed}) > 1:
        raise ExprError("sort() cannot order a mix of numbers and texts")
    return [x for _, x in sorted(keyed, key=lambda pair: pair[0])]


def _reverse(value: Value) -> Value:
    if isinstance(value, str):
        return value[::-1]
    return _list("reverse", value, "a list or text")[::-1]


def _range(start: Value, end: Value = None, step: Value = None) -> list[int]:
    a, b = (0, start) if end is None else (start, end)
    s = 1 if step is None else step
    lo, hi, st = int(_num("range", a)), int(_num("range", b)), int(_num("range", s))
    if st == 0:
        raise ExprError("range() step must not be 0")
    if (hi - lo) // st > 1_000_000:
        raise ExprError("range() would produce more than 1000000 items")
    return list(range(lo, hi, st))


def _zip(a: Value, b: Value) -> list[list[Value]]:
    return [[x, y] for x, y in zip(_list("zip", a), _list("zip", b), strict=False)]


def _keys(value: Value) -> list[str]:
    return list(_obj("keys", value).keys())


def _values(value: Value) -> list[Value]:
    return list(_obj("values", value).values())


def _entries(value: Value) -> list[dict[str, Value]]:
    return [{"key": k, "value": v} for k, v in _obj("entries", value).items()]


def _merge(*objects: Value) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for o in objects:
        if o is not None:
            out.update(_obj("merge", o))
    return out


def _get(value: Value, key: Value, fallback: Value = None) -> Value:
    if isinstance(value, Mapping):
        return value.get(to_text(key), fallback)
    if isinstance(value, list | tuple) and is_number(key):
        i = int(key)
        return value[i] if -len(value) <= i < len(value) else fallback
    return fallback


def _default(value: Value, fallback: Value) -> Value:
    return fallback if value is None else value


def _is_empty(value: Value) -> bool:
    return value is None or (isinstance(value, str | list | tuple | Mapping) and len(value) == 0)


def _numbers(name: str, values: Sequence[Value]) -> list[float | int]:
    items = list(values[0]) if len(values) == 1 and isinstance(values[0], list | tuple) else list(values)
    return [_num(name, v) for v in items]


def _sum(items: Value) -> float | int:
    return sum(_numbers("sum", [items]), 0)


def _min(*values: Value) -> Value:
    nums = _numbers("min", values)
    return min(nums) if nums else None


def _max(*values: Value) -> Value:
    nums = _numbers("max", values)
    return max(nums) if nums else None


def _avg(items: Value) -> Value:
    nums = _numbers("avg", [items])
    return _whole(sum(nums) / len(nums)) if nums else None


def _round(value: Value, digits: Value = None) -> float | int:
    n = _num("round", value)
    d = 0 if digits is None else int(_num("round", digits))
    quantum = Decimal(1).scaleb(-d)
    rounded = Decimal(str(n)).quantize(quantum, rounding=ROUND_HALF_UP)
    return int(rounded) if d <= 0 else float(rounded)


def _cosine(a: Value, b: Value) -> float:
    x = [_num("cosine_similarity", v) for v in _list("cosine_similarity", a)]
    y = [_num("cosine_similarity", v) for v in _list("cosine_similarity", b)]
    if len(x) != len(y):
        raise ExprError(f"cosine_similarity() needs vectors of equal length, got {len(x)} and {len(y)}")
    na = math.sqrt(sum(v * v for v in x))
    nb = math.sqrt(sum(v * v for v in y))
    if na == 0 or nb == 0:
        return 0.0
    return sum(p * q for p, q in zip(x, y, strict=True)) / (na * nb)


def _split(text: Value, sep: Value = None) -> list[str]:
    s = _text("split", text)
    if sep is None:
        return s.split()
    separator = _text("split", sep)
    if separator == "":
        return list(s)
    return s.split(separator)


def _join(items: Value, sep: Value = None) -> str:
    separator = "" if sep is None else _text("join", sep)
    return separator.join(to_text(x) for x in _list("join", items))


def _replace(text: Value, old: Value, new: Value) -> str:
    return _text("replace", text).replace(_text("replace", old), to_text(new))


def _matches(text: Value, pattern: Value) -> bool:
    try:
        return re.search(_text("matches", pattern), _text("matches", text)) is not None
    except re.error as exc:
        raise ExprError(f"matches(): invalid regular expression: {exc}") from None


def _substring(text: Value, start: Value, end: Value = None) -> str:
    s = _text("substring", text)
    return s[int(_num("substring", start)) : None if end is None else int(_num("substring", end))]


def _pad_left(text: Value, width: Value, fill: Value = None) -> str:
    f = " " if fill is None else _text("pad_left", fill)
    if len(f) != 1:
        raise ExprError("pad_left() fill must be one character")
    return to_text(text).rjust(int(_num("pad_left", width)), f)


def _format_number(value: Value, digits: Value) -> str:
    return f"{_num('format_number', value):.{int(_num('format_number', digits))}f}"


def _to_number(value: Value) -> float | int:
    if is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
        try:
            n = float(value.strip())
        except ValueError:
            raise ExprError(f"to_number(): {json.dumps(value)} is not a number") from None
        if math.isfinite(n):
            return n
    if isinstance(value, bool):
        return 1 if value else 0
    raise ExprError(f"to_number() cannot convert {type_name(value)}")


def _to_integer(value: Value) -> int:
    n = _to_number(value)
    return int(n)


def _json_parse(text: Value) -> Value:
    try:
        return json.loads(_text("json_parse", text))
    except ValueError as exc:
        raise ExprError(f"json_parse(): invalid JSON: {exc}") from None


def _json_stringify(value: Value) -> str:
    return to_text(value) if not isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _floor(value: Value) -> int:
    return math.floor(_num("floor", value))


def _ceil(value: Value) -> int:
    return math.ceil(_num("ceil", value))


def _abs(value: Value) -> float | int:
    return abs(_num("abs", value))


IMPLS: dict[str, Impl] = {
    "count": _count,
    "len": _count,
    "map": _map,
    "filter": _filter,
    "find": _find,
    "any": _any,
    "all": _all,
    "contains": _contains,
    "index_of": _index_of,
    "first": _first,
    "last": _last,
    "slice": _slice,
    "flatten": _flatten,
    "unique": _unique,
    "sort": _sort,
    "reverse": _reverse,
    "range": _range,
    "zip": _zip,
    "keys": _keys,
    "values": _values,
    "entries": _entries,
    "merge": _merge,
    "get": _get,
    "default": _default,
    "is_empty": _is_empty,
    "sum": _sum,
    "min": _min,
    "max": _max,
    "avg": _avg,
    "round": _round,
    "floor": _floor,
    "ceil": _ceil,
    "abs": _abs,
    "cosine_similarity": _cosine,
    "lower": lambda t: _text("lower", t).lower(),
    "upper": lambda t: _text("upper", t).upper(),
    "trim": lambda t: _text("trim", t).strip(),
    "split": _split,
    "join": _join,
    "replace": _replace,
    "starts_with": lambda t, p: _text("starts_with", t).startswith(_text("starts_with", p)),
    "ends_with": lambda t, p: _text("ends_with", t).endswith(_text("ends_with", p)),
    "matches": _matches,
    "substring": _substring,
    "pad_left": _pad_left,
    "format_number": _format_number,
    "to_text": to_text,
    "to_number": _to_number,
    "to_integer": _to_integer,
    "to_boolean": truthy,
    "type_of": type_name,
    "json_parse": _json_parse,
    "json_stringify": _json_stringify,
    "now": _now,
    "now_ms": lambda: int(time.time() * 1000),
}

__all__ = ["IMPLS", "call_builtin"]


def call_builtin(name: str, args: Sequence[Value]) -> Value:
    """Call built-in `name` with evaluated arguments, checking the arity declared in BUILTINS."""
    spec = BUILTINS.get(name)
    impl = IMPLS.get(name)
    if spec is None or impl is None:
        raise ExprError(f"unknown function '{name}'")
    if len(args) < spec.min_args or (spec.max_args is not None and len(args) > spec.max_args):
        expected = (
            f"{spec.min_args}"
            if spec.max_args == spec.min_args
            else f"{spec.min_args} to {spec.max_args}"
            if spec.max_args is not None
            else f"at least {spec.min_args}"
        )
        raise ExprError(f"{name}() takes {expected} argument(s), got {len(args)}")
    return impl(*args)
