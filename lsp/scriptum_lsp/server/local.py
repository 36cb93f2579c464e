"""Shared helpers of the local (offline) features: cached analysis and span conversion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cachetools import LRUCache
from lsprotocol import types

from scriptum_lsp.core.limits import is_large
from scriptum_lsp.core.positions import units_to_cp
from scriptum_lsp.core.text import split_lines
from scriptum_lsp.engine.model import content_hash
from scriptum_lsp.server import convert

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

_CACHE: LRUCache[str, Any] = LRUCache(maxsize=64)


def analysis(text: str) -> Any:
    """`scriptum_lsp.language.analyze(text)`, memoised by content; large documents get an empty analysis
    (see scriptum_lsp.core.limits) so no request stalls the server for seconds."""
    if is_large(text):
        text = ""
    key = content_hash(text)
    cached = _CACHE.get(key)
    if cached is None:
        from scriptum_lsp.language.analysis import analyze

        cached = _CACHE[key] = analyze(text)
    return cached


class Doc:
    """A document as the local features see it: text, lines, analysis and unit conversion."""

    def __init__(self, ls: ScriptumLanguageServer, uri: str, text: str) -> None:
        self.ls = ls
        self.uri = uri
        self.text = text
        self.lines = split_lines(text)
        self.encoding = ls.engine.position_encoding
        self._analysis: Any = None

    @property
    def analysis(self) -> Any:
        if self._analysis is None:
            self._analysis = analysis(self.text)
        return self._analysis

    def cp(self, pos: types.Position) -> tuple[int, int]:
        """LSP position -> (line, code-point column), clamped."""
        if pos.line >= len(self.lines):
            return len(self.lines) - 1, len(self.lines[-1])
        line = max(0, pos.line)
        return line, units_to_cp(self.lines[line], pos.character, self.encoding)

    def position(self, line: int, col: int) -> types.Position:
        return convert.position(self.lines, line, col, self.encoding)

    def range(self, span: Any) -> types.Range:
        return types.Range(self.position(span[0], span[1]), self.position(span[2], span[3]))

    def word_at(self, line: int, col: int) -> tuple[str, int, int]:
        text = self.lines[line] if 0 <= line < len(self.lines) else ""
        start = col
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        end = col
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        return text[start:end], start, end


def document(ls: ScriptumLanguageServer, uri: str) -> Doc | None:
    snap = ls.engine.snapshot(uri)
    if snap is None:
        return None
    return Doc(ls, uri, snap.text)
