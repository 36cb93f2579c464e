"""Applying LSP content changes to a text, in code points, clamping out-of-range positions."""

from __future__ import annotations

from scriptum_lsp.core.positions import Encoding, units_to_cp
from scriptum_lsp.core.text import line_starts, split_lines


def offset_of(text: str, line: int, character: int, encoding: Encoding) -> int:
    """Code-point offset of an LSP position (line, character in `encoding` units), clamped.

    A line past the end maps to the end of the text; a character past the end of its line maps to the
    end of that line (LSP says: default back to the line length)."""
    if line < 0:
        return 0
    starts = line_starts(text)
    if line >= len(starts):
        return len(text)
    lines = split_lines(text)
    return starts[line] + units_to_cp(lines[line], character, encoding)


def apply_change(
    text: str,
    start: tuple[int, int] | None,
    end: tuple[int, int] | None,
    new_text: str,
    encoding: Encoding,
) -> str:
    """Apply one change; `start`/`end` None means the whole document is replaced."""
    if start is None or end is None:
        return new_text
    a = offset_of(text, start[0], start[1], encoding)
    b = offset_of(text, end[0], end[1], encoding)
    if b < a:
        a, b = b, a
    return text[:a] + new_text + text[b:]
