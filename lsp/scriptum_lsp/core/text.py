"""Line splitting shared by everything that turns offsets into (line, column).

Lines end at `\\n`, `\\r\\n` or a lone `\\r` (what LSP specifies); nothing else (no U+2028, no form feed)."""

from __future__ import annotations

import re

_EOL = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their terminators. A trailing terminator yields a last empty line."""
    if "\r" not in text:
        return text.split("\n")  # the common case, several times faster than the regex
    return _EOL.split(text)


def line_starts(text: str) -> list[int]:
    """Code-point offset at which each line starts."""
    return [0, *(m.end() for m in _EOL.finditer(text))]


def offset_at(text: str, line: int, col: int) -> int:
    """Code-point offset of (line, col) in code points, clamped into the text."""
    starts = line_starts(text)
    if line < 0:
        return 0
    if line >= len(starts):
        return len(text)
    lines = split_lines(text)
    return starts[line] + max(0, min(col, len(lines[line])))


def position_at(text: str, offset: int) -> tuple[int, int]:
    """(line, col) in code points of a code-point offset, clamped into the text."""
    offset = max(0, min(offset, len(text)))
    starts = line_starts(text)
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    lines = split_lines(text)
    return lo, min(offset - starts[lo], len(lines[lo]))
