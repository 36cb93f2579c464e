"""Arguments, errors and input JSON of the `scriptum.*` commands (no network, no server state).

Every command takes one JSON object (`{"uri": ..., "version": 3}`), or the same values as positional
arguments in the documented order (`["file:///a.scriptum", 3]`, as Helix sends them). A first object
followed by positional values is accepted too. Failures are `CommandError`s: a JSON-RPC error with code
-32803 (RequestFailed), a message a person can read, and `data = {"kind": ..., ...}` for programs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pygls.exceptions import JsonRpcException

from scriptum_lsp.api.errors import ApiError

REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed


class CommandError(JsonRpcException):
    """A command failed and changed nothing; `kind` classifies the failure for programs."""

    CODE = REQUEST_FAILED

    def __init__(self, message: str, *, kind: str = "error", **data: Any) -> None:
        super().__init__(message=message, code=REQUEST_FAILED, data={"kind": kind, **data})
        self.kind = kind


def parse_arguments(args: Sequence[Any], order: Sequence[str]) -> dict[str, Any]:
    """Command arguments as one mapping: an object, positional values in `order`, or both.

    `[{"uri": u, "version": 2}]`, `[u, 2]` and `[{"uri": u}, 2]` all give `{"uri": u, "version": 2}`.
    """
    values: dict[str, Any] = {}
    rest = list(args)
    if rest and isinstance(rest[0], Mapping):
        values.update({str(k): v for k, v in rest.pop(0).items()})
    remaining = [name for name in order if name not in values]
    if len(rest) > len(remaining):
        raise CommandError(
            f"too many arguments: expected at most {len(order)} ({', '.join(order) or 'none'})",
            kind="invalid-arguments",
        )
    for name, value in zip(remaining, rest, strict=False):
        values[name] = value
    return values


def require_str(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    if not isinstance(value, str) or not value:
        raise CommandError(f"missing argument '{name}' (a non-empty string)", kind="invalid-arguments")
    return value


def optional_int(values: Mapping[str, Any], name: str, default: int | None = None) -> int | None:
    """An integer argument; numeric strings ("3", "v3") are accepted since some editors send only text."""
    value = values.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise CommandError(f"argument '{name}' must be an integer, got a boolean", kind="invalid-arguments")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower().removeprefix("v")
        if text.lstrip("-").isdigit():
            return int(text)
    raise CommandError(f"argument '{name}' must be an integer, got {value!r}", kind="invalid-arguments")


def require_int(values: Mapping[str, Any], name: str) -> int:
    value = optional_int(values, name)
    if value is None:
        raise CommandError(f"missing argument '{name}' (an integer)", kind="invalid-arguments")
    return value


# --- input JSON of scriptum.test ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TestInput:
    value: dict[str, Any]
    source: str  # "argument", the path of `<stem>.input.json`, or "default"


def input_file_for(script_path: Path) -> Path:
    """`flows/digest.scriptum` -> `flows/digest.input.json`."""
    return script_path.with_name(f"{script_path.stem}.input.json")


def _parse_json_text(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        raise CommandError(
            f"Invalid input JSON: {problem}", kind="invalid-input", problems=[problem]
        ) from None


def load_test_input(arg: Any, script_path: Path | None) -> TestInput:
    """The input of a test run: the `input` argument (object or JSON text), else the input file, else {}."""
    if arg is not None:
        value = _parse_json_text(arg, "input") if isinstance(arg, str) else arg
        source = "argument"
    elif script_path is not None and (path := input_file_for(script_path)).is_file():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}", kind="invalid-input") from None
        value = _parse_json_text(text, path.name)
        source = str(path)
    else:
        return TestInput({}, "default")
    if not isinstance(value, dict):
        kind = "list" if isinstance(value, list) else type(value).__name__
        problem = (
            f"{'input' if source == 'argument' else Path(source).name}: must be a JSON object, got {kind}"
        )
        raise CommandError(f"Invalid input JSON: {problem}", kind="invalid-input", problems=[problem])
    return TestInput(value, source)


def input_mismatch(problems: Sequence[str], source: str) -> CommandError:
    """The error for input that does not match the script's input contract, listing every problem."""
    where = "" if source in ("argument", "default") else f" ({Path(source).name})"
    listing = "\n".join(f"  - {p}" for p in problems)
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return CommandError(
        f"Input does not match the script's input contract{where}: {count}\n{listing}",
        kind="input-mismatch",
        problems=list(problems),
    )


# --- API failures ----------------------------------------------------------------------------------------

_API_HINTS: dict[str, str] = {
    "auth": "check the token (setting scriptum.token or SCRIPTUM_TOKEN) and the organization",
    "not-found": "",
    "unavailable": "the endpoint cannot be reached; nothing was changed",
    "timeout": "the request timed out; nothing was changed",
    "rate-limited": "too many requests; try again shortly",
}


def api_failure(exc: ApiError, action: str) -> CommandError:
    """One clear message per failure class: `Publish failed: not authorized (...) - check the token`."""
    kind = exc.kind
    hint = _API_HINTS.get(kind, "")
    label = {
        "auth": "not authorized",
        "not-found": "not found",
        "conflict": "conflict",
        "invalid-argument": "rejected",
        "unavailable": "endpoint unavailable",
        "timeout": "timed out",
        "rate-limited": "rate limited",
    }.get(kind, "error")
    message = f"{action} failed: {label}: {exc.message}"
    if hint:
        message += f" - {hint}"
    return CommandError(message, kind=kind, code=exc.code)
