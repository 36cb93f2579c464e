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


TYPE_INDEX = {t: i for i, t in enumerate(TOKEN_TYPES)}


def _bits(mods: frozenset[str]) -> int:
    bits = 0
    for m in mods:
        if m in TOKEN_MODIFIERS:
            bits |= 1 << TOKEN_MODIFIERS.index(m)
    return bits


def encode(doc: Doc) -> list[int]:
    data: list[int] = []
    prev_line = prev_start = 0
    type_index = TYPE_INDEX
    lines = doc.lines
    n = len(lines)
    encoding = doc.encoding
    bits_of: dict[frozenset[str], int] = {}
    ascii_line = -1  # the last line known to be ASCII (columns are the same in every encoding)
    for line, col, length, kind, mods in doc.analysis.tokens:  # sorted by the language core
        if kind not in type_index or not 0 <= line < n or length <= 0:
            continue
        text = lines[line]
        if line == ascii_line or text.isascii():
            ascii_line = line
            size = len(text)
            start = col if col < size else size
            end = col + length if col + length < size else size
        else:
            start = cp_to_units(text, col, encoding)
            end = cp_to_units(text, col + length, encoding)
        if end <= start:
            continue
        delta_line = line - prev_line
        delta_start = start - prev_start if delta_line == 0 else start
        if delta_line == 0 and delta_start < 0:
            continue  # overlapping token from the core: skip
        bits = bits_of.get(mods)
        if bits is None:
            bits = bits_of[mods] = _bits(mods)
        data += (delta_line, delta_start, end - start, type_index[kind], bits)
        prev_line, prev_start = line, start
    return data


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
    def semantic_tokens(
        ls: ScriptumLanguageServer, params: types.SemanticTokensParams
    ) -> types.SemanticTokens:
        doc = document(ls, params.text_document.uri)
        return types.SemanticTokens(data=encode(doc) if doc else [])
