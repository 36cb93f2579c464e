"""textDocument/formatting with the language core's canonical layout (one whole-document edit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from scriptum_lsp.server.local import document

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(
        ls: ScriptumLanguageServer, params: types.DocumentFormattingParams
    ) -> list[types.TextEdit]:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return []
        from scriptum_lsp.language.formatter import format_parsed, format_source

        current = ls.analyses.latest(doc.uri)  # its parse, when it is of this text
        if current is not None and current.source == doc.text:
            formatted = format_parsed(doc.text, current.parse)
        else:
            formatted = format_source(doc.text)
        if formatted == doc.text:
            return []
        last = len(doc.lines) - 1
        end = doc.position(last, len(doc.lines[last]))
        return [types.TextEdit(range=types.Range(types.Position(0, 0), end), new_text=formatted)]
