"""Values the engine hands out: snapshots, outcomes and editor-neutral diagnostics (code points)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "information", "hint"]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


@dataclass(frozen=True)
class DocSnapshot:
    uri: str
    version: int | None
    text: str
    path: str | None


@dataclass(frozen=True)
class CompileOutcome:
    success: bool
    diagnostics: list[dict[str, Any]]
    response: dict[str, Any]
    version: int | None


@dataclass(frozen=True)
class EditorDiagnostic:
    """A diagnostic on the buffer, positions in code points (0-based, end exclusive)."""

    line: int
    start: int
    end_line: int
    end: int
    severity: Severity
    message: str
    source: str = "scriptum"
    code: str | None = None
    data: dict[str, Any] | None = None

    def key(self) -> tuple[int, int, int, int, str]:
        return (self.line, self.start, self.end_line, self.end, self.message)


@dataclass
class DocState:
    uri: str
    version: int | None
    text: str
    path: str | None
    script: str
    remote: tuple[EditorDiagnostic, ...] = ()
    remote_raw: tuple[Any, ...] = ()  # the API's CompileDiagnostics of the last applied result
    remote_version: int | None = None
    stale: bool = False
    stale_reason: str = ""
    local: tuple[EditorDiagnostic, ...] = ()
    notice: tuple[EditorDiagnostic, ...] = ()  # missing script, conflict
    run: tuple[Any, ...] = ()  # extra diagnostics from runs (server-level objects)
    debounce: asyncio.Task[None] | None = None
    retry: asyncio.Task[None] | None = None
    retry_attempt: int = 0
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    local_due: asyncio.TimerHandle | None = None  # the debounced local check of the latest change

    def snapshot(self) -> DocSnapshot:
        return DocSnapshot(self.uri, self.version, self.text, self.path)


@dataclass
class ScriptState:
    name: str
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    inflight: asyncio.Task[Any] | None = None
    inflight_version: tuple[str, int | None] | None = None
    inflight_automatic: bool = True  # a command's run is never cancelled by typing
    sent: list[str] = field(default_factory=list)  # hashes of contents we sent (most recent last)
    saved_hash: str | None = None  # what the remote draft holds after our last completed save
    checked_at: float = 0.0  # monotonic time of the last confirmation of the remote draft
    conflicted: bool = False
    check_due: bool = False  # verify the remote draft before the next save (set on didSave)
    exists: bool | None = None
    missing_notified: bool = False
    draft_status: str | None = None

    def remember_sent(self, h: str, keep: int = 16) -> None:
        if h in self.sent:
            self.sent.remove(h)
        self.sent.append(h)
        del self.sent[:-keep]
