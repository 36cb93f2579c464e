"""Validate a thread's input JSON against a script contract, and fill defaults (pure, no IO).

`contract` is the camelCase ScriptContract dict produced by the compiler::

    {"inputs": [TypedField, ...], "enums": [{"name", "baseType", "variants": [...]}], ...}
    TypedField = {"name", "type": TypeRef, "defaultValueJson": "" | json, "required": bool,
                  "constraints": [{"name": "range", "args": [1, 100]}, ...]}
    TypeRef = {"kind": ..., "enumName"?, "elementType"?, "keyType"?, "valueType"?}

For convenience the IR's spelling of the same data (docs/ir.md: `type: {kind: list, of: ...}`,
`{kind: map, key, value}`, `{kind: enum, name}`, `default: <value>`) is accepted as well, so the runner can
validate straight from `ir["inputs"]`.

Decisions (documented in docs/runtime.md):
* the input must be a JSON object; every problem found is reported, none stops the walk;
* a field is missing when its key is absent; a missing field is a problem only when it is required and has
  no default;
* `null` is accepted for fields that are not required and for `any`; otherwise it is a type problem;
* unknown fields (not declared in the contract) ARE problems ("unknown input field"), so typos surface;
* `integer` accepts whole floats (`3.0`); `number` accepts integers; booleans are never numbers;
* `date` is `YYYY-MM-DD`; `timestamp` is an ISO 8601 / RFC 3339 date-time text; `binary` is text (base64);
* `object` requires a JSON object (its fields are not checked);
* `map<K, V>`: keys are JSON texts, checked to parse as K when K is integer/number; values checked as V;
* `pattern` uses a search (not anchored), as ECMA-262 / JSON Schema do; an invalid pattern is a problem.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .suggest import did_you_mean
from .types import value_kind

JsonMap = Mapping[str, Any]


@dataclass(frozen=True)
class InputProblem:
    path: str  # "limit", "tags[2]", "labels.eu"
    message: str

    def render(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def validate_input(contract: JsonMap, data: object) -> list[InputProblem]:
    """Every problem of `data` against `contract["inputs"]`; an empty list means valid."""
    if not isinstance(data, Mapping):
        return [InputProblem("", f"input must be a JSON object, got {value_kind(data)}")]
    enums = _enum_table(contract)
    problems: list[InputProblem] = []
    fields = _fields(contract)
    declared = {str(f.get("name", "")) for f in fields}
    for f in fields:
        name = str(f.get("name", ""))
        type_ref = _as_map(f.get("type"))
        if name not in data:
            if _is_required(f):
                problems.append(
                    InputProblem(name, f"required input '{name}' ({describe_type(type_ref)}) is missing")
                )
            continue
        value = data[name]
        if value is None and not _is_required(f):
            continue
        before = len(problems)
        _check_type(name, type_ref, value, enums, problems)
        if len(problems) == before:
            constraints = [*_as_list(f.get("constraints")), *_as_list(type_ref.get("constraints"))]
            _check_constraints(name, constraints, value, problems)
    problems.extend(
        InputProblem(str(key), f"unknown input field '{key}'{_suggest(str(key), declared)}")
        for key in data
        if key not in declared
    )
    return problems


def apply_defaults(contract: JsonMap, data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `data` with every absent field that has a default filled in (present values are kept)."""
    out = dict(data)
    for f in _fields(contract):
        name = str(f.get("name", ""))
        if name in out:
            continue
        found, value = _default_of(f)
        if found:
            out[name] = value
    return out


def describe_type(type_ref: Mapping[str, Any]) -> str:
    """Scriptum spelling of a TypeRef: `list<text>`, `map<text, number>`, `Tier`."""
    kind = str(type_ref.get("kind", "any"))
    if kind == "list":
        return f"list<{describe_type(_element(type_ref))}>"
    if kind == "map":
        return f"map<{describe_type(_key(type_ref))}, {describe_type(_value(type_ref))}>"
    if kind == "enum":
        return str(_enum_name(type_ref) or "enum")
    return kind


# --- contract access (camelCase contract or IR spelling) ------------------------------------------------


def _fields(contract: JsonMap) -> list[Mapping[str, Any]]:
    return [f for f in _as_list(contract.get("inputs")) if isinstance(f, Mapping)]


def _as_map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _element(t: Mapping[str, Any]) -> Mapping[str, Any]:
    return _as_map(t.get("elementType", t.get("of")))


def _key(t: Mapping[str, Any]) -> Mapping[str, Any]:
    return _as_map(t.get("keyType", t.get("key"))) or {"kind": "text"}


def _value(t: Mapping[str, Any]) -> Mapping[str, Any]:
    return _as_map(t.get("valueType", t.get("value")))


def _enum_name(t: Mapping[str, Any]) -> str | None:
    name = t.get("enumName", t.get("name"))
    return str(name) if name is not None else None


def _default_of(f: Mapping[str, Any]) -> tuple[bool, Any]:
    raw = f.get("defaultValueJson")
    if isinstance(raw, str) and raw != "":
        try:
            return True, json.loads(raw)
        except ValueError:
            return False, None
    if "default" in f and f.get("default") is not None:
        return True, f["default"]
    return False, None


def _is_required(f: Mapping[str, Any]) -> bool:
    return bool(f.get("required", False)) and not _default_of(f)[0]


def _enum_table(contract: JsonMap) -> dict[str, list[Any]]:
    table: dict[str, list[Any]] = {}
    for e in _as_list(contract.get("enums")):
        if not isinstance(e, Mapping):
            continue
        variants: list[Any] = []
        for v in _as_list(e.get("variants")):
            if isinstance(v, Mapping):
                variants.append(v.get("value", v.get("name")))
            else:
                variants.append(v)
        table[str(e.get("name", ""))] = variants
    return table


# --- checks -------------------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(value: object) -> bool:
    return _is_number(value) and (isinstance(value, int) or float(value).is_integer())  # type: ignore[arg-type]


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_timestamp(value: object) -> bool:
    if not isinstance(value, str) or not re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", value):
        return False
    try:
        _dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return True


def _check_type(
    path: str, t: Mapping[str, Any], value: object, enums: Mapping[str, list[Any]], out: list[InputProblem]
) -> None:
    kind = str(t.get("kind", "any"))
    if kind == "any":
        return
    expected = describe_type(t)
    if value is None:
        out.append(InputProblem(path, f"expected {expected}, got {value_kind(value)}"))
        return
    scalar = _SCALAR_CHECKS.get(kind)
    if scalar is not None:
        accepts, message = scalar
        if not accepts(value):
            text = (
                message.format(json.dumps(value))
                if message
                else f"expected {expected}, got {value_kind(value)}"
            )
            out.append(InputProblem(path, text))
        return
    container = _CONTAINER_CHECKS.get(kind)
    if container is not None:
        container(path, t, value, enums, out)


def _check_list(
    path: str, t: Mapping[str, Any], value: object, enums: Mapping[str, list[Any]], out: list[InputProblem]
) -> None:
    if not isinstance(value, list | tuple):
        out.append(InputProblem(path, f"expected {describe_type(t)}, got {value_kind(value)}"))
        return
    element = _element(t)
    for i, item in enumerate(value):
        _check_type(f"{path}[{i}]", element, item, enums, out)


def _check_map(
    path: str, t: Mapping[str, Any], value: object, enums: Mapping[str, list[Any]], out: list[InputProblem]
) -> None:
    if not isinstance(value, Mapping):
        out.append(InputProblem(path, f"expected {describe_type(t)}, got {value_kind(value)}"))
        return
    key_kind = str(_key(t).get("kind", "text"))
    for k, v in value.items():
        if key_kind in ("integer", "number") and not _numeric_key(str(k), key_kind):
            out.append(InputProblem(f"{path}.{k}", f"map key '{k}' is not {key_kind}"))
        _check_type(f"{path}.{k}", _value(t), v, enums, out)


def _check_enum(
    path: str, t: Mapping[str, Any], value: object, enums: Mapping[str, list[Any]], out: list[InputProblem]
) -> None:
    name = _enum_name(t) or ""
    variants = enums.get(name)
    if variants is None:
        return  # enum not in the contract: nothing to check against
    if isinstance(value, bool) or value not in variants:
        listed = ", ".join(json.dumps(v) for v in variants)
        out.append(InputProblem(path, f"{json.dumps(value)} is not a variant of {name} ({listed})"))


# a scalar kind -> (does a non-null value have it, the message for one that does not: "" for the generic
# "expected <type>, got <kind>", else a format string of the JSON value)
_SCALAR_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "text": (lambda v: isinstance(v, str), ""),
    "binary": (lambda v: isinstance(v, str), ""),
    "number": (lambda v: _is_number(v), ""),
    "integer": (lambda v: _is_integer(v), ""),
    "boolean": (lambda v: isinstance(v, bool), ""),
    "object": (lambda v: isinstance(v, Mapping), ""),
    "date": (lambda v: _is_date(v), "expected a date (YYYY-MM-DD), got {}"),
    "timestamp": (lambda v: _is_timestamp(v), "expected a timestamp (RFC 3339), got {}"),
}
_CONTAINER_CHECKS: dict[
    str, Callable[[str, Mapping[str, Any], object, Mapping[str, list[Any]], list[InputProblem]], None]
] = {"list": _check_list, "map": _check_map, "enum": _check_enum}


def _numeric_key(key: str, kind: str) -> bool:
    try:
        number = float(key)
    except ValueError:
        return False
    return kind == "number" or number.is_integer()


def _num(args: Sequence[Any], i: int) -> float | None:
    if i < len(args) and _is_number(args[i]):
        return float(args[i])
    return None


def _check_constraints(path: str, constraints: Sequence[Any], value: object, out: list[InputProblem]) -> None:
    for c in constraints:
        if not isinstance(c, Mapping):
            continue
        name = str(c.get("name", ""))
        args = _as_list(c.get("args"))
        message = _constraint_problem(name, args, value)
        if message:
            out.append(InputProblem(path, message))


def _fmt(n: float | None) -> str:
    if n is None:
        return "?"
    return str(int(n)) if float(n).is_integer() else str(n)


def _items(n: float | None) -> str:
    return f"{_fmt(n)} item" if n == 1 else f"{_fmt(n)} items"


def _range_problem(args: Sequence[Any], value: object) -> str | None:
    lo, hi = _num(args, 0), _num(args, 1)
    if _is_number(value):
        v = float(value)  # type: ignore[arg-type]
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            return f"must be in range({_fmt(lo)}, {_fmt(hi)}), got {json.dumps(value)}"
    return None


def _min_problem(args: Sequence[Any], value: object) -> str | None:
    lo = _num(args, 0)
    if _is_number(value) and lo is not None and float(value) < lo:  # type: ignore[arg-type]
        return f"must be >= {_fmt(lo)}, got {json.dumps(value)}"
    return None


def _max_problem(args: Sequence[Any], value: object) -> str | None:
    lo = _num(args, 0)
    if _is_number(value) and lo is not None and float(value) > lo:  # type: ignore[arg-type]
        return f"must be <= {_fmt(lo)}, got {json.dumps(value)}"
    return None


def _length_problem(args: Sequence[Any], value: object) -> str | None:
    lo, hi = _num(args, 0), _num(args, 1)
    if isinstance(value, str):
        n = len(value)
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            return f"length must be in [{_fmt(lo)}, {_fmt(hi)}], got {n} characters"
    return None


def _pattern_problem(args: Sequence[Any], value: object) -> str | None:
    if isinstance(value, str) and args:
        try:
            if re.search(str(args[0]), value) is None:
                return f"must match pattern {json.dumps(str(args[0]))}"
        except re.error as exc:
            return f"invalid pattern {json.dumps(str(args[0]))}: {exc}"
    return None


def _min_items_problem(args: Sequence[Any], value: object) -> str | None:
    lo = _num(args, 0)
    if isinstance(value, list | tuple) and lo is not None and len(value) < lo:
        return f"must have at least {_items(lo)}, got {len(value)}"
    return None


def _max_items_problem(args: Sequence[Any], value: object) -> str | None:
    lo = _num(args, 0)
    if isinstance(value, list | tuple) and lo is not None and len(value) > lo:
        return f"must have at most {_items(lo)}, got {len(value)}"
    return None


def _unique_problem(args: Sequence[Any], value: object) -> str | None:
    if isinstance(value, list | tuple):
        seen: set[str] = set()
        for i, item in enumerate(value):
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                return f"items must be unique; item {i} repeats an earlier item"
            seen.add(key)
    return None


# a constraint's name -> its check of a value (None: satisfied, or not applicable to the value's type)
_CONSTRAINT_CHECKS: dict[str, Callable[[Sequence[Any], object], str | None]] = {
    "range": _range_problem,
    "min": _min_problem,
    "max": _max_problem,
    "length": _length_problem,
    "pattern": _pattern_problem,
    "min_items": _min_items_problem,
    "max_items": _max_items_problem,
    "unique": _unique_problem,
}


def _constraint_problem(name: str, args: Sequence[Any], value: object) -> str | None:
    check = _CONSTRAINT_CHECKS.get(name)
    return check(args, value) if check is not None else None


def _suggest(name: str, candidates: set[str]) -> str:
    hint = did_you_mean(name, sorted(candidates))  # the one suggestion algorithm (suggest.py)
    return f" ({hint})" if hint else ""
