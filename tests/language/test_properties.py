"""Property tests: random and mutated input never raises, diagnostics stay in the buffer, formatting is
idempotent and keeps the tree."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scriptum_lsp.language import analyze, compile_source, format_source, parse
from scriptum_lsp.language.formatter import _shape
from scriptum_lsp.language.lexer import split_lines

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.scriptum"))
TEXTS = [p.read_text(encoding="utf-8") for p in EXAMPLES]
FRAGMENTS = [
    "do ", "let ", "each ", "pipe ", "decide ", "check ", "with ", " -> ", "->>", " = ", ": ", "{", "}", "(", ")",
    "[", "]", '"', '"""', "\n", "\n  ", "\r\n", "\t", "--", "-- @accepts_extension pdf\n", "###", "|", ".", "?.",
    "??", "=>", "on error: retry\n", "on pass: goto \"X\"\n", "input\n", "output\n", "emit\n", "script \"S\"\n",
    "é", "😀", "\x00", "\\", "{x}", "when ", "otherwise", "together\n", "repeat\n", "until ", "wait ", "env(",
]  # fmt: skip
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_in_buffer(source: str) -> None:
    result = compile_source(source)
    lines = split_lines(source)
    for d in result.diagnostics:
        assert 1 <= d.line <= len(lines), d
        assert 1 <= d.col <= len(lines[d.line - 1]) + 1, d
        assert 1 <= d.end_line <= len(lines), d
        assert 1 <= d.end_col <= len(lines[d.end_line - 1]) + 1, d
        assert (d.end_line, d.end_col) >= (d.line, d.col), d
        assert d.source_line == lines[d.line - 1]
        assert d.severity in ("error", "warning", "info")
    assert result.success == (not any(d.severity == "error" for d in result.diagnostics))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "fragment"]))
        if op == "insert":
            text = text[:pos] + draw(st.text(max_size=5)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 30)) :]
        elif op == "duplicate":
            start = draw(st.integers(0, len(text)))
            text = text[:pos] + text[start : start + draw(st.integers(1, 60))] + text[pos:]
        else:
            text = text[:pos] + draw(st.sampled_from(FRAGMENTS)) + text[pos:]
    return text


@SETTINGS
@given(st.text(max_size=400))
def test_random_text_never_raises(source: str) -> None:
    assert_in_buffer(source)
    parse(source)
    format_source(source)


def assert_editor_facts_well_formed(source: str) -> None:
    """LSP invariants: tokens in the buffer and not overlapping; symbol selections inside their ranges."""
    a = analyze(source)
    lines = split_lines(source)
    prev = (-1, 0, 0)
    for line, col, length, kind, _mods in a.tokens:
        assert 0 <= line < len(lines) and length > 0 and col + length <= len(lines[line]), (line, col, length)
        assert (line, col) >= (prev[0], prev[1] + prev[2]) or line > prev[0], (prev, line, col)
        prev = (line, col, length)
        assert kind in ("keyword", "string", "number", "comment", "variable", "parameter", "function", "type",
                        "enumMember", "property", "operator", "namespace", "decorator")  # fmt: skip
    for start, end in a.folds:
        assert 0 <= start < end < len(lines)

    def walk(symbols: tuple[object, ...] | list[object], parent: object = None) -> None:
        for sym in symbols:
            span, sel = sym.span, sym.selection_span  # type: ignore[attr-defined]
            assert (span.start_line, span.start_col) <= (sel.start_line, sel.start_col), sym
            assert (sel.end_line, sel.end_col) <= (span.end_line, span.end_col), sym
            walk(sym.children, sym)  # type: ignore[attr-defined]

    walk(a.symbols)


@SETTINGS
@given(st.lists(st.sampled_from([*FRAGMENTS, "a", "b", "1", "x.y", "count(a)"]), max_size=60).map("".join))
def test_token_soup_never_raises(source: str) -> None:
    assert_in_buffer(source)
    assert_editor_facts_well_formed(source)
    a = analyze(source)
    for line in range(0, len(a.lines), 3):
        a.context_at(line, 2)
        a.names_visible_at(line, 2)
        a.tool_call_at(line, 2)


@SETTINGS
@given(mutated())
def test_mutated_examples(source: str) -> None:
    assert_in_buffer(source)
    assert_editor_facts_well_formed(source)
    once = format_source(source)
    twice = format_source(once)
    assert twice == once
    if once != source:
        assert _shape(parse(once)) == _shape(parse(source))


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_decoded_never_raise(data: bytes) -> None:
    assert_in_buffer(data.decode("utf-8", errors="replace"))
    assert_in_buffer(data.decode("latin-1"))


def test_formatting_is_idempotent_on_every_example() -> None:
    for text in TEXTS:
        assert_editor_facts_well_formed(text)
        once = format_source(text)
        assert format_source(once) == once
        assert _shape(parse(once)) == _shape(parse(text))
