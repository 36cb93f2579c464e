"""Shared helpers of the language-server benchmarks: start a server over stdio, record its publications,
generate documents of a given size, percentiles and memory. Not a benchmark itself (run_all skips it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent

# server -> client traffic a real editor handles and pytest-lsp's client does not
SERVER_REQUESTS = (
    types.CLIENT_REGISTER_CAPABILITY,
    types.CLIENT_UNREGISTER_CAPABILITY,
    types.WORKSPACE_CODE_LENS_REFRESH,
    types.WORKSPACE_SEMANTIC_TOKENS_REFRESH,
    types.WORKSPACE_INLAY_HINT_REFRESH,
    types.WORKSPACE_INLINE_VALUE_REFRESH,
)
SERVER_NOTIFICATIONS = ("scriptum/status", "scriptum/threadFinished", "scriptum/versionContent",
                        "scriptum/threadContent", "window/logMessage", "window/showMessage")  # fmt: skip

OUR_SERVER = [sys.executable, "-m", "scriptum_lsp"]
BARE_SERVER = [sys.executable, str(HERE / "bare_pygls_server.py")]


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1000:7.1f} ms  p95 {pct(values, 0.95) * 1000:7.1f} ms  (n={len(values)})"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DODIL_", "SCRIPTUM_"))}
    env.update(XDG_CONFIG_HOME=str(home / "c"), XDG_CACHE_HOME=str(home / "k"), XDG_DATA_HOME=str(home / "d"))
    return env


class Session:
    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.published: list[tuple[float, types.PublishDiagnosticsParams]] = []
        self.event = asyncio.Event()

    @property
    def pid(self) -> int:
        return int(self.client._server.pid)  # type: ignore[union-attr]

    async def wait_for(
        self,
        match: Callable[[types.PublishDiagnosticsParams], bool],
        start: int = 0,
        timeout: float = 60,
    ) -> float:
        """Arrival time of the first publication (index >= start) that `match`es."""
        deadline = time.perf_counter() + timeout
        while True:
            for t, p in self.published[start:]:
                if match(p):
                    return t
            start = len(self.published)
            self.event.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError("no matching publication")
            await asyncio.wait_for(self.event.wait(), remaining)

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "scriptum", version, text))
        )

    def replace_line(self, uri: str, version: int, line: int, old_len: int, text: str) -> None:
        """One incremental edit: line `line` (of `old_len` characters) becomes `text`."""
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(line, 0), types.Position(line, old_len)), text=text
                    )
                ],
            )
        )

    def replace_all(self, uri: str, version: int, text: str) -> None:
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )


async def start(
    home: Path, options: dict[str, Any] | None = None, command: list[str] | None = None
) -> tuple[Session, float]:
    """Spawn a server, initialize it; returns the session and the time from spawn to the initialize
    response (`initialized` is sent right after it)."""
    t0 = time.perf_counter()
    config = ClientServerConfig(server_command=command or OUR_SERVER, server_env=server_env(home))
    client = await config.start()
    assert isinstance(client, LanguageClient)
    s = Session(client)
    fm = client.protocol.fm
    for method in SERVER_REQUESTS + SERVER_NOTIFICATIONS:
        if method not in fm.features:
            client.feature(method)(lambda *_args: None)
    original = fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def record(params: types.PublishDiagnosticsParams) -> Any:
        s.published.append((time.perf_counter(), params))
        s.event.set()
        return original(params)

    fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), initialization_options=options or {}
        )
    )
    return s, time.perf_counter() - t0


async def stop(s: Session) -> None:
    """Shut the server down; one that takes longer than 10 s (busy) is killed instead."""
    try:
        await asyncio.wait_for(s.client.shutdown_session(), 10)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(s.pid, signal.SIGKILL)
    finally:
        with contextlib.suppress(Exception):
            await s.client.stop()  # type: ignore[no-untyped-call]


def has_marker(uri: str, version: int, marker: str, source: str | None = None) -> Callable[[Any], bool]:
    def match(p: types.PublishDiagnosticsParams) -> bool:
        return (
            p.uri == uri
            and p.version == version
            and any(marker in d.message and (source is None or d.source == source) for d in p.diagnostics)
        )

    return match


# --- documents -------------------------------------------------------------------------------------------

HEADER = """-- @accepts_extension txt
script "Generated Benchmark"
A long generated script that exercises most constructs.
version "1.0.0"

enum Mode = Fast | Careful

input
  text : text length(1, 100000)
  limit : integer range(1, 100) = 10
  mode : Mode = Fast

output
  total : integer
  summary : text

import tools
  echo from native
  text_split from native
  normalize from native

env
  MODEL = "gpt-4o"
"""

CHUNK = """
### Part {i} ###
do "Split {i}" with text_split
  text = text
  separator = "\\n"
-> parts_{i}

let kept_{i} = filter(parts_{i}.parts, p => count(p) > 0 and not starts_with(p, "#"))
each line, n in kept_{i} parallel 4
  do "Normalise {i}" with normalize
    text = line
    operation = "TrimAndLower"
  -> clean_{i}
-> cleaned_{i}

decide "Route {i}" with rules
  when count(cleaned_{i}) > limit -> "Big"
  otherwise -> "Small"
  "Big":
    let size_{i} = "big"
  "Small":
    let size_{i} = "small"

check "Sane {i}" count(kept_{i}) >= 0
  on pass: continue
  on fail: fail "impossible"
"""

FOOTER = """
emit "Done"
  total = limit
  summary = "{text}"
"""
PROBE = 'let probe = "x {nm0}"'
PROBE_TEXT = 'let probe = "x {{nm{v}}}"'


class Doc:
    """A generated script of exactly `lines` lines with probe lines in the middle: `probe_line` is edited,
    `ref` is a reference to a binding (hover, definition), `complete` a completion position."""

    def __init__(self, lines: int) -> None:
        parts = [HEADER]
        n = HEADER.count("\n")
        chunk_lines = CHUNK.count("\n")
        i = 0
        probe_at = max(n, lines // 2)
        self.probe_line = self.ref = self.complete = (0, 0)
        while n + chunk_lines + len(FOOTER.splitlines()) + 4 < lines:
            parts.append(CHUNK.format(i=i))
            n += chunk_lines
            i += 1
            if n >= probe_at and self.probe_line == (0, 0):
                self._probe(parts, n, i - 1)
                n += 3
        if self.probe_line == (0, 0):
            self._probe(parts, n, None)
            n += 3
        while n + len(FOOTER.splitlines()) < lines:
            parts.append(f"let pad_{n} = {n}\n")
            n += 1
        parts.append(FOOTER)
        self.text = "".join(parts)
        self.lines = self.text.count("\n") + 1

    def _probe(self, parts: list[str], n: int, chunk: int | None) -> None:
        name = f"kept_{chunk}" if chunk is not None else "limit"
        parts.append(PROBE + "\n")
        parts.append(f"let probe_ref = count({name})\n" if chunk is not None else f"let probe_ref = {name}\n")
        parts.append("let probe_completion = li\n")
        self.probe_line = (n, len(PROBE))
        self.ref = (
            n + 1,
            len("let probe_ref = count(") + 1 if chunk is not None else len("let probe_ref = ") + 1,
        )
        self.complete = (n + 2, len("let probe_completion = li"))

    def probe(self, version: int) -> str:
        return PROBE_TEXT.format(v=version)
