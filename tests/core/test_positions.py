"""Code points <-> UTF-8/16/32 columns, and line splitting."""

from __future__ import annotations

import pytest

from scriptum_lsp.core.positions import cp_to_units, units_len, units_to_cp
from scriptum_lsp.core.text import line_starts, offset_at, position_at, split_lines

LINE = "a\té😀中b"  # 1, 1, 2-byte, astral (2 UTF-16 units, 4 bytes), CJK (3 bytes), 1


@pytest.mark.parametrize(
    ("col", "utf16", "utf8", "utf32"),
    [(0, 0, 0, 0), (1, 1, 1, 1), (2, 2, 2, 2), (3, 3, 4, 3), (4, 5, 8, 4), (5, 6, 11, 5), (6, 7, 12, 6),
     (7, 7, 12, 6), (-3, 0, 0, 0)],
)  # fmt: skip
def test_cp_to_units(col: int, utf16: int, utf8: int, utf32: int) -> None:
    assert cp_to_units(LINE, col, "utf-16") == utf16
    assert cp_to_units(LINE, col, "utf-8") == utf8
    assert cp_to_units(LINE, col, "utf-32") == utf32


@pytest.mark.parametrize(
    ("units", "encoding", "cp"),
    [(0, "utf-16", 0), (3, "utf-16", 3), (4, "utf-16", 3), (5, "utf-16", 4), (7, "utf-16", 6), (99, "utf-16", 6),
     (3, "utf-8", 2), (5, "utf-8", 3), (8, "utf-8", 4), (9, "utf-8", 4), (12, "utf-8", 6),
     (4, "utf-32", 4), (99, "utf-32", 6), (-1, "utf-8", 0)],
)  # fmt: skip
def test_units_to_cp(units: int, encoding: str, cp: int) -> None:
    assert units_to_cp(LINE, units, encoding) == cp  # type: ignore[arg-type]


def test_units_len() -> None:
    assert (units_len(LINE, "utf-8"), units_len(LINE, "utf-16"), units_len(LINE, "utf-32")) == (12, 7, 6)


@pytest.mark.parametrize(
    ("text", "lines"),
    [("", [""]), ("a", ["a"]), ("a\n", ["a", ""]), ("a\r\nb", ["a", "b"]), ("a\rb\r", ["a", "b", ""]),
     ("a\r\r\nb", ["a", "", "b"]), ("a\u2028b\x0cc", ["a\u2028b\x0cc"]), ("\n\n", ["", "", ""])],
)  # fmt: skip
def test_split_lines(text: str, lines: list[str]) -> None:
    assert split_lines(text) == lines
    assert len(line_starts(text)) == len(lines)


def test_offsets_round_trip_with_crlf_and_lone_cr() -> None:
    text = "ab\r\ncd\ref\ngh"
    assert [position_at(text, o) for o in (0, 2, 4, 6, 7, 10, 12, 99)] == [
        (0, 0), (0, 2), (1, 0), (1, 2), (2, 0), (3, 0), (3, 2), (3, 2)
    ]  # fmt: skip
    assert offset_at(text, 1, 1) == 5
    assert offset_at(text, 1, 50) == 6
    assert offset_at(text, 9, 0) == len(text)
    assert offset_at(text, -1, 0) == 0
