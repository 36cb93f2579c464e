"""Wire conventions of the pbjson gateway: camelCase (snake_case accepted), int64 as strings, enum names."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from scriptum_lsp.emulator.errors import bad_request

_CAMEL_RE = re.compile(r"_([a-z0-9])")
_SNAKE_RE = re.compile(r"(?<!^)([A-Z])")


def camel(name: str) -> str:
    """`dsl_content` -> `dslContent`."""
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name)


def snake(name: str) -> str:
    """`dslContent` -> `dsl_content`."""
    return _SNAKE_RE.sub(r"_\1", name).lower()


def int64(value: int | None) -> str:
    """int64 fields travel as JSON strings."""
    return str(int(value or 0))


def enum_name(prefix: str, value: str | None) -> str:
    """`("SCRIPT_VERSION_STATUS", "DRAFT")` -> `"SCRIPT_VERSION_STATUS_DRAFT"`; empty -> `..._UNSPECIFIED`."""
    return f"{prefix}_{(value or 'UNSPECIFIED').upper()}"


def parse_enum(prefix: str, value: object, numbers: Mapping[int, str], field: str) -> str | None:
    """Accept `THREAD_STATUS_FAILED`, `FAILED`, `failed` or the enum number; return the short upper name."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise bad_request(f"invalid value for {field}", [(field, "expected an enum name or number")])
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        n = int(value)
        if n == 0:
            return None
        if n in numbers:
            return numbers[n]
    elif isinstance(value, str):
        upper = value.strip().upper()
        if upper.startswith(prefix + "_"):
            upper = upper[len(prefix) + 1 :]
        if upper == "UNSPECIFIED":
            return None
        if upper in numbers.values():
            return upper
    allowed = ", ".join(f"{prefix}_{v}" for v in numbers.values())
    raise bad_request(
        f"invalid value {value!r} for {field}; expected one of {allowed}", [(field, "unknown enum value")]
    )


class Fields:
    """Request fields from a JSON body, path parameters and query string; each name in either spelling."""

    def __init__(
        self,
        body: Mapping[str, Any] | None = None,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, list[str]] | None = None,
    ) -> None:
        self._body: dict[str, Any] = {}
        for k, v in (body or {}).items():
            self._body[snake(k)] = v
        self._path = {snake(k): v for k, v in (path or {}).items()}
        self._query: dict[str, list[str]] = {}
        for k, vs in (query or {}).items():
            self._query.setdefault(snake(k), []).extend(vs)

    def has(self, name: str) -> bool:
        return name in self._path or name in self._body or name in self._query

    def raw(self, name: str) -> Any:
        if name in self._path:
            return self._path[name]
        if name in self._body:
            return self._body[name]
        if name in self._query:
            values = self._query[name]
            return values[-1] if values else None
        return None

    def string(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, str):
            raise bad_request(
                f"invalid value for {camel(name)}: expected a string", [(camel(name), "expected a string")]
            )
        return value

    def int32(self, name: str, default: int = 0) -> int:
        value = self.raw(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(
                f"invalid value for {camel(name)}: expected an integer",
                [(camel(name), "expected an integer")],
            )
        if isinstance(value, int):
            n = value
        elif isinstance(value, float) and value.is_integer():
            n = int(value)
        elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            n = int(value.strip())
        else:
            raise bad_request(
                f"invalid value {value!r} for {camel(name)}: expected an integer",
                [(camel(name), "expected an integer")],
            )
        if not -(2**31) <= n < 2**31:
            raise bad_request(
                f"{camel(name)} is out of the int32 range", [(camel(name), "out of int32 range")]
            )
        return n

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
            return value.lower() in ("true", "1")
        raise bad_request(
            f"invalid value {value!r} for {camel(name)}: expected a boolean",
            [(camel(name), "expected a boolean")],
        )

    def strings(self, name: str) -> list[str]:
        """A repeated string: a JSON list, repeated query parameters, or comma-separated query values."""
        if name in self._body:
            value = self._body[name]
            if value is None:
                return []
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return list(value)
            raise bad_request(
                f"invalid value for {camel(name)}: expected a list of strings",
                [(camel(name), "expected a list of strings")],
            )
        out: list[str] = []
        for v in self._query.get(name, []):
            out.extend(p for p in (s.strip() for s in v.split(",")) if p)
        return out

    def string_map(self, name: str) -> dict[str, str]:
        value = self.raw(name)
        if value is None:
            return {}
        if isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
        raise bad_request(
            f"invalid value for {camel(name)}: expected a map of strings",
            [(camel(name), "expected a map<string, string>")],
        )

    def labels(self, name: str = "labels") -> list[dict[str, Any]]:
        """Repeated LabelEntry `{key, values[]}`; in a query string `key=value` or `key:value`."""
        if name in self._body:
            value = self._body[name]
            if value is None:
                return []
            if not isinstance(value, list):
                raise bad_request(
                    "invalid value for labels: expected a list of {key, values}",
                    [("labels", "expected a list")],
                )
            out: list[dict[str, Any]] = []
            for i, entry in enumerate(value):
                if (
                    not isinstance(entry, dict)
                    or not isinstance(entry.get("key"), str)
                    or not entry.get("key")
                ):
                    raise bad_request(
                        f"invalid label at labels[{i}]: expected {{key, values}}",
                        [(f"labels[{i}]", "expected {key, values}")],
                    )
                vals = entry.get("values", [])
                if not isinstance(vals, list) or not all(isinstance(v, str) for v in vals):
                    raise bad_request(
                        f"invalid label values at labels[{i}]",
                        [(f"labels[{i}].values", "expected a list of strings")],
                    )
                out.append({"key": entry["key"], "values": list(vals)})
            return out
        merged: dict[str, list[str]] = {}
        for v in self._query.get(name, []):
            sep = "=" if "=" in v else ":"
            key, _, val = v.partition(sep)
            if key:
                merged.setdefault(key, [])
                if val:
                    merged[key].append(val)
        return [{"key": k, "values": vs} for k, vs in merged.items()]


def parse_json_object(text: str, field: str) -> dict[str, Any]:
    """Parse a `*_json` string field that must hold a JSON object ("" means `{}`)."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad_request(f"{field} is not valid JSON: {exc}", [(field, f"not valid JSON: {exc}")]) from None
    if not isinstance(value, dict):
        raise bad_request(
            f"{field} must be a JSON object, got {type(value).__name__}", [(field, "must be a JSON object")]
        )
    return value


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
