"""CompileDiagnostic -> range, rendered as readable snapshots (1-based line:col in code points)."""

from __future__ import annotations

from typing import Any

import pytest

from scriptum_lsp.core.hints import suggestion
from scriptum_lsp.core.mapping import map_diagnostic, parse_severity, render, token_extent
from scriptum_lsp.core.text import split_lines

SRC = (
    'script "Demo"\n'
    "input\n"
    "\tname : text\n"
    "  do fetch with http_request(ur: input.source)\n"
    '  let s = "héllo 😀 {nme}" + 42.5\n'
    "  let 名前 = 中文 -> x\n"
)


def check(diag: dict[str, Any], expected: str | None, text: str = SRC) -> None:
    m = map_diagnostic(diag, split_lines(text))
    assert (render(m) if m else None) == expected


@pytest.mark.parametrize(
    ("diag", "expected"),
    [
        # identifier under the column, whole token
        ({"line": 4, "col": 30, "message": "unknown field 'ur' on http_request input", "hint": "did you mean 'url'?",
          "severity": "error", "sourceLine": "  do fetch with http_request(ur: input.source)"},
         "4:30-4:32 error unknown field 'ur' on http_request input (did you mean 'url'?)"),
        # column in the middle of an identifier extends both ways
        ({"line": 4, "col": 20, "message": "m", "severity": "warning"}, "4:17-4:29 warning m"),
        # tab counts as one code point
        ({"line": 3, "col": 2, "message": "m", "severity": "error"}, "3:2-3:6 error m"),
        # a string literal with non-ASCII and emoji
        ({"line": 5, "col": 11, "message": "m", "severity": "error"}, "5:11-5:26 error m"),
        # number and operator
        ({"line": 5, "col": 31, "message": "m", "severity": "error"}, "5:29-5:33 error m"),
        ({"line": 5, "col": 27, "message": "m", "severity": "error"}, "5:27-5:28 error m"),
        # CJK identifiers and a multi-char operator
        ({"line": 6, "col": 7, "message": "m", "severity": "error"}, "6:7-6:9 error m"),
        ({"line": 6, "col": 15, "message": "m", "severity": "error"}, "6:15-6:17 error m"),
        # whitespace: from the next token to the end of the line
        ({"line": 4, "col": 1, "message": "m", "severity": "error"}, "4:3-4:47 error m"),
        # line past the end: clamped to the last line (empty) -> empty range there
        ({"line": 99, "col": 1, "message": "m", "severity": "error"}, "7:1-7:1 error m"),
        # column past the end: the last token
        ({"line": 1, "col": 99, "message": "m", "severity": "error"}, "1:8-1:14 error m"),
        # line 0 / col 0 / negative are clamped to the first line
        ({"line": 0, "col": 0, "message": "m", "severity": "error"}, "1:1-1:7 error m"),
        ({"line": "2", "col": "1", "message": "m", "severity": "info"}, "2:1-2:6 information m"),
        # unknown severity -> warning; empty message gets a fallback
        ({"line": 2, "col": 1, "message": "", "severity": "catastrophic"}, "2:1-2:6 warning compile error"),
        ({"line": 2, "col": 1}, "2:1-2:6 warning compile error"),
    ],
)  # fmt: skip
def test_map(diag: dict[str, Any], expected: str) -> None:
    check(diag, expected)


def test_reanchors_on_nearest_equal_source_line() -> None:
    moved = "\n\n" + SRC  # the buffer moved down two lines since the compile
    diag = {"line": 4, "col": 30, "message": "m", "severity": "error",
            "sourceLine": "  do fetch with http_request(ur: input.source)"}  # fmt: skip
    check(diag, "6:30-6:32 error m", moved)


def test_drops_when_source_line_is_gone() -> None:
    diag = {
        "line": 4,
        "col": 3,
        "message": "m",
        "severity": "error",
        "sourceLine": "  something else entirely",
    }
    check(diag, None)


def test_source_line_with_crlf_and_trailing_space_matches() -> None:
    text = "a\r\nfoo bar  \r\nc"
    check(
        {"line": 2, "col": 5, "message": "m", "severity": "error", "sourceLine": "foo bar\r\n"},
        "2:5-2:8 error m",
        text,
    )


def test_nearest_of_several_equal_lines() -> None:
    text = "x\ny\nx\nz\nz\nx"
    check(
        {"line": 4, "col": 1, "message": "m", "severity": "error", "sourceLine": "x"}, "3:1-3:2 error m", text
    )


@pytest.mark.parametrize(
    ("hint", "fix"),
    [("did you mean 'url'?", "url"), ('Did you mean "name"?', "name"), ("did you mean `x_1`", "x_1"),
     ("did you mean: 'a'", "a"), ("did you mean ‘é’?", "é"), ("check the spelling", None), ("", None), (None, None)],
)  # fmt: skip
def test_suggestion(hint: str | None, fix: str | None) -> None:
    assert suggestion(hint) == fix


@pytest.mark.parametrize(
    ("value", "sev"),
    [("error", "error"), ("ERROR", "error"), ("warning", "warning"), ("warn", "warning"), ("info", "information"),
     ("hint", "hint"), ("SEVERITY_ERROR", "error"), ("bogus", "warning"), (None, "warning"), (3, "warning")],
)  # fmt: skip
def test_parse_severity(value: object, sev: str) -> None:
    assert parse_severity(value) == sev


@pytest.mark.parametrize(
    ("line", "col", "extent"),
    [("", 0, (0, 0)), ("   ", 1, (0, 3)), ("a -- comment", 3, (3, 12)), ('x = "unterminated', 6, (4, 17)),
     ('"a\\"b" c', 2, (0, 6)), ("a ->> b", 3, (2, 5))],
)  # fmt: skip
def test_token_extent(line: str, col: int, extent: tuple[int, int]) -> None:
    assert token_extent(line, col) == extent


@pytest.mark.parametrize(
    ("line", "message", "hint", "expected"),
    [
        ('  greeting = "hi {nme}"', "unknown name 'nme'", "did you mean 'name'?", "1:19-1:22"),
        ('  x = "{a.b} and {nme.x}"', "unknown name 'nme'", "", "1:19-1:22"),
        ('  x = "no such word here"', "unknown name 'zzz'", "", "1:7-1:26"),
        ("  x = nme + 1", "unknown name 'nme'", "did you mean 'name'?", "1:7-1:10"),
    ],
)
def test_string_tokens_narrow_to_the_quoted_name(line: str, message: str, hint: str, expected: str) -> None:
    col = line.index("=") + 3  # the token after `= `
    m = map_diagnostic({"line": 1, "col": col, "message": message, "hint": hint, "severity": "error"}, [line])
    assert m is not None
    assert render(m).split(" ")[0] == expected
