"""Shared helpers of the local (offline) features: cached analysis and span conversion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from scriptum_lsp.core.limits import is_large
from scriptum_lsp.core.positions import units_to_cp
from scriptum_lsp.core.text import split_lines
from scriptum_lsp.server import convert

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

_EMPTY: Any = None


def _analyze(text: str, previous: Any = None) -> Any:
    from scriptum_lsp.language.analysis import analyze

    return analyze(text, previous)


def _empty() -> Any:
    global _EMPTY
    if _EMPTY is None:
        _EMPTY = _analyze("")
    return _EMPTY


def analysis(text: str) -> Any:
    """`scriptum_lsp.language.analyze(text)` of a text that is not an open document (no cache); large texts
    get an empty analysis (see scriptum_lsp.core.limits) so no request stalls the server for seconds."""
    return _empty() if is_large(text) else _analyze(text)


class Analyses:
    """One current analysis per open document: the analysis of its latest analysed version. A new version
    is analysed from the previous one (`analyze(text, previous)`: an edit inside one top-level step
    re-parses only that step), and replaces it; closed documents are dropped."""

    def __init__(self, ls: ScriptumLanguageServer) -> None:
        self.ls = ls
        self.current: dict[str, Any] = {}

    def of(self, uri: str, text: str) -> Any:
        """The analysis of exactly `text` for `uri` (computed now if needed)."""
        if is_large(text):
            self.current.pop(uri, None)
            return _empty()
        cur = self.current.get(uri)
        if cur is not None and cur.source == text:
            return cur
        a = _analyze(text, cur)
        if uri in self.ls.engine.docs:
            self.current[uri] = a
        self._prune()
        return a

    def latest(self, uri: str) -> Any:
        return self.current.get(uri)

    def local_compile(self, text: str) -> Any:
        """The engine's local compiler: the analysis of the open document holding `text`."""
        for uri, doc in self.ls.engine.docs.items():
            if doc.text is text:
                return self.of(uri, text)
        for uri, doc in self.ls.engine.docs.items():
            if doc.text == text:
                return self.of(uri, text)
        return analysis(text)

    def _prune(self) -> None:
        docs = self.ls.engine.docs
        if len(self.current) > len(docs):
            for uri in [u for u in self.current if u not in docs]:
                del self.current[uri]


class Mapped:
    """A previous analysis answering for the current text: positions of the current text outside the
    changed lines map to the analysis's lines (shifted by the number of lines added or removed) and back."""

    __slots__ = ("analysis", "delta", "first", "new_end")

    def __init__(self, analysis: Any, first: int, new_end: int, delta: int) -> None:
        self.analysis = analysis
        self.first = first  # first changed line (both texts)
        self.new_end = new_end  # end (exclusive) of the changed lines in the current text
        self.delta = delta  # lines added (+) or removed (-)

    def to_old(self, line: int) -> int | None:
        if line < self.first:
            return line
        if line >= self.new_end:
            return line - self.delta
        return None

    def to_new(self, span: Any) -> Any:
        """A span of the analysis -> the same span in the current text, None when it lies in changed lines."""
        old_end = self.new_end - self.delta
        if span[2] < self.first:
            return span
        if span[0] >= old_end:
            return type(span)(span[0] + self.delta, span[1], span[2] + self.delta, span[3])
        return None


def _mapping(previous: Any, lines: list[str]) -> Mapped:
    old = previous.lines
    n, m = len(lines), len(old)
    p = 0
    limit = min(n, m)
    while p < limit and old[p] == lines[p]:
        p += 1
    s = 0
    while s < limit - p and old[m - 1 - s] == lines[n - 1 - s]:
        s += 1
    return Mapped(previous, p, n - s, n - m)


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
        """The analysis of exactly this text."""
        if self._analysis is None:
            self._analysis = self.ls.analyses.of(self.uri, self.text)
        return self._analysis

    def answering(self, line: int, *, patch_line: bool = False) -> tuple[Any, int, Mapped | None]:
        """(analysis, line in it, mapping) to answer a question about `line` now: the current analysis
        when it is of this text, else the previous analysis of this document with `line` mapped through
        the edit (hover, definition and completion never wait for a new analysis). With `patch_line`
        (completion) a changed line is answered too when the edit kept the line count: the previous
        analysis sees the current text of the lines. None of that when the line cannot be mapped: then the
        current text is analysed now."""
        if self._analysis is None and not is_large(self.text):
            prev = self.ls.analyses.latest(self.uri)
            if prev is not None and prev.source != self.text:
                mapped = _mapping(prev, self.lines)
                old_line = mapped.to_old(line)
                if old_line is not None:
                    return prev, old_line, mapped
                if patch_line and mapped.delta == 0:
                    from dataclasses import replace

                    return replace(prev, lines=self.lines), line, None
        return self.analysis, line, None

    def reference_at(self, line: int, col: int, *, definition: bool = False) -> tuple[Any, Any] | None:
        """(binding, span in the current text) under the cursor, from the analysis `answering` gives: the
        span is the reference under the cursor, or with `definition` the binding's definition."""
        a, aline, mapped = self.answering(line)
        hit = a.reference_at(aline, col)
        if hit is None:
            if mapped is None:
                return None
            a, aline, mapped = self.analysis, line, None
            hit = a.reference_at(line, col)
            if hit is None:
                return None
        span = hit[0].definition if definition else hit[1]
        if mapped is not None:
            span = mapped.to_new(span)
            if span is None:  # the answer lies in the changed lines: analyse the current text
                self._analysis = self.ls.analyses.of(self.uri, self.text)
                return self.reference_at(line, col, definition=definition)
        return hit[0], span

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
