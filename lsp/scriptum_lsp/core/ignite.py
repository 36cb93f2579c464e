"""Ignite facts the editor side needs, pure: which folder is which app (`[ignite.apps.NAME]` in
`scriptum.toml`, else the marker files), what an app archive leaves out, the runtime a SaveDraft carries,
and a robust reading of an execution (GetExecution's fields are not documented: docs/ignite.md).

```toml
[ignite.apps.greeter]
path = "apps/greeter"        # folder, relative to the workspace root (default: the app name)
runtime = "python"           # "python" | "rust" (default: from the marker file)
toolchain = "1.82"           # Rust toolchainVersion (optional)
target = "native"            # Rust: "native" | "wasm" (default native)
```
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scriptum_lsp.core.text import split_lines

# what the dodil CLI leaves out of an app archive (folder names, anywhere in the tree)
IGNORED_DIRS = frozenset({".git", "node_modules", "__pycache__", "target", ".venv"})
IGNORED_SUFFIXES = (".pyc",)
# the marker files that make a folder an app, and the runtime each implies
MARKERS = (("handler.py", "python"), ("Cargo.toml", "rust"))
# the file a handler lives in, per runtime (for code lenses and "open version")
HANDLER_FILES = {"python": ("handler.py",), "rust": ("src/lib.rs", "src/main.rs")}
RUNTIMES = ("python", "rust")
RUST_TARGETS = {"native": "RUST_COMPILATION_TARGET_NATIVE", "wasm": "RUST_COMPILATION_TARGET_WASM"}
# the editor's own guard before uploading (the emulator refuses more than 8 MiB; the cloud's limit is
# not documented)
MAX_ARCHIVE_BYTES = 8 * 1024 * 1024
APP_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,62}$")
TERMINAL_STATUSES = frozenset(
    {"SUCCEEDED", "SUCCESS", "COMPLETED", "FAILED", "ERROR", "TIMED_OUT", "TIMEOUT", "CANCELLED", "CANCELED"}
)
OK_STATUSES = frozenset({"SUCCEEDED", "SUCCESS", "COMPLETED"})


@dataclass(frozen=True)
class AppSpec:
    """One Ignite app of the workspace: its name, its folder (relative, `/`-separated; "" = the root)."""

    name: str
    path: str
    runtime: str = ""  # "" until detected from the folder's marker file
    toolchain: str = ""
    target: str = "native"
    declared: bool = True  # from scriptum.toml (False: found by its marker file)

    def runtime_message(self) -> dict[str, Any]:
        """The `runtime` of the CodeSource: `{"rust": {target, toolchainVersion}}` (documented) or
        `{"python": {}}` (the key is the documented oneof's plausible name; no inner field is sent)."""
        if self.runtime == "rust":
            rust: dict[str, Any] = {"target": RUST_TARGETS.get(self.target, RUST_TARGETS["native"])}
            if self.toolchain:
                rust["toolchainVersion"] = self.toolchain
            return {"rust": rust}
        return {self.runtime or "python": {}}


def slug(name: str) -> str:
    """A folder name as an app name (lower case, letters, digits, '.', '-')."""
    out = re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-.")
    return out[:63] or "app"


def _norm(path: str) -> str:
    return "/".join(p for p in path.replace("\\", "/").split("/") if p not in ("", "."))


def parse_ignite_apps(toml_text: str) -> tuple[dict[str, AppSpec], list[str]]:
    """`[ignite.apps.NAME]` tables -> (name -> AppSpec, warnings). Never raises."""
    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"scriptum.toml: {exc}; ignored"]
    ignite = data.get("ignite", {})
    apps = ignite.get("apps", {}) if isinstance(ignite, Mapping) else {}
    if not isinstance(apps, Mapping):
        return {}, ["scriptum.toml: [ignite.apps] must be a table of app tables; ignored"]
    out: dict[str, AppSpec] = {}
    warnings: list[str] = []
    for name, table in apps.items():
        where = f"scriptum.toml [ignite.apps.{name}]"
        if not APP_NAME_RE.fullmatch(str(name)):
            warnings.append(f"{where}: app names are 1-63 lower-case letters, digits, '.' or '-'; ignored")
            continue
        if not isinstance(table, Mapping):
            warnings.append(f"{where}: must be a table; ignored")
            continue
        runtime = str(table.get("runtime", "") or "").lower()
        if runtime and runtime not in RUNTIMES:
            warnings.append(
                f"{where}: runtime {runtime!r} is not one of {', '.join(RUNTIMES)}; detected instead"
            )
            runtime = ""
        target = str(table.get("target", "native") or "native").lower()
        if target not in RUST_TARGETS:
            warnings.append(f"{where}: target {target!r} is not native or wasm; native is used")
            target = "native"
        out[str(name)] = AppSpec(
            name=str(name),
            path=_norm(str(table.get("path", name) or name)),
            runtime=runtime,
            toolchain=str(table.get("toolchain", "") or ""),
            target=target,
        )
    return out, warnings


def declared_app_for(relative_path: str, specs: Mapping[str, AppSpec]) -> AppSpec | None:
    """The declared app whose folder holds `relative_path` (the deepest folder wins)."""
    rel = _norm(relative_path)
    best: AppSpec | None = None
    for spec in specs.values():
        inside = spec.path == "" or rel == spec.path or rel.startswith(spec.path + "/")
        if inside and (best is None or len(spec.path) > len(best.path)):
            best = spec
    return best


def is_ignored(relative_path: str) -> bool:
    """Whether a file inside an app folder is left out of its archive."""
    parts = _norm(relative_path).split("/")
    return any(p in IGNORED_DIRS for p in parts[:-1]) or parts[-1].endswith(IGNORED_SUFFIXES)


# --- payloads ------------------------------------------------------------------------------------------------


class PayloadError(ValueError):
    """A test payload that is not valid JSON."""


def payload_bytes(value: Any, source: str = "payload") -> bytes:
    """The bytes TestDraft sends: a JSON value is encoded; a string must itself be JSON text (checked, so a
    typo is reported here and not as a handler error)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError as exc:
            line = getattr(exc, "lineno", None)
            col = getattr(exc, "colno", None)
            where = f" (line {line}, column {col})" if line else ""
            msg = getattr(exc, "msg", str(exc))
            raise PayloadError(f"{source} is not valid JSON{where}: {msg}") from None
        return value.encode("utf-8")
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


# --- executions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogLine:
    stream: str
    line: str


@dataclass(frozen=True)
class ExecutionView:
    """An execution as the editor shows it, read from whatever fields the response has."""

    execution_id: str
    status: str  # without the EXECUTION_STATUS_ prefix; UNSPECIFIED when absent
    output: bytes = b""
    error: str = ""
    logs: tuple[LogLine, ...] = ()
    duration_ms: int | None = None
    location: tuple[str, int, int] | None = None  # (file relative to the app, 1-based line, 1-based col)
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def output_text(self) -> str:
        """The output as text: pretty JSON when it is JSON, else UTF-8 (bytes shown escaped)."""
        text = self.output.decode("utf-8", errors="backslashreplace")
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return text

    def error_body(self) -> dict[str, Any] | None:
        """The documented handler error body `{error, type, traceback}` when the output (or error) is one."""
        for text in (self.output.decode("utf-8", errors="replace"), self.error):
            try:
                body = json.loads(text)
            except ValueError:
                continue
            if isinstance(body, dict) and "error" in body and ("type" in body or "traceback" in body):
                return body
        return None

    def render(self, app: str) -> str:
        """The execution as a read-only document."""
        head = [f"Ignite test run of {app}", f"execution: {self.execution_id}", f"status:    {self.status}"]
        if self.duration_ms is not None:
            head.append(f"duration:  {self.duration_ms} ms")
        if self.location:
            head.append(f"at:        {self.location[0]}:{self.location[1]}:{self.location[2]}")
        parts = ["\n".join(head)]
        body = self.error_body()
        if self.error and not body:
            parts.append("error:\n" + self.error)
        if body:
            parts.append(f"error: {body.get('type', '')}: {body.get('error', '')}".rstrip(": "))
            if body.get("traceback"):
                parts.append("traceback:\n" + str(body["traceback"]).rstrip())
        elif self.output:
            parts.append("output:\n" + self.output_text())
        for stream in ("stdout", "stderr"):
            lines = [entry.line for entry in self.logs if entry.stream == stream]
            if lines:
                parts.append(f"{stream}:\n" + "\n".join(lines))
        other = [f"[{e.stream}] {e.line}" for e in self.logs if e.stream not in ("stdout", "stderr")]
        if other:
            parts.append("logs:\n" + "\n".join(other))
        return "\n\n".join(parts) + "\n"


def status_of(raw: Any) -> str:
    text = str(raw or "").upper()
    for prefix in ("EXECUTION_STATUS_", "STATUS_"):
        text = text.removeprefix(prefix)
    return text or "UNSPECIFIED"


def _int(raw: Any) -> int | None:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return None


def _output(raw: Any) -> bytes:
    """bytes fields are base64 over HTTP; a value that is not base64 is taken as text."""
    if raw is None:
        return b""
    if isinstance(raw, dict | list):
        return json.dumps(raw).encode()
    text = str(raw)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode("utf-8")


def _logs(raw: Any) -> tuple[LogLine, ...]:
    if isinstance(raw, str):
        return tuple(LogLine("log", line) for line in raw.splitlines())
    if not isinstance(raw, Sequence):
        return ()
    out = []
    for item in raw:
        if isinstance(item, Mapping):
            line = item.get("line", item.get("message", item.get("text", "")))
            out.append(LogLine(str(item.get("stream", "log") or "log"), str(line)))
        else:
            out.append(LogLine("log", str(item)))
    return tuple(out)


def _location(raw: Any) -> tuple[str, int, int] | None:
    if not isinstance(raw, Mapping):
        return None
    line = _int(raw.get("line"))
    if not line or line < 1:
        return None
    return (str(raw.get("file") or ""), line, max(1, _int(raw.get("col", raw.get("column"))) or 1))


_TRACE_LINE = re.compile(r'File "(?:[^"]*/)?(?P<file>[^"/]+\.py)", line (?P<line>\d+)')


def traceback_location(traceback: str, files: Sequence[str] = ("handler.py",)) -> tuple[str, int, int] | None:
    """The innermost frame of a Python traceback in one of the app's files."""
    found = None
    for m in _TRACE_LINE.finditer(traceback):
        if m.group("file") in files:
            found = (m.group("file"), int(m.group("line")), 1)
    return found


def parse_execution(response: Mapping[str, Any], execution_id: str = "") -> ExecutionView:
    """GetExecution (or a WatchExecution item): `{execution: {...}}` or the record itself."""
    inner = response.get("execution")
    e: Mapping[str, Any] = inner if isinstance(inner, Mapping) else response
    error = e.get("error", e.get("errorMessage", ""))
    if isinstance(error, Mapping):
        error = error.get("message") or json.dumps(dict(error))
    duration = _int(e.get("durationMs"))
    if duration is None and _int(e.get("finishedAtMs")) and _int(e.get("startedAtMs")):
        duration = max(0, (_int(e.get("finishedAtMs")) or 0) - (_int(e.get("startedAtMs")) or 0))
    view = ExecutionView(
        execution_id=str(e.get("executionId") or e.get("id") or execution_id),
        status=status_of(e.get("status", e.get("state"))),
        output=_output(e.get("output", e.get("result"))),
        error=str(error or ""),
        logs=_logs(e.get("logs")),
        duration_ms=duration,
        location=_location(e.get("errorLocation")),
        raw=dict(e),
    )
    if view.location is None:
        body = view.error_body()
        if body and isinstance(body.get("traceback"), str):
            loc = traceback_location(body["traceback"])
            if loc:
                return replace(view, location=loc)
    return view


def source_bytes(response: Mapping[str, Any]) -> bytes | None:
    """GetAppCode's source (shape not documented): `sourceCode` at the top, or inside `code`/`compile`."""
    candidates: list[Any] = [response]
    for key in ("code", "version", "app"):
        if isinstance(response.get(key), Mapping):
            candidates.append(response[key])
    for c in list(candidates):
        if isinstance(c.get("compile"), Mapping):
            candidates.append(c["compile"])
    for c in candidates:
        raw = c.get("sourceCode", c.get("source_code", c.get("source")))
        if isinstance(raw, str) and raw:
            try:
                return base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                return raw.encode("utf-8")
    return None


def draft_status(response: Mapping[str, Any]) -> str:
    """`VERSION_STATUS_DRAFT` -> `DRAFT` from `{draft: {...}}` or the draft itself."""
    d = response.get("draft")
    d = d if isinstance(d, Mapping) else response
    return str(d.get("status") or "").upper().removeprefix("VERSION_STATUS_") or "UNSPECIFIED"


# --- handler lines and spans ---------------------------------------------------------------------------------

_PY_HANDLER = re.compile(r"^(async\s+)?def\s+handler\s*\(")
_RUST_MAIN = re.compile(r"^\s*#\[\s*ignite::main\b")
_WORD = re.compile(r"[A-Za-z0-9_]+")


def handler_line(text: str, runtime: str) -> int | None:
    """0-based line of the handler: top-level `def handler(` in Python, `#[ignite::main]` in Rust."""
    pattern = _RUST_MAIN if runtime == "rust" else _PY_HANDLER
    for number, line in enumerate(split_lines(text)):
        if pattern.match(line):
            return number
    return None


def token_span(line: str, col: int) -> tuple[int, int]:
    """(start, end) code points of what a 0-based column points at: the word there, else the rest of the line
    (at least one character)."""
    col = max(0, min(col, len(line)))
    m = _WORD.match(line, col)
    if m and m.end() > col:
        return col, m.end()
    end = len(line.rstrip())
    return (col, end) if end > col else (col, min(len(line), col + 1))
