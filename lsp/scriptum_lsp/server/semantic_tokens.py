"""textDocument/semanticTokens/full: the language core's tokens, encoded relative, in client units."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from scriptum_lsp.core.positions import cp_to_units
from scriptum_lsp.server.local import Doc, document

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

TOKEN_TYPES = [
    "keyword", "string", "number", "comment", "variable", "parameter", "function", "type", "enumMember",
    "property", "operator", "namespace", "decorator",
]  # fmt: skip
TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary"]
LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)


def encode(doc: Doc) -> list[int]:
    data: list[int] = []
    prev_line = prev_start = 0
    type_index = {t: i for i, t in enumerate(TOKEN_TYPES)}
    for line, col, length, kind, mods in sorted(doc.analysis.tokens, key=lambda t: (t[0], t[1])):
        if kind not in type_index or not 0 <= line < len(doc.lines) or length <= 0:
            continue
        text = doc.lines[line]
        start = cp_to_units(text, col, doc.encoding)
        end = cp_to_units(text, col + length, doc.encoding)
        if end <= start:
            continue
        delta_line = line - prev_line
        delta_start = start - prev_start if delta_line == 0 else start
        if delta_line == 0 and delta_start < 0:
            continue  # overlapping token from the core: skip
        bits = 0
        for m in mods:
            if m in TOKEN_MODIFIERS:
                bits |= 1 << TOKEN_MODIFIERS.index(m)
        data += [delta_line, delta_start, end - start, type_index[kind], bits]
        prev_line, prev_start = line, start
    return data


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
    def semantic_tokens(
        ls: ScriptumLanguageServer, params: types.SemanticTokensParams
    ) -> types.SemanticTokens:
        doc = document(ls, params.text_document.uri)
        return types.SemanticTokens(data=encode(doc) if doc else [])
