"""The per-document pipeline: debounce, SaveScriptDraft + CompileScriptDraft, conflicts, degraded modes.

The engine knows nothing of pygls. It talks to its host (the language server) through `Host`:
`publish(uri)` when a document's diagnostics may have changed, `show(...)` for user messages,
`status(...)` for the `scriptum/status` notification, `log(...)`.

Rules it keeps:
* per document: one debounce timer; per script: at most one save+compile in flight (a newer version
  cancels the older request);
* identical content is never sent twice (content-hash cache);
* a result is only applied if the document still has the version it was computed from;
* someone else's draft is never overwritten silently (GetDraftInfo compared with what we saved).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from cachetools import LRUCache

from scriptum_lsp.api.errors import AlreadyExists, ApiError, NotFound, redact, register_secret
from scriptum_lsp.api.scriptum import ScriptumClient
from scriptum_lsp.core.endpoints import LOCAL, is_loopback_host
from scriptum_lsp.core.limits import is_large, large_document_message
from scriptum_lsp.core.mapping import MappedDiagnostic, error_diagnostic, map_diagnostics
from scriptum_lsp.core.positions import Encoding, cp_to_units
from scriptum_lsp.core.settings import Settings, resolve_settings
from scriptum_lsp.core.text import split_lines
from scriptum_lsp.core.workspace import parse_script_map, script_name_for
from scriptum_lsp.engine.config import load_dodil_cli_config, user_cache_dir
from scriptum_lsp.engine.errors import DraftChangedMeanwhile, RemoteDraftChanged, UnknownDocument
from scriptum_lsp.engine.failures import (
    RETRYABLE,
    STATES,
    FailureTracker,
    backoff_delay,
    failure_kind,
)
from scriptum_lsp.engine.model import (
    CompileOutcome,
    DocSnapshot,
    DocState,
    EditorDiagnostic,
    ScriptState,
    content_hash,
)

log = logging.getLogger(__name__)

MAX_CONCURRENT_AUTOMATIC_RUNS = 4

# how long a confirmation of the remote draft (GetDraftInfo equal to what we saved) stays valid while we
# keep saving; after that quiet period the next save checks again (see docs/decisions.md)
CONFLICT_RECHECK_S = 5.0


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


class Engine:
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
        self._sent_store = self.cache_dir / "drafts.json"
        self._sent_persisted: dict[str, list[str]] = self._read_sent_store()
        self._persist_dirty = False  # `_sent_persisted` has changes the file does not have yet
        self._persist_scheduled = False
        self._closed = False
        # automatic runs share a few slots, so opening a folder of 200 scripts does not fire 200 save+compile
        # pairs at once (memory, and bursts of 429 from the cloud); commands never wait for a slot
        self._auto_slots = asyncio.Semaphore(MAX_CONCURRENT_AUTOMATIC_RUNS)

    # -- configuration -----------------------------------------------------------------------------
    def configure(self, raw: Mapping[str, Any] | None) -> list[str]:
        """Apply a `scriptum` settings object. Returns the new warnings (each shown once)."""
        cli, cli_path = self._load_cli()
        settings, warnings = resolve_settings(raw, self.environ, cli, cli_config_path=cli_path)
        settings = self._adjust_defaults(settings, raw)
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

    def _adjust_defaults(self, s: Settings, raw: Mapping[str, Any] | None) -> Settings:
        """`createMissingScripts` defaults to true for the emulator on loopback as for `local`."""
        raw = raw if isinstance(raw, Mapping) else {}
        if "createMissingScripts" not in raw and not s.is_local:
            host = urlparse(s.endpoint).hostname or ""
            if is_loopback_host(host):
                from dataclasses import replace

                return replace(s, create_missing_scripts=True)
        return s

    def set_workspace(self, root: str | None) -> None:
        self.workspace_root = Path(root) if root else None
        self.reload_script_map()

    def reload_script_map(self) -> None:
        self.script_map = {}
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
        for w in warnings:
            if w not in self._shown_warnings:
                self._shown_warnings.add(w)
                self.host.show("warning", w)

    # -- client ------------------------------------------------------------------------------------
    def client(self) -> ScriptumClient:
        s = self.settings
        key = s.connection_key()
        if self._client is None or self._client_key != key:
            if self._client is not None:
                self._old_clients.append(self._client)
            self._client = (
                self._client_factory(s)
                if self._client_factory
                else ScriptumClient.connect(
                    s.endpoint,
                    token=None if s.is_local else s.token,
                    organization=s.organization,
                    timeout=s.request_timeout,
                    local_data=self.environ.get("SCRIPTUM_LSP_LOCAL_DATA") or None,
                )
            )
            self._client_key = key
        return self._client

    async def aclose(self) -> None:
        self._closed = True
        self._write_sent_store()  # a write still pending
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

    # -- documents ---------------------------------------------------------------------------------
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

    def _script(self, name: str) -> ScriptState:
        state = self.scripts.get(name)
        if state is None:
            state = self.scripts[name] = ScriptState(name)
            persisted = self._sent_persisted.get(self._persist_key(name))
            if persisted:
                state.sent = list(persisted)
        return state

    def open(self, uri: str, version: int | None, text: str) -> None:
        doc = DocState(uri, version, text, uri_to_path(uri), self._script_for(uri))
        self.docs[uri] = doc
        self._local_check(doc)
        self.host.publish(uri)
        if self.settings.diagnostics_trigger != "off" and not is_large(text):
            self.schedule(uri, delay=0.0)
        else:
            doc.settled.set()

    def change(self, uri: str, version: int | None, text: str) -> None:
        doc = self._doc(uri)
        doc.version = version
        doc.text = text
        doc.settled.clear()
        # until the next result, the last result is re-anchored on the new text (by sourceLine):
        # diagnostics whose line is gone disappear instead of pointing at the wrong place
        if doc.remote_raw:
            doc.remote = self._map_remote(doc.remote_raw, doc.text)
        self._local_check(doc)
        self.host.publish(uri)
        if self.settings.diagnostics_trigger == "onType" and not is_large(text):
            self.schedule(uri)
        else:
            doc.settled.set()

    def saved(self, uri: str) -> None:
        doc = self.docs.get(uri)
        if doc is None:
            return
        self._script(doc.script).check_due = True
        if self.settings.diagnostics_trigger in ("onType", "onSave") and not is_large(doc.text):
            doc.settled.clear()
            self.schedule(uri, delay=0.0)

    def close(self, uri: str) -> None:
        doc = self.docs.pop(uri, None)
        if doc is None:
            return
        for task in (doc.debounce, doc.retry):
            if task is not None:
                task.cancel()
        doc.settled.set()
        self.host.publish(uri)  # nothing left: clears the document's diagnostics

    def set_run_diagnostics(self, uri: str, diagnostics: Sequence[Any]) -> None:
        doc = self.docs.get(uri)
        if doc is not None:
            doc.run = tuple(diagnostics)
            self.host.publish(uri)

    def diagnostics(self, uri: str) -> list[EditorDiagnostic]:
        """Everything to show for a document, in display order."""
        doc = self.docs.get(uri)
        if doc is None:
            return []
        out: list[EditorDiagnostic] = list(doc.notice)
        if is_large(doc.text):
            out.insert(0, _large_notice(doc.text))
        remote = list(doc.remote)
        if doc.stale:
            remote = [_mark_stale(d, doc.stale_reason) for d in remote]
        out += remote
        seen = {(d.line, d.message) for d in doc.remote}
        out += [d for d in doc.local if (d.line, d.message) not in seen]
        return out

    def run_diagnostics(self, uri: str) -> tuple[Any, ...]:
        doc = self.docs.get(uri)
        return doc.run if doc else ()

    # -- positions ---------------------------------------------------------------------------------
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

    # -- local diagnostics -------------------------------------------------------------------------
    def _local_check(self, doc: DocState) -> None:
        if not self.settings.local_diagnostics or self.local_compiler is None or is_large(doc.text):
            doc.local = ()
            return
        try:
            result = self.local_compiler(doc.text)
        except Exception as exc:  # the language core must never break the server
            log.exception("local compile failed: %s", exc)
            doc.local = ()
            return
        raw = [
            d.to_api() | {"endLine": d.end_line, "endCol": d.end_col}
            for d in getattr(result, "diagnostics", ())
        ]
        lines = split_lines(doc.text)
        doc.local = tuple(_editor_diag(m, source="scriptum-local") for m in map_diagnostics(raw, lines))

    # -- scheduling --------------------------------------------------------------------------------
    def schedule(self, uri: str, *, delay: float | None = None) -> None:
        doc = self.docs.get(uri)
        if doc is None or self._closed:
            return
        if doc.debounce is not None and not doc.debounce.done():
            doc.debounce.cancel()
        if doc.retry is not None and not doc.retry.done():
            doc.retry.cancel()
            doc.retry = None
        wait = self.settings.debounce if delay is None else delay
        doc.debounce = asyncio.get_running_loop().create_task(self._debounced(uri, wait))

    async def _debounced(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        doc = self.docs.get(uri)
        if doc is None:
            return
        doc.debounce = None
        await self._run(uri, doc.version)

    async def _run(self, uri: str, version: int | None) -> None:
        """One automatic pipeline run for `uri` at `version`; errors become degraded-mode state."""
        doc = self.docs.get(uri)
        if doc is None or doc.version != version:
            return
        try:
            outcome = await self._save_compile(doc.snapshot(), force=False, automatic=True)
        except asyncio.CancelledError:
            raise
        except RemoteDraftChanged:
            pass  # the notice is on the document; auto-save is off for this script
        except _ScriptMissing:
            pass
        except ApiError as exc:
            self._failed(uri, version, exc)
        except Exception as exc:  # never let one document's failure escape the task
            log.exception("pipeline failed for %s", uri)
            self.host.log("error", f"pipeline failed for {uri}: {type(exc).__name__}: {redact(str(exc))}")
        else:
            if outcome is not None:
                self._succeeded(uri)
        finally:
            current = self.docs.get(uri)
            # a run superseded by a newer one for the same version (e.g. after new settings) must not
            # mark the document settled while the newer run is still in flight (pull diagnostics wait on it)
            newer = self.scripts.get(current.script) if current is not None else None
            if (
                current is not None
                and current.version == version
                and current.debounce is None
                and (newer is None or newer.inflight is None or newer.inflight.done())
            ):
                current.settled.set()

    async def _save_compile(
        self, snap: DocSnapshot, *, force: bool, automatic: bool
    ) -> CompileOutcome | None:
        """Serialize per script: cancel an older in-flight run, then save+compile this snapshot."""
        name = self.script_name(snap.uri)
        state = self._script(name)
        if state.inflight is not None and not state.inflight.done():
            if automatic and state.inflight_version == (snap.uri, snap.version):
                return None  # the same version is already on its way
            if state.inflight_automatic:
                state.inflight.cancel()  # a newer version supersedes an automatic run
            # a command's run is never cancelled: this run waits for the script's lock
        task = asyncio.get_running_loop().create_task(
            self._save_compile_locked(snap, state, force, automatic)
        )
        state.inflight = task
        state.inflight_version = (snap.uri, snap.version)
        state.inflight_automatic = automatic
        try:
            return await task
        except asyncio.CancelledError:
            if task.cancelled() and not _current_task_cancelling():
                return None  # superseded by a newer version
            raise
        finally:
            if state.inflight is task:
                state.inflight = None
                state.inflight_version = None

    async def _save_compile_locked(
        self, snap: DocSnapshot, state: ScriptState, force: bool, automatic: bool
    ) -> CompileOutcome:
        async with state.lock:
            if not automatic:
                return await self._pipeline(snap, state, force=force, automatic=automatic)
            async with self._auto_slots:
                return await self._pipeline(snap, state, force=force, automatic=automatic)

    def _cache_key(self, name: str, h: str) -> tuple[Any, ...]:
        s = self.settings
        return (s.endpoint, s.organization, name, h)

    async def _pipeline(
        self, snap: DocSnapshot, state: ScriptState, *, force: bool, automatic: bool
    ) -> CompileOutcome:
        name = state.name
        h = content_hash(snap.text)
        cached = self.compile_cache.get(self._cache_key(name, h))
        unchanged = (
            automatic and not force and cached is not None and state.saved_hash == h and not state.conflicted
        )
        if unchanged and cached is not None and not state.check_due:
            self._apply_result(snap, cached)
            return _outcome(cached, snap.version)
        if state.conflicted and not force:
            raise RemoteDraftChanged(snap.uri, name)
        client = self.client()
        await self._drop_old_clients()
        if not force:
            await self._check_remote(client, snap, state)
        if unchanged and cached is not None:  # the remote still holds exactly this content
            self._apply_result(snap, cached)
            return _outcome(cached, snap.version)
        state.remember_sent(h)
        self._persist_sent(name, state)
        try:
            try:
                await client.save_draft(name, snap.text)
            except NotFound:
                await self._handle_missing(client, snap, state, automatic=automatic)
                await client.save_draft(name, snap.text)
            state.saved_hash = h
            state.checked_at = time.monotonic()
            state.conflicted = False
            response = await client.compile_draft(name)
        finally:
            self._flush_sent_soon()
        if not isinstance(response.get("diagnostics", []), list):
            from scriptum_lsp.api.errors import BadResponse

            raise BadResponse("CompileScriptDraft: `diagnostics` is not a list")
        state.draft_status = (
            "SCRIPT_VERSION_STATUS_COMPILED" if response.get("success") else "SCRIPT_VERSION_STATUS_FAILED"
        )
        # the cache keeps what diagnostics need, not the AST/IR (which can be large)
        self.compile_cache[self._cache_key(name, h)] = {
            k: v for k, v in response.items() if k not in ("astJson", "irYaml", "ir")
        }
        self._apply_result(snap, response)
        return _outcome(response, snap.version)

    async def _check_remote(self, client: ScriptumClient, snap: DocSnapshot, state: ScriptState) -> None:
        """Raise RemoteDraftChanged if the remote draft holds content we did not write."""
        recent = time.monotonic() - state.checked_at < CONFLICT_RECHECK_S
        if state.saved_hash is not None and recent and not state.check_due:
            return
        state.check_due = False
        try:
            info = await client.get_draft_info(state.name)
        except NotFound:
            return  # no script (handled by the save) or no draft yet
        remote = info.get("dslContent")
        remote_text = remote if isinstance(remote, str) else ""
        rh = content_hash(remote_text)
        state.draft_status = info.get("status") if isinstance(info.get("status"), str) else state.draft_status
        if not remote_text or rh in state.sent or remote_text == snap.text:
            state.checked_at = time.monotonic()
            state.exists = True
            return
        self._conflict(snap.uri, state)
        raise RemoteDraftChanged(snap.uri, state.name)

    def _conflict(self, uri: str, state: ScriptState) -> None:
        first = not state.conflicted
        state.conflicted = True
        for doc in self._docs_of(state.name):
            doc.notice = (
                EditorDiagnostic(
                    0, 0, 0, len(split_lines(doc.text)[0]), "warning",
                    f"The remote draft of '{state.name}' was changed outside this editor; automatic saving is "
                    "paused for this script. Use 'Overwrite remote draft' or 'Open remote draft'.",
                    code="remote-draft-changed", data={"script": state.name, "conflict": True},
                ),
            )  # fmt: skip
            self.host.publish(doc.uri)
        if first:
            self.host.show(
                "warning",
                f"Scriptum: the remote draft of '{state.name}' changed since this editor last saved it. "
                "Automatic saving is paused for it.",
                [
                    ("Overwrite remote draft", "scriptum.overwriteDraft", [{"uri": uri}]),
                    ("Open remote draft", "scriptum.openRemoteDraft", [{"uri": uri}]),
                ],
            )
            self._set_status("conflict", f"remote draft of '{state.name}' changed")

    async def _handle_missing(
        self, client: ScriptumClient, snap: DocSnapshot, state: ScriptState, *, automatic: bool
    ) -> None:
        """The script does not exist: create it when allowed, else say so on line 1 with a quick fix."""
        if self.settings.create_missing_scripts:
            await self._create(client, state)
            return
        if not automatic:
            raise NotFound(
                f"script '{state.name}' does not exist on {self._where()}; run 'scriptum.createScript'"
            )
        state.exists = False
        for doc in self._docs_of(state.name):
            first_line = split_lines(doc.text)[0]
            doc.notice = (
                EditorDiagnostic(
                    0, 0, 0, len(first_line), "information",
                    f"Script '{state.name}' does not exist on {self._where()} yet. "
                    f"Use the quick fix \"Create script '{state.name}'\".",
                    code="missing-script", data={"createScript": state.name},
                ),
            )  # fmt: skip
            doc.remote = ()
            self.host.publish(doc.uri)
        raise _ScriptMissing(state.name)

    async def _create(self, client: ScriptumClient, state: ScriptState) -> None:
        with contextlib.suppress(AlreadyExists):
            await client.create_script(state.name, description="created by scriptum-lsp")
        state.exists = True
        for doc in self._docs_of(state.name):
            if doc.notice and doc.notice[0].code == "missing-script":
                doc.notice = ()
                self.host.publish(doc.uri)

    def _where(self) -> str:
        s = self.settings
        where = "the local emulator" if s.endpoint == LOCAL else s.endpoint
        return f"{where} (organization {s.organization})" if s.organization else where

    def _docs_of(self, script: str) -> list[DocState]:
        return [d for d in self.docs.values() if d.script == script]

    # -- results -----------------------------------------------------------------------------------
    def _apply_result(self, snap: DocSnapshot, response: Mapping[str, Any]) -> None:
        """Map and store a compile result if the document is still at the snapshot's version."""
        doc = self.docs.get(snap.uri)
        if doc is None or doc.version != snap.version or doc.text != snap.text:
            return  # stale: the buffer moved on, a newer run will publish
        raw = response.get("diagnostics")
        diags = tuple(d for d in raw if isinstance(d, Mapping)) if isinstance(raw, list) else ()
        lines = split_lines(doc.text)
        failed = response.get("success") is not True
        mapped = tuple(_editor_diag(m) for m in map_diagnostics(diags, lines, exact=True, failed=failed))
        doc.remote_raw = diags
        if failed and not mapped:
            error = response.get("error")
            mapped = (_editor_diag(error_diagnostic(str(error or "compile failed"), lines)),)
        changed = mapped != doc.remote or doc.stale or bool(doc.notice)
        doc.remote = mapped
        doc.remote_version = snap.version
        doc.stale = False
        doc.stale_reason = ""
        doc.notice = tuple(n for n in doc.notice if n.code not in ("missing-script", "remote-draft-changed"))
        if changed:
            self.host.publish(doc.uri)

    @staticmethod
    def _map_remote(diags: Sequence[Mapping[str, Any]], text: str) -> tuple[EditorDiagnostic, ...]:
        """The last result on a newer version of the buffer: what no longer matches its line is dropped."""
        return tuple(_editor_diag(m) for m in map_diagnostics(diags, split_lines(text), exact=False))

    def _succeeded(self, uri: str) -> None:
        doc = self.docs.get(uri)
        if doc is not None:
            doc.retry_attempt = 0
        if self.failures.recovered() or self._state not in ("ok",):
            self._set_status("ok", "connected")
        for other in self.docs.values():  # recovery: refresh documents left stale
            if other.stale and other.uri != uri:
                self.schedule(other.uri, delay=0.0)

    def _failed(self, uri: str, version: int | None, exc: ApiError) -> None:
        kind = failure_kind(exc)
        doc = self.docs.get(uri)
        state_name, template = STATES[kind]
        detail = f"{exc.code}: {exc.message}" if exc.message else exc.code
        text = template.format(endpoint=self._where(), detail=detail, retry=exc.retry_after or 0)
        self.host.log("warning", f"{uri}: {redact(str(exc))}")
        if self.failures.should_show(kind):
            self.host.show("error" if kind == "auth" else "warning", redact(text, [self.settings.token]))
        self._set_status(state_name, redact(text, [self.settings.token]))
        if doc is not None:
            if doc.remote and not doc.stale:
                doc.stale = True
                doc.stale_reason = state_name
                self.host.publish(uri)
            if kind in RETRYABLE or kind == "auth":
                delay = backoff_delay(doc.retry_attempt, exc.retry_after)
                if kind == "auth":
                    delay = max(delay, 10.0)
                doc.retry_attempt += 1
                doc.retry = asyncio.get_running_loop().create_task(self._retry(uri, version, delay))

    async def _retry(self, uri: str, version: int | None, delay: float) -> None:
        await asyncio.sleep(delay)
        doc = self.docs.get(uri)
        if doc is None or doc.version != version:
            return
        doc.retry = None
        await self._run(uri, version)

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

    async def wait_settled(self, uri: str, limit: float) -> None:
        doc = self.docs.get(uri)
        if doc is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(doc.settled.wait(), limit)

    def refresh_all(self) -> None:
        """Re-run every open document (new settings, new token)."""
        for uri, doc in self.docs.items():
            self._local_check(doc)
            self.host.publish(uri)
            if self.settings.diagnostics_trigger != "off":
                doc.settled.clear()
                self.schedule(uri, delay=0.0)

    # -- facade for commands -----------------------------------------------------------------------
    async def save_and_compile(
        self, uri: str, *, force: bool = False, verify: bool = False
    ) -> CompileOutcome:
        """Save + compile `uri` now (a command's run: never cancelled by typing, never waits for a slot).

        `verify` compares the remote draft with what this editor last saved even if that was confirmed a
        moment ago (publish and test must never act on someone else's draft).
        """
        if verify:
            known = self.scripts.get(self.script_name(uri))
            if known is not None:
                known.check_due = True
        doc = self._doc(uri)
        if doc.debounce is not None and not doc.debounce.done():
            doc.debounce.cancel()
            doc.debounce = None
        snap = doc.snapshot()
        name = doc.script
        state = self._script(name)
        if force:
            state.conflicted = False
        if state.inflight is not None and not state.inflight.done() and state.inflight_automatic:
            state.inflight.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await state.inflight
        task = asyncio.get_running_loop().create_task(self._save_compile_locked(snap, state, force, False))
        state.inflight = task
        state.inflight_version = (snap.uri, snap.version)
        state.inflight_automatic = False
        try:
            outcome = await task
        except ApiError as exc:
            self._failed(uri, snap.version, exc)
            raise
        finally:
            if state.inflight is task:
                state.inflight = None
                state.inflight_version = None
        self._succeeded(uri)
        if force:
            for d in self._docs_of(name):
                if d.notice:
                    d.notice = ()
                    self.host.publish(d.uri)
        doc.settled.set()
        return outcome

    @contextlib.asynccontextmanager
    async def draft_unchanged(self, name: str, text: str) -> AsyncIterator[None]:
        """Hold the script's save lock while a command acts on its draft, and only if the remote draft
        still holds exactly `text` (else `DraftChangedMeanwhile`: an automatic save of newer typing ran)."""
        state = self.scripts.get(name)
        if state is None:
            yield
            return
        async with state.lock:
            if state.saved_hash != content_hash(text):
                raise DraftChangedMeanwhile(name)
            yield

    def is_conflicted(self, uri: str) -> bool:
        return self._script(self.script_name(uri)).conflicted

    async def overwrite_remote(self, uri: str) -> CompileOutcome:
        return await self.save_and_compile(uri, force=True)

    async def open_remote_draft(self, uri: str) -> str:
        info = await self.client().get_draft_info(self.script_name(uri))
        text = info.get("dslContent")
        return text if isinstance(text, str) else ""

    async def create_script(self, uri: str) -> dict[str, Any]:
        name = self.script_name(uri)
        state = self._script(name)
        client = self.client()
        result: dict[str, Any]
        try:
            result = await client.create_script(name, description="created by scriptum-lsp")
        except AlreadyExists:
            result = {"name": name}
        state.exists = True
        for doc in self._docs_of(name):
            if doc.notice and doc.notice[0].code == "missing-script":
                doc.notice = ()
                self.host.publish(doc.uri)
            self.schedule(doc.uri, delay=0.0)
        return result

    def last_draft_status(self, uri: str) -> str | None:
        return self._script(self.script_name(uri)).draft_status

    def clear_caches(self) -> None:
        self.compile_cache.clear()
        for state in self.scripts.values():
            state.saved_hash = None
            state.checked_at = 0.0

    # -- persistence of what we sent (conflict detection across restarts) --------------------------
    def _persist_key(self, name: str) -> str:
        s = self.settings
        return f"{s.endpoint}|{s.organization or ''}|{name}"

    def _read_sent_store(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self._sent_store.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: [h for h in v if isinstance(h, str)] for k, v in data.items() if isinstance(v, list)}

    def _persist_sent(self, name: str, state: ScriptState) -> None:
        """Record what we are about to send. The file is written by `_flush_sent_soon` once the save and
        compile requests are done, off the edit -> diagnostics path (see docs/decisions.md)."""
        self._sent_persisted[self._persist_key(name)] = list(state.sent[-8:])
        if len(self._sent_persisted) > 500:
            for k in list(self._sent_persisted)[:-500]:
                del self._sent_persisted[k]
        self._persist_dirty = True

    def _flush_sent_soon(self) -> None:
        if self._persist_dirty and not self._persist_scheduled:
            self._persist_scheduled = True
            asyncio.get_running_loop().call_soon(self._write_sent_store)

    def _write_sent_store(self) -> None:
        self._persist_scheduled = False
        if not self._persist_dirty:
            return
        self._persist_dirty = False
        try:
            tmp = self._sent_store.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._sent_persisted), encoding="utf-8")
            tmp.replace(self._sent_store)
        except OSError:
            pass


class _ScriptMissing(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _current_task_cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task and task.cancelling())


def _outcome(response: Mapping[str, Any], version: int | None) -> CompileOutcome:
    diags = [dict(d) for d in response.get("diagnostics") or [] if isinstance(d, Mapping)]
    return CompileOutcome(bool(response.get("success")), diags, dict(response), version)


def _editor_diag(m: MappedDiagnostic, *, source: str = "scriptum") -> EditorDiagnostic:
    data: dict[str, Any] | None = None
    if m.suggestion and m.replaces:
        data = {
            "suggestion": m.suggestion,
            "replaces": m.replaces,
            "line": m.span.line,
            "start": m.span.start,
            "end": m.span.end,
        }
    return EditorDiagnostic(
        line=m.span.line,
        start=m.span.start,
        end_line=m.span.last_line,
        end=m.span.end,
        severity=m.severity,
        message=m.message,
        source=source,
        code=str(m.raw.get("code")) if m.raw.get("code") else None,
        data=data,
    )


def _large_notice(text: str) -> EditorDiagnostic:
    first = split_lines(text)[0] if text else ""
    return EditorDiagnostic(
        line=0,
        start=0,
        end_line=0,
        end=len(first),
        severity="warning",
        message=large_document_message(text),
        code="large-document",
    )


def _mark_stale(d: EditorDiagnostic, reason: str) -> EditorDiagnostic:
    from dataclasses import replace

    data = dict(d.data or {})
    data["stale"] = True
    return replace(d, message=f"{d.message} [stale: {reason}]", data=data)
