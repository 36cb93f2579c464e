"""textDocument/hover: the language core's hover text (language/features.py) for bindings, tools (description
and input schema from ListTools, else the catalog) and built-in functions, mapped to LSP."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from scriptum_lsp.server.local import document
from scriptum_lsp.server.tools import tools

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer


def _hover(markdown: str, rng: types.Range) -> types.Hover:
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown), range=rng
    )


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: ScriptumLanguageServer, params: types.HoverParams) -> types.Hover | None:
        doc = document(ls, params.text_document.uri)
        if doc is None:
            return None
        from scriptum_lsp.language.features import binding_hover, word_hover  # lazy: start-up time

        line, col = doc.cp(params.position)
        hit = doc.reference_at(line, col)
        if hit is not None:
            b, span = hit
            return _hover(binding_hover(b.name, b.kind, b.type), doc.range(span))
        word, start, end = doc.word_at(line, col)
        if not word:
            return None
        md = word_hover(word, await tools(ls))
        if md is None:
            return None
        return _hover(md, types.Range(doc.position(line, start), doc.position(line, end)))
