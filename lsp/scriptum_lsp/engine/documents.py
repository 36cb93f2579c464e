"""The engine's documents: open, change, save, close; local diagnostics; what to show for a document."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from scriptum_lsp.core.limits import is_large, large_document_message
from scriptum_lsp.core.mapping import map_diagnostics
from scriptum_lsp.core.text import split_lines
from scriptum_lsp.engine.model import DocState, EditorDiagnostic, content_hash
from scriptum_lsp.engine.pipeline import EnginePipeline, editor_diagnostic
from scriptum_lsp.engine.session import uri_to_path

log = logging.getLogger(__name__)

# typing pauses shorter than this coalesce into one local check and one publication (docs/performance.md)
LOCAL_DEBOUNCE = 0.025


class EngineDocuments(EnginePipeline):
    """The open documents and everything shown on them."""

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
        self._local_soon(doc)
        if self.settings.diagnostics_trigger == "onType" and not is_large(text):
            self.schedule(uri)
        else:
            doc.settled.set()

    def saved(self, uri: str) -> None:
        doc = self.docs.get(uri)
        if doc is None:
            return
        state = self._script(doc.script)
        h = content_hash(doc.text)
        if (
            state.saved_hash == h
            and not state.conflicted
            and self.compile_cache.get(self._cache_key(state.name, h)) is not None
        ):
            return  # saved unchanged since our last save + compile: nothing to send, nothing to confirm
        state.check_due = True
        if self.settings.diagnostics_trigger in ("onType", "onSave") and not is_large(doc.text):
            doc.settled.clear()
            self.schedule(uri, delay=0.0)

    def close(self, uri: str) -> None:
        doc = self.docs.pop(uri, None)
        if doc is None:
            return
        if doc.local_due is not None:
            doc.local_due.cancel()
            doc.local_due = None
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
        if doc.local_due is not None:  # asked before the debounced local check ran: run it now
            doc.local_due.cancel()
            doc.local_due = None
            self._local_check(doc)
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

    def _local_soon(self, doc: DocState) -> None:
        """After a change: the local check (and the one publication of this edit) runs `LOCAL_DEBOUNCE`
        later, off the didChange handler, so typing never waits for an analysis; a newer change in the
        meantime replaces it. Without local diagnostics the edit publishes at once (re-anchored remote
        diagnostics)."""
        if doc.local_due is not None:
            doc.local_due.cancel()
            doc.local_due = None
        if not self.settings.local_diagnostics or self.local_compiler is None or is_large(doc.text):
            doc.local = ()
            self.host.publish(doc.uri)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (synchronous callers): check now
            self._local_check(doc)
            self.host.publish(doc.uri)
            return
        doc.local_due = loop.call_later(LOCAL_DEBOUNCE, self._local_due, doc.uri, doc.version)

    def _local_due(self, uri: str, version: int | None) -> None:
        doc = self.docs.get(uri)
        if doc is None or doc.version != version:
            return
        doc.local_due = None
        self._local_check(doc)
        self.host.publish(uri)

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
        doc.local = tuple(editor_diagnostic(m, source="scriptum-local") for m in map_diagnostics(raw, lines))

    def refresh_all(self) -> None:
        """Re-run every open document (new settings, new token)."""
        for uri, doc in self.docs.items():
            self._local_check(doc)
            self.host.publish(uri)
            if self.settings.diagnostics_trigger != "off":
                doc.settled.clear()
                self.schedule(uri, delay=0.0)


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
