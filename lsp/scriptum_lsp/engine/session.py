"""The engine's session: settings and their warnings, the API client (built by the client factory,
rebuilt when the connection changes), the workspace's script names, status, positions and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlparse

from cachetools import LRUCache

from scriptum_lsp.api.errors import redact, register_secret
from scriptum_lsp.core.endpoints import LOCAL
from scriptum_lsp.core.ignite import AppSpec, parse_ignite_apps
from scriptum_lsp.core.positions import Encoding, cp_to_units
from scriptum_lsp.core.settings import Settings, resolve_settings
from scriptum_lsp.core.text import split_lines
from scriptum_lsp.core.workspace import parse_script_map, script_name_for
from scriptum_lsp.dirs import user_cache_dir
from scriptum_lsp.engine.config import load_dodil_cli_config
from scriptum_lsp.engine.errors import UnknownDocument
from scriptum_lsp.engine.failures import FailureTracker
from scriptum_lsp.engine.model import DocSnapshot, DocState, ScriptState
from scriptum_lsp.engine.persisted import SentStore

if TYPE_CHECKING:
    from scriptum_lsp.api.scriptum import ScriptumClient

log = logging.getLogger(__name__)

MAX_CONCURRENT_AUTOMATIC_RUNS = 4


class Host(Protocol):
    def publish(self, uri: str) -> None: ...
    def show(self, level: str, message: str, actions: Sequence[tuple[str, str, list[Any]]] = ()) -> None: ...
    def status(self, state: str, message: str) -> None: ...
    def log(self, level: str, message: str) -> None: ...


class _NullHost:
    def publish(self, uri: str) -> None:
        pass

    def show(self, level: str, message: str, actions: Sequence[tuple[str, str, list[Any]]] = ()) -> None:
        log.info("%s: %s", level, message)

    def status(self, state: str, message: str) -> None:
        pass

    def log(self, level: str, message: str) -> None:
        log.info(message)


def uri_to_path(uri: str) -> str | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return unquote(parsed.path)


class EngineSession:
    """Settings, client, workspace and status; the state every other part of the engine shares."""

    def __init__(
        self,
        host: Host | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        cli_config_loader: Callable[[], tuple[Mapping[str, Any] | None, str | None]] | None = None,
        cache_dir: Path | None = None,
        client_factory: Callable[[Settings], ScriptumClient] | None = None,
    ) -> None:
        self.host: Host = host or _NullHost()
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self._load_cli = cli_config_loader or load_dodil_cli_config
        self.settings: Settings = Settings()
        self.position_encoding: Encoding = "utf-16"
        self.cache_dir: Path = cache_dir or user_cache_dir(self.environ)
        self.workspace_root: Path | None = None
        self.script_map: dict[str, str] = {}
        self.ignite_apps: dict[str, AppSpec] = {}  # [ignite.apps.NAME] of scriptum.toml
        self.docs: dict[str, DocState] = {}
        self.scripts: dict[str, ScriptState] = {}
        self.compile_cache: LRUCache[tuple[Any, ...], dict[str, Any]] = LRUCache(maxsize=256)
        self.failures = FailureTracker()
        self.local_compiler: Callable[[str], Any] | None = None
        self._client: ScriptumClient | None = None
        self._client_factory = client_factory
        self._client_key: tuple[Any, ...] | None = None
        self._old_clients: list[ScriptumClient] = []
        self._state = ""
        self._local_notice_shown = False
        self._shown_warnings: set[str] = set()
        self.sent_store = SentStore(self.cache_dir / "drafts.json")
        self._closed = False
        # automatic runs share a few slots, so opening a folder of 200 scripts does not fire 200 save+compile
        # pairs at once (memory, and bursts of 429 from the cloud); commands never wait for a slot
        self._auto_slots = asyncio.Semaphore(MAX_CONCURRENT_AUTOMATIC_RUNS)

    def configure(self, raw: Mapping[str, Any] | None) -> list[str]:
        """Apply a `scriptum` settings object. Returns the new warnings (each shown once)."""
        cli, cli_path = self._load_cli()
        settings, warnings = resolve_settings(raw, self.environ, cli, cli_config_path=cli_path)
        register_secret(settings.token)  # from now on every log line and message hides it
        old = self.settings
        self.settings = settings
        new_warnings = [w for w in warnings if w not in self._shown_warnings]
        self._shown_warnings.update(new_warnings)
        for w in new_warnings:
            self.host.show("warning", redact(w, [settings.token]))
        if (
            settings.is_local
            and settings.endpoint_source.startswith("default")
            and not self._local_notice_shown
        ):
            self._local_notice_shown = True
            self.host.show(
                "info",
                "Scriptum: no endpoint or token configured; using the embedded local emulator "
                "(set `scriptum.endpoint` and a token to use dodil).",
            )
        if old.connection_key() != settings.connection_key():
            self.failures.recovered()
            if (old.endpoint, old.organization) != (settings.endpoint, settings.organization):
                # another remote: what we knew about its drafts does not apply
                for state in self.scripts.values():
                    if state.inflight is not None:
                        state.inflight.cancel()
                self.scripts.clear()
            for state in self.scripts.values():
                state.exists = None
                state.missing_notified = False
            if self._client is not None:
                self._old_clients.append(self._client)
                self._client = None
        self.host.log("info", f"settings: {json.dumps(settings.describe())}")
        return new_warnings

    def set_workspace(self, root: str | None) -> None:
        self.workspace_root = Path(root) if root else None
        self.reload_script_map()

    def reload_script_map(self) -> None:
        self.script_map = {}
        self.ignite_apps = {}
        if self.workspace_root is None:
            return
        path = self.workspace_root / "scriptum.toml"
        if not path.is_file():
            return
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            self.host.show("warning", f"scriptum.toml: cannot read ({type(exc).__name__})")
            return
        self.script_map, warnings = parse_script_map(text)
        self.ignite_apps, ignite_warnings = parse_ignite_apps(text)
        for w in [*warnings, *ignite_warnings]:
            if w not in self._shown_warnings:
                self._shown_warnings.add(w)
                self.host.show("warning", w)

    def client(self) -> ScriptumClient:
        s = self.settings
        key = s.connection_key()
        if self._client is None or self._client_key != key:
            if self._client is not None:
                self._old_clients.append(self._client)
            self._client = (
                self._client_factory(s)
                if self._client_factory
                else _client_class().connect(
                    s.endpoint,
                    token=None if s.is_local else s.token,
                    organization=s.organization,
                    timeout=s.request_timeout,
                )
            )
            self._client_key = key
        return self._client

    async def aclose(self) -> None:
        self._closed = True
        self.sent_store.write()  # a write still pending
        for doc in self.docs.values():
            for task in (doc.debounce, doc.retry):
                if task is not None:
                    task.cancel()
        for state in self.scripts.values():
            if state.inflight is not None:
                state.inflight.cancel()
        clients = [*self._old_clients, *([self._client] if self._client else [])]
        self._client = None
        self._old_clients = []
        for c in clients:
            with contextlib.suppress(Exception):
                await c.aclose()

    async def _drop_old_clients(self) -> None:
        old, self._old_clients = self._old_clients, []
        for c in old:
            with contextlib.suppress(Exception):
                await c.aclose()

    def script_name(self, uri: str) -> str:
        doc = self.docs.get(uri)
        if doc is not None:
            return doc.script
        return self._script_for(uri)

    def _script_for(self, uri: str) -> str:
        path = uri_to_path(uri)
        name = (path or urlparse(uri).path or uri).rsplit("/", 1)[-1]
        rel: str | None = None
        if path and self.workspace_root is not None:
            with contextlib.suppress(ValueError):
                rel = Path(path).relative_to(self.workspace_root).as_posix()
        return script_name_for(rel, unquote(name), self.script_map)

    def snapshot(self, uri: str) -> DocSnapshot | None:
        doc = self.docs.get(uri)
        return doc.snapshot() if doc else None

    def _doc(self, uri: str) -> DocState:
        doc = self.docs.get(uri)
        if doc is None:
            raise UnknownDocument(uri)
        return doc

    def _docs_of(self, script: str) -> list[DocState]:
        return [d for d in self.docs.values() if d.script == script]

    def _where(self) -> str:
        s = self.settings
        where = "the local emulator" if s.endpoint == LOCAL else s.endpoint
        return f"{where} (organization {s.organization})" if s.organization else where

    def _set_status(self, state: str, message: str) -> None:
        if state == self._state:
            return
        self._state = state
        self.host.status(state, message)

    def announce(self, state: str, message: str) -> None:
        """The first status, unless a result already set one."""
        if not self._state:
            self._set_status(state, message)

    def reset_status(self, state: str, message: str) -> None:
        """After a configuration change: a new state, always sent."""
        self._state = ""
        self._set_status(state, message)

    @property
    def status_state(self) -> str:
        return self._state or "ok"

    def to_units(self, text_line: str, col: int) -> int:
        return cp_to_units(text_line, col, self.position_encoding)

    def position(self, uri: str, line: int, col: int) -> tuple[int, int]:
        """A code-point (line, col) on the document -> (line, character) in the negotiated encoding."""
        doc = self.docs.get(uri)
        lines = split_lines(doc.text) if doc else [""]
        if line >= len(lines):
            return len(lines) - 1, cp_to_units(lines[-1], len(lines[-1]), self.position_encoding)
        line = max(0, line)
        return line, cp_to_units(lines[line], col, self.position_encoding)


def _client_class() -> type[ScriptumClient]:
    """`ScriptumClient`, imported on first use (httpx is not needed to answer `initialize`)."""
    from scriptum_lsp.api.scriptum import ScriptumClient

    return ScriptumClient
