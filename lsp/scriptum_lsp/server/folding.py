"""textDocument/foldingRange from the language core's folds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from scriptum_lsp.server.local import document

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    def folding_range(
        ls: ScriptumLanguageServer, params: types.FoldingRangeParams
    ) -> list[types.FoldingRange]:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return []
        last = len(doc.lines) - 1
        out = []
        for start, end in sorted(set(doc.analysis.folds)):
            end = min(end, last)
            if 0 <= start < end:
                out.append(types.FoldingRange(start_line=start, end_line=end))
        return out
