"""Document synchronisation: the engine keeps its own copy of every document (code points)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from scriptum_lsp.core.edits import apply_change
from scriptum_lsp.server import ignite

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ScriptumLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        if ignite.is_app_file(doc.uri, doc.language_id):
            ignite.state_of(ls).docs[doc.uri] = ignite.IgniteDoc(doc.version, doc.text)
            return
        ls.engine.open(doc.uri, doc.version, doc.text)

    @ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ScriptumLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        app_doc = ignite.state_of(ls).docs.get(uri)
        snap = ls.engine.snapshot(uri)
        if snap is None and app_doc is None:
            return
        text = snap.text if snap is not None else app_doc.text if app_doc is not None else ""
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                r = change.range
                text = apply_change(
                    text,
                    (r.start.line, r.start.character),
                    (r.end.line, r.end.character),
                    change.text,
                    ls.engine.position_encoding,
                )
            else:
                text = change.text
        if app_doc is not None:
            app_doc.version, app_doc.text = params.text_document.version, text
            return
        ls.engine.change(uri, params.text_document.version, text)

    @ls.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: ScriptumLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri.endswith("scriptum.toml"):
            ls.engine.reload_script_map()
            return
        ls.engine.saved(params.text_document.uri)

    @ls.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ScriptumLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        if ignite.state_of(ls).docs.pop(params.text_document.uri, None) is not None:
            return  # the diagnostics of a compile or run stay until the next one
        ls.engine.close(params.text_document.uri)
