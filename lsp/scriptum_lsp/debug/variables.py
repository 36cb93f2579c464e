"""DAP variables from runner values: lazy children for objects and lists, previews, secret redaction."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from scriptum_lsp.language.types import value_kind

PREVIEW_CHARS = 120
MAX_CHILDREN = 1000
REDACTED = "•••• (secret, hidden)"
# The Scriptum env has no "secret" flag: values whose key names a secret are hidden (docs/debugger.md).
_SECRET_KEY = re.compile(r"(KEY|TOKEN|SECRET|PASSW|PASSWD|PWD|CREDENTIAL|AUTH|PRIVATE|CERT)", re.I)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_KEY.search(name))


def preview(value: Any, limit: int = PREVIEW_CHARS) -> str:
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, Mapping):
        text = f"{{{len(value)} fields}}" if len(value) > 3 else _json(value)
    elif isinstance(value, list | tuple):
        text = f"[{len(value)} items]" if len(value) > 5 else _json(list(value))
    else:
        text = _json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


class VariableStore:
    """variablesReference -> a container. References live until the next resume (`clear`)."""

    def __init__(self) -> None:
        self._refs: dict[int, Callable[[], list[dict[str, Any]]]] = {}
        self._next = 1

    def clear(self) -> None:
        self._refs.clear()
        self._next = 1

    def add(self, children: Callable[[], list[dict[str, Any]]]) -> int:
        ref = self._next
        self._next += 1
        self._refs[ref] = children
        return ref

    def children(self, ref: int) -> list[dict[str, Any]] | None:
        fn = self._refs.get(ref)
        return None if fn is None else fn()

    def variable(self, name: str, value: Any, *, evaluate_name: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": name,
            "value": preview(value),
            "type": value_kind(value),
            "variablesReference": 0,
        }
        if evaluate_name:
            out["evaluateName"] = evaluate_name
        if isinstance(value, Mapping) and value:
            out["variablesReference"] = self.add(lambda: self.of_mapping(value, evaluate_name))
            out["namedVariables"] = len(value)
        elif isinstance(value, list | tuple) and value:
            items = list(value)
            out["variablesReference"] = self.add(lambda: self.of_list(items, evaluate_name))
            out["indexedVariables"] = len(items)
        return out

    def of_mapping(self, value: Mapping[str, Any], base: str | None = None) -> list[dict[str, Any]]:
        out = []
        for i, (k, v) in enumerate(value.items()):
            if i >= MAX_CHILDREN:
                out.append({"name": "…", "value": f"{len(value) - i} more", "variablesReference": 0})
                break
            name = str(k)
            ev = f"{base}.{name}" if base and name.isidentifier() else None
            out.append(self.variable(name, v, evaluate_name=ev))
        return out

    def of_list(self, items: list[Any], base: str | None = None) -> list[dict[str, Any]]:
        out = []
        for i, v in enumerate(items[:MAX_CHILDREN]):
            out.append(self.variable(f"[{i}]", v, evaluate_name=f"{base}[{i}]" if base else None))
        if len(items) > MAX_CHILDREN:
            out.append({"name": "…", "value": f"{len(items) - MAX_CHILDREN} more", "variablesReference": 0})
        return out

    def secret(self, name: str) -> dict[str, Any]:
        return {"name": name, "value": REDACTED, "type": "text", "variablesReference": 0}
