"""textDocument/documentSymbol: the outline of blocks and steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from scriptum_lsp.server.local import Doc, document

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

KINDS = {
    "script": types.SymbolKind.Module,
    "block": types.SymbolKind.Namespace,
    "enum": types.SymbolKind.Enum,
    "field": types.SymbolKind.Field,
    "step": types.SymbolKind.Function,
    "section": types.SymbolKind.Namespace,
    "binding": types.SymbolKind.Variable,
    "branch": types.SymbolKind.Namespace,
    "handler": types.SymbolKind.Event,
}


def _contains(outer: types.Range, inner: types.Range) -> bool:
    a = (outer.start.line, outer.start.character) <= (inner.start.line, inner.start.character)
    b = (inner.end.line, inner.end.character) <= (outer.end.line, outer.end.character)
    return a and b


def to_symbol(doc: Doc, sym: Any) -> types.DocumentSymbol:
    rng = doc.range(sym.span)
    sel = doc.range(sym.selection_span)
    if not _contains(rng, sel):
        sel = types.Range(rng.start, rng.start)
    return types.DocumentSymbol(
        name=sym.name or "(unnamed)",
        detail=sym.detail or None,
        kind=KINDS.get(sym.kind, types.SymbolKind.Object),
        range=rng,
        selection_range=sel,
        children=[to_symbol(doc, c) for c in sym.children] or None,
    )


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(
        ls: ScriptumLanguageServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol]:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return []
        return [to_symbol(doc, s) for s in doc.analysis.symbols]
