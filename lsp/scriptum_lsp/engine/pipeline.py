"""The engine's pipeline: debounce, SaveScriptDraft + CompileScriptDraft per script, the remote-draft
conflict check, missing scripts, results, failures and retry, and the facade commands use."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scriptum_lsp.api.errors import AlreadyExists, ApiError, NotFound, redact
from scriptum_lsp.core.mapping import MappedDiagnostic, error_diagnostic, map_diagnostics
from scriptum_lsp.core.text import split_lines
from scriptum_lsp.engine.errors import DraftChangedMeanwhile, RemoteDraftChanged
from scriptum_lsp.engine.failures import RETRYABLE, STATES, backoff_delay, failure_kind
from scriptum_lsp.engine.model import CompileOutcome, DocSnapshot, EditorDiagnostic, ScriptState, content_hash
from scriptum_lsp.engine.persisted import SentStore
from scriptum_lsp.engine.session import EngineSession

if TYPE_CHECKING:
    from scriptum_lsp.api.scriptum import ScriptumClient

log = logging.getLogger(__name__)

# how long a confirmation of the remote draft (GetDraftInfo equal to what we saved) stays valid while we
# keep saving; after that quiet period the next save checks again (see docs/decisions.md)
CONFLICT_RECHECK_S = 5.0


class EnginePipeline(EngineSession):
    """Save + compile runs, one script at a time, never on someone else's draft."""

    def _script(self, name: str) -> ScriptState:
        state = self.scripts.get(name)
        if state is None:
            state = self.scripts[name] = ScriptState(name)
            persisted = self.sent_store.get(self._persist_key(name))
            if persisted:
                state.sent = list(persisted)
        return state

    def _persist_key(self, name: str) -> str:
        return SentStore.key(self.settings.endpoint, self.settings.organization, name)

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
        self.sent_store.record(self._persist_key(name), state.sent)
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
            self.sent_store.flush_soon()
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

    def _apply_result(self, snap: DocSnapshot, response: Mapping[str, Any]) -> None:
        """Map and store a compile result if the document is still at the snapshot's version."""
        doc = self.docs.get(snap.uri)
        if doc is None or doc.version != snap.version or doc.text != snap.text:
            return  # stale: the buffer moved on, a newer run will publish
        raw = response.get("diagnostics")
        diags = tuple(d for d in raw if isinstance(d, Mapping)) if isinstance(raw, list) else ()
        lines = split_lines(doc.text)
        failed = response.get("success") is not True
        mapped = tuple(editor_diagnostic(m) for m in map_diagnostics(diags, lines, exact=True, failed=failed))
        doc.remote_raw = diags
        if failed and not mapped:
            error = response.get("error")
            mapped = (editor_diagnostic(error_diagnostic(str(error or "compile failed"), lines)),)
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
        return tuple(editor_diagnostic(m) for m in map_diagnostics(diags, split_lines(text), exact=False))

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

    async def wait_settled(self, uri: str, limit: float) -> None:
        doc = self.docs.get(uri)
        if doc is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(doc.settled.wait(), limit)

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


def editor_diagnostic(m: MappedDiagnostic, *, source: str = "scriptum") -> EditorDiagnostic:
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
