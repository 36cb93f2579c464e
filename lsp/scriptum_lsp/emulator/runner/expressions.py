"""Evaluation of IR expressions (docs/ir.md "Expressions") against a scope.

Expressions are synchronous and side-effect free: tools run only in `execute` steps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .functions import call_builtin
from .values import ExprError, Value, compare, describe_keys, equal, is_number, to_text, truthy, type_name

_MISSING = object()


class Scope:
    """Bindings visible to a step. Lookup walks the parent chain; `set` binds in this scope."""

    def __init__(self, parent: Scope | None = None, values: Mapping[str, Value] | None = None) -> None:
        self.parent = parent
        self.values: dict[str, Value] = dict(values or {})

    def lookup(self, name: str) -> Value:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.parent
        return _MISSING

    def set(self, name: str, value: Value) -> None:
        self.values[name] = value

    def child(self, values: Mapping[str, Value] | None = None) -> Scope:
        return Scope(self, values)

    def visible_names(self) -> list[str]:
        names: list[str] = []
        scope: Scope | None = self
        while scope is not None:
            names.extend(n for n in scope.values if n not in names)
            scope = scope.parent
        return names


class Evaluator:
    """Evaluates expressions. `env_value(name)` resolves `env(NAME)` and declared env keys (or raises KeyError)."""

    def __init__(self, env_value: Callable[[str], Value], declared_env: frozenset[str]) -> None:
        self._env_value = env_value
        self._declared_env = declared_env

    def eval(self, expr: Any, scope: Scope) -> Value:
        if not isinstance(expr, Mapping):
            raise ExprError(f"malformed expression in the IR: {expr!r}")
        if "lit" in expr:
            return expr["lit"]
        if "name" in expr and len(expr) == 1:
            return self._name(str(expr["name"]), scope)
        if "interp" in expr:
            return "".join(self._interp_part(p, scope) for p in expr["interp"])
        if "get" in expr:
            return self._get(expr, scope)
        if "index" in expr:
            return self._index(expr, scope)
        if "call" in expr:
            args = [self.eval(a, scope) for a in expr.get("args", [])]
            return call_builtin(str(expr["call"]), args)
        if "method" in expr:
            target = self.eval(expr["target"], scope)
            args = [self.eval(a, scope) for a in expr.get("args", [])]
            return call_builtin(str(expr["method"]), [target, *args])
        if "op" in expr:
            return self._op(str(expr["op"]), list(expr.get("args", [])), scope)
        if "lambda" in expr:
            return self._lambda(list(expr["lambda"]), expr["body"], scope)
        if "list" in expr:
            return [self.eval(e, scope) for e in expr["list"]]
        if "object" in expr:
            return {str(k): self.eval(v, scope) for k, v in expr["object"].items()}
        if "env" in expr:
            return self._env(str(expr["env"]), expr.get("default"), scope)
        raise ExprError(f"unknown expression form {sorted(expr)!r} in the IR")

    # --- names, fields, indexing --------------------------------------------------------------------

    def _name(self, name: str, scope: Scope) -> Value:
        value = scope.lookup(name)
        if value is not _MISSING:
            return value
        if name in self._declared_env:
            return self._env(name, None, scope)
        if name in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[name]
        visible = ", ".join(sorted(scope.visible_names())[:20]) or "(none)"
        raise ExprError(f"unknown name '{name}'", f"names in scope: {visible}")

    def _field(self, obj: Value, field: str, safe: bool, shown: str) -> Value:
        if obj is None:
            if safe:
                return None
            raise ExprError(
                f"cannot read field '{field}' of null ({shown} is null)",
                f"use {shown}?.{field} or ?? to handle a missing value",
            )
        if isinstance(obj, Mapping):
            if field in obj:
                return obj[field]
            if safe:
                return None
            raise ExprError(f"field '{field}' not found on {shown}", f"available keys: {describe_keys(obj)}")
        if safe:
            return None
        hint = " (use count(...) for its length, or [i] for an item)" if isinstance(obj, list | tuple) else ""
        raise ExprError(f"cannot read field '{field}' of {type_name(obj)} {shown}{hint}")

    def _get(self, expr: Mapping[str, Any], scope: Scope) -> Value:
        obj = self.eval(expr["get"], scope)
        return self._field(obj, str(expr["field"]), bool(expr.get("safe", False)), _show(expr["get"]))

    def _index(self, expr: Mapping[str, Any], scope: Scope) -> Value:
        obj = self.eval(expr["index"], scope)
        at = self.eval(expr["at"], scope)
        if obj is None:
            return None
        if isinstance(obj, list | tuple | str):
            if not is_number(at) or (isinstance(at, float) and not at.is_integer()):
                raise ExprError(f"a {type_name(obj)} index must be an integer, got {type_name(at)}")
            i = int(at)
            return obj[i] if -len(obj) <= i < len(obj) else None
        if isinstance(obj, Mapping):
            return obj.get(to_text(at))
        raise ExprError(f"cannot index {type_name(obj)} {_show(expr['index'])}")

    def _interp_part(self, part: Any, scope: Scope) -> str:
        if isinstance(part, str):
            return part
        if isinstance(part, Mapping) and "path" in part:
            names = [str(p) for p in part["path"]]
            value = self._name(names[0], scope)
            shown = names[0]
            for field in names[1:]:
                value = self._field(value, field, False, shown)
                shown = f"{shown}.{field}"
            return to_text(value)
        return to_text(self.eval(part, scope))

    def _env(self, name: str, default: Any, scope: Scope) -> Value:
        try:
            return self._env_value(name)
        except KeyError:
            return None if default is None else self.eval(default, scope)

    # --- operators ----------------------------------------------------------------------------------

    def _op(self, op: str, args: list[Any], scope: Scope) -> Value:
        if op in ("and", "or", "??"):
            left = self.eval(args[0], scope)
            if op == "??":
                return left if left is not None else self.eval(args[1], scope)
            if op == "and":
                return truthy(left) and truthy(self.eval(args[1], scope))
            return truthy(left) or truthy(self.eval(args[1], scope))
        values = [self.eval(a, scope) for a in args]
        if op in ("not", "!"):
            return not truthy(values[0])
        if op == "neg" or (op == "-" and len(values) == 1):
            if not is_number(values[0]):
                raise ExprError(f"cannot negate {type_name(values[0])}")
            return -values[0]
        a, b = values[0], values[1]
        if op == "==":
            return equal(a, b)
        if op == "!=":
            return not equal(a, b)
        if op in ("<", ">", "<=", ">="):
            return compare(a, b, op)
        return _arith(op, a, b)

    def _lambda(self, params: list[str], body: Any, scope: Scope) -> Callable[..., Value]:
        def call(*args: Value) -> Value:
            bound = {p: (args[i] if i < len(args) else None) for i, p in enumerate(params)}
            return self.eval(body, scope.child(bound))

        return call


def _arith(op: str, a: Value, b: Value) -> Value:
    if op == "+":
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        if isinstance(a, list | tuple) and isinstance(b, list | tuple):
            return [*a, *b]
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            return {**a, **b}
    if not (is_number(a) and is_number(b)):
        raise ExprError(f"cannot apply '{op}' to {type_name(a)} and {type_name(b)}")
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op in ("/", "%"):
        if b == 0:
            raise ExprError("division by zero" if op == "/" else "modulo by zero")
        if op == "%":
            return a % b
        result = a / b
        return int(result) if isinstance(a, int) and isinstance(b, int) and result.is_integer() else result
    raise ExprError(f"unknown operator '{op}'")


def _show(expr: Any) -> str:
    """A short source-like rendering of an expression, for error messages."""
    if not isinstance(expr, Mapping):
        return "value"
    if "name" in expr and len(expr) == 1:
        return str(expr["name"])
    if "get" in expr:
        return f"{_show(expr['get'])}{'?.' if expr.get('safe') else '.'}{expr['field']}"
    if "index" in expr:
        return f"{_show(expr['index'])}[{_show(expr['at'])}]"
    if "lit" in expr:
        return json.dumps(expr["lit"])
    if "call" in expr:
        return f"{expr['call']}(...)"
    if "method" in expr:
        return f"{_show(expr['target'])}.{expr['method']}(...)"
    return "value"
