"""Incremental changes in client units applied in code points, with out-of-range positions clamped."""

from __future__ import annotations

import pytest

from scriptum_lsp.core.edits import apply_change, offset_of

TEXT = "a😀b\r\nsecond\rthird"


@pytest.mark.parametrize(
    ("start", "end", "new", "encoding", "expected"),
    [
        ((0, 1), (0, 3), "X", "utf-16", "aXb\r\nsecond\rthird"),  # the emoji is 2 UTF-16 units
        ((0, 1), (0, 5), "X", "utf-8", "aXb\r\nsecond\rthird"),  # and 4 UTF-8 bytes
        ((0, 1), (0, 2), "X", "utf-32", "aXb\r\nsecond\rthird"),
        ((0, 2), (0, 2), "X", "utf-16", "aX😀b\r\nsecond\rthird"),  # mid surrogate pair rounds down
        ((1, 0), (1, 6), "2nd", "utf-16", "a😀b\r\n2nd\rthird"),  # CRLF and lone CR both end lines
        ((2, 99), (2, 99), "!", "utf-16", "a😀b\r\nsecond\rthird!"),  # past the end of the line
        ((99, 0), (120, 5), "\nmore", "utf-16", "a😀b\r\nsecond\rthird\nmore"),  # past the end of the text
        ((1, 3), (1, 1), "", "utf-16", "a😀b\r\nsond\rthird"),  # reversed range
        (None, None, "all new", "utf-16", "all new"),
    ],
)
def test_apply_change(
    start: tuple[int, int] | None, end: tuple[int, int] | None, new: str, encoding: str, expected: str
) -> None:
    assert apply_change(TEXT, start, end, new, encoding) == expected  # type: ignore[arg-type]


def test_offset_of_negative_line() -> None:
    assert offset_of(TEXT, -1, 5, "utf-16") == 0
