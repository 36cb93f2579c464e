"""CompileDiagnostic -> range and fix, as readable snapshots (1-based line:col in code points).

Every case uses only the fields the API documents (line, col, message, hint, severity, sourceLine) unless it
says otherwise. The buffer of most cases is the seed's script with its step on line 12, indented by four spaces
(tests/fixtures/seed/my_pipeline.scriptum); the seed's literal diagnostic is SEED below."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scriptum_lsp.core.hints import suggestion
from scriptum_lsp.core.mapping import (
    error_diagnostic,
    map_diagnostic,
    map_diagnostics,
    parse_severity,
    render,
    token_extent,
)
from scriptum_lsp.core.text import split_lines

BUFFER = (Path(__file__).parents[1] / "fixtures" / "seed" / "my_pipeline.scriptum").read_text(
    encoding="utf-8"
)
LINES = split_lines(BUFFER)
STEP = "do fetch_data with http_request(ur: input.source)"

# the seed's CompileScriptDraft diagnostic, byte for byte
SEED: dict[str, Any] = {
    "line": 12,
    "col": 5,
    "message": "unknown field 'ur' on http_request input",
    "hint": "did you mean 'url'?",
    "severity": "error",
    "sourceLine": " do fetch_data with http_request(ur: input.source)",
}
UR = "12:37-12:39 error unknown field 'ur' on http_request input (did you mean 'url'?) -> fix 'url'"


def snap(diag: dict[str, Any], lines: list[str] = LINES, *, exact: bool = True) -> str | None:
    m = map_diagnostic(diag, lines, exact=exact)
    return render(m) if m else None


def seed(**changes: Any) -> dict[str, Any]:
    out = {**SEED, **changes}
    return {k: v for k, v in out.items() if v is not None}


def test_the_buffer_is_the_seed_case() -> None:
    assert LINES[11] == "    " + STEP


@pytest.mark.parametrize(
    ("case", "diag", "expected"),
    [
        ("seed literal: col at the step, sourceLine with other indentation", SEED, UR),
        ("sourceLine equal to the buffer line", seed(sourceLine="    " + STEP), UR),
        ("sourceLine re-indented with a tab", seed(sourceLine="\t" + STEP), UR),
        ("sourceLine with repeated inner blanks", seed(sourceLine="do  fetch_data with   http_request(ur: input.source)  "), UR),
        ("sourceLine missing", seed(sourceLine=None), UR),
        ("sourceLine empty", seed(sourceLine=""), UR),
        ("col at the token", seed(col=37), UR),
        ("col off by the indentation (counted on the stripped line)", seed(col=33), UR),
        ("col 0", seed(col=0), UR),
        ("col negative", seed(col=-3), UR),
        ("col past the end", seed(col=400), UR),
        ("col missing", seed(col=None), UR),
        ("int32 fields as strings", seed(line="12", col="5"), UR),
        ("int32 as float string", seed(line="12.0", col=" 5 "), UR),
        ("line 0 re-anchored by sourceLine", seed(line=0), UR),
        ("line negative re-anchored by sourceLine", seed(line=-7), UR),
        ("line past the end re-anchored by sourceLine", seed(line=99), UR),
        ("line off by one re-anchored by sourceLine", seed(line=11), UR),
        ("severity upper case", seed(severity="ERROR"), UR),
        ("severity enum name", seed(severity="SEVERITY_ERROR"), UR),
        ("severity missing", seed(severity=None), UR.replace(" error ", " warning ")),
        ("severity unknown", seed(severity="catastrophic"), UR.replace(" error ", " warning ")),
        ("warning", seed(severity="warning"), UR.replace(" error ", " warning ")),
        ("no hint: range, no fix", seed(hint=None), "12:37-12:39 error unknown field 'ur' on http_request input"),
        ("hint without a suggestion: no fix", seed(hint="see the http_request docs"),
         "12:37-12:39 error unknown field 'ur' on http_request input (see the http_request docs)"),
        ("name quoted in double quotes", seed(message='unknown field "ur" on http_request input'),
         '12:37-12:39 error unknown field "ur" on http_request input (did you mean \'url\'?) -> fix \'url\''),
        ("tool quoted too: the name like the suggestion wins", seed(message="unknown field 'ur' on 'http_request' input"),
         "12:37-12:39 error unknown field 'ur' on 'http_request' input (did you mean 'url'?) -> fix 'url'"),
        ("message names nothing: token at the col, no fix", seed(message="unknown field on http_request input"),
         "12:5-12:7 error unknown field on http_request input (did you mean 'url'?)"),
        ("message names nothing, col at the token: no fix", seed(message="unknown field", col=37),
         "12:37-12:39 error unknown field (did you mean 'url'?)"),
        ("quoted name not on the line: token at the col, no fix", seed(message="unknown field 'uri'"),
         "12:5-12:7 error unknown field 'uri' (did you mean 'url'?)"),
        ("message names nothing, col in the indentation: the step", seed(message="bad step", hint=None, col=2),
         "12:5-12:54 error bad step"),
        ("message names nothing, col past the end: the step", seed(message="bad step", hint=None, col=80),
         "12:5-12:54 error bad step"),
        ("message names nothing, col 0: the step", seed(message="bad step", hint=None, col=0),
         "12:5-12:54 error bad step"),
        ("dotted name", seed(message="unknown field 'input.source'", hint="did you mean 'input.sources'?"),
         "12:41-12:53 error unknown field 'input.source' (did you mean 'input.sources'?) -> fix 'input.sources'"),
        ("suggestion equal to the token: no fix", seed(hint="did you mean 'ur'?"),
         "12:37-12:39 error unknown field 'ur' on http_request input (did you mean 'ur'?)"),
        ("empty message gets a fallback", {"line": 12, "col": 5}, "12:5-12:7 warning compile error"),
    ],
    ids=lambda v: v if isinstance(v, str) and not v[:1].isdigit() else "",
)  # fmt: skip
def test_seed_variants(case: str, diag: dict[str, Any], expected: str) -> None:
    assert snap(diag) == expected, case


def test_line_past_the_end_without_source_line_is_the_last_non_blank_line() -> None:
    assert snap({"line": 40, "col": 1, "message": "m", "severity": "error"}) == "13:1-13:2 error m"


def test_line_zero_and_negative_without_source_line_are_line_one() -> None:
    assert snap({"line": 0, "col": 1, "message": "m", "severity": "error"}) == "1:1-1:79 error m"
    assert snap({"line": -2, "col": "x", "message": "m", "severity": "error"}) == "1:1-1:79 error m"


def test_edited_meanwhile_exact_keeps_the_reported_line() -> None:
    edited = LINES.copy()
    edited[11] = "    do fetch_data with http_request(ur: input.url)"
    # the compile was for exactly this text (sourceLine is only a display copy): keep it
    assert snap(SEED, edited) == UR
    # an older compile: the line changed under it -> dropped
    assert snap(SEED, edited, exact=False) is None


def test_edited_meanwhile_lines_moved_is_re_anchored() -> None:
    moved = ["", "-- two new lines", *LINES]
    assert snap(SEED, moved, exact=False) == UR.replace("12:", "14:")


def test_two_equal_lines_the_nearest_wins() -> None:
    lines = ["x = 1", "y", "x = 1", "z", "z", "x = 1"]
    d = {"line": 4, "col": 1, "message": "unknown name 'x'", "severity": "error", "sourceLine": "x = 1"}
    assert snap(d, lines) == "3:1-3:2 error unknown name 'x'"


def test_the_occurrence_nearest_the_column_wins() -> None:
    lines = ["  let a = ur + ur"]
    d = {
        "line": 1,
        "col": 15,
        "message": "unknown name 'ur'",
        "hint": "did you mean 'url'?",
        "severity": "error",
    }
    assert snap(d, lines) == "1:16-1:18 error unknown name 'ur' (did you mean 'url'?) -> fix 'url'"


def test_code_wins_over_a_comment() -> None:
    lines = ["  do x with http_request(ur: 1) -- ur is wrong"]
    d = {
        "line": 1,
        "col": 40,
        "message": "unknown field 'ur'",
        "hint": "did you mean 'url'?",
        "severity": "error",
    }
    assert snap(d, lines) == "1:26-1:28 error unknown field 'ur' (did you mean 'url'?) -> fix 'url'"


def test_name_inside_a_string_interpolation() -> None:
    lines = ['  greeting = "hi {nme}"']
    d = {
        "line": 1,
        "col": 14,
        "message": "unknown name 'nme'",
        "hint": "did you mean 'name'?",
        "severity": "error",
    }
    assert snap(d, lines) == "1:19-1:22 error unknown name 'nme' (did you mean 'name'?) -> fix 'name'"


@pytest.mark.parametrize(
    ("case", "line", "col", "expected"),
    [
        # 😀 is 1 code point, 2 UTF-16 units, 4 UTF-8 bytes: any count of the column still finds 'ur'
        ("code points", '  do a with http_request(label: "😀", ur: 1)', 38, "1:38-1:40"),
        ("utf-16 units", '  do a with http_request(label: "😀", ur: 1)', 39, "1:38-1:40"),
        ("utf-8 bytes", '  do a with http_request(label: "😀", ur: 1)', 41, "1:38-1:40"),
        ("col at the step", '  do a with http_request(label: "😀", ur: 1)', 3, "1:38-1:40"),
        ("tab indentation", "\t\tdo a with http_request(ur: 1)", 3, "1:26-1:28"),
        ("CJK before the token", "  do 取得 with http_request(ur: 1)", 4, "1:27-1:29"),
    ],
)
def test_units_tabs_astral(case: str, line: str, col: int, expected: str) -> None:
    d = {
        "line": 1,
        "col": col,
        "message": "unknown field 'ur'",
        "hint": "did you mean 'url'?",
        "severity": "error",
    }
    got = snap(d, [line])
    assert got is not None and got.split(" ")[0] == expected, case
    assert got.endswith("-> fix 'url'")


def test_crlf_buffer_and_source_line() -> None:
    text = BUFFER.replace("\n", "\r\n")
    assert snap(seed(sourceLine=" " + STEP + "\r\n"), split_lines(text)) == UR


def test_precise_span_of_our_own_compiler_is_used_when_present() -> None:
    # endLine/endCol are not documented for the cloud; used when present (our compiler sends them)
    d = {**seed(col=37, sourceLine="    " + STEP), "endLine": 12, "endCol": 39}
    assert snap(d) == UR
    multi = {
        "line": 9,
        "col": 20,
        "endLine": 13,
        "endCol": 2,
        "message": "unbalanced block",
        "severity": "error",
    }
    assert snap(multi) == "9:20-13:2 error unbalanced block"
    # a precise span over several words gets no fix
    wide = {**seed(message="bad input", col=36, sourceLine="    " + STEP), "endLine": 12, "endCol": 53}
    assert snap(wide) == "12:36-12:53 error bad input (did you mean 'url'?)"


def test_failed_compile_promotes_missing_severity_to_error() -> None:
    no_sev = seed(severity=None)
    assert [render(m) for m in map_diagnostics([no_sev], LINES, failed=True)] == [UR]
    assert [render(m) for m in map_diagnostics([no_sev], LINES, failed=False)] == [
        UR.replace(" error ", " warning ")
    ]
    both = [
        seed(severity=None),
        seed(severity="error", line=9, col=1, sourceLine=None, message="bad 'script'"),
    ]
    assert [m.severity for m in map_diagnostics(both, LINES, failed=True)] == ["warning", "error"]


def test_map_diagnostics_skips_non_objects() -> None:
    assert [render(m) for m in map_diagnostics([SEED, "junk", 3, None], LINES)] == [UR]  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("type error in step fetch_data", "12:5-12:54 error type error in step fetch_data"),
        ('type error in step "fetch_data"', '12:5-12:54 error type error in step "fetch_data"'),
        ("type error in step nowhere", "1:1-1:79 error type error in step nowhere"),
        ("syntax error", "1:1-1:79 error syntax error"),
        ("", "1:1-1:79 error compile failed"),
    ],
)
def test_top_level_error(error: str, expected: str) -> None:
    assert render(error_diagnostic(error, LINES)) == expected


def test_top_level_error_on_a_quoted_step_label() -> None:
    lines = ['script "x"', 'do "Fetch rates" with http_request', '  url = "u"']
    assert render(error_diagnostic('failed in step "Fetch rates"', lines)) == (
        '2:1-2:35 error failed in step "Fetch rates"'
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
     ("hint", "hint"), ("SEVERITY_ERROR", "error"), ("bogus", None), (None, None), (3, None)],
)  # fmt: skip
def test_parse_severity(value: object, sev: str | None) -> None:
    assert parse_severity(value) == sev


@pytest.mark.parametrize(
    ("line", "col", "extent"),
    [("", 0, (0, 0)), ("   ", 1, (3, 3)), ("  a -- comment", 5, (2, 14)), ('x = "unterminated', 6, (4, 17)),
     ('"a\\"b" c', 2, (0, 6)), ("a ->> b", 3, (2, 5)), ("  ab cd  ", 1, (2, 7)), ("  ab cd", 9, (2, 7)),
     ("  ab cd", -1, (2, 7))],
)  # fmt: skip
def test_token_extent(line: str, col: int, extent: tuple[int, int]) -> None:
    assert token_extent(line, col) == extent
