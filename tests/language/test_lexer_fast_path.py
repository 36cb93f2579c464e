"""The lexer's fast path (one `findall` per line) gives exactly the tokens of the reference token pattern."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scriptum_lsp.language.compiler import compile_source
from scriptum_lsp.language.lexer import _TOKEN_RE, Token, split_lines, tokenize

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.scriptum"))
PIECES = [
    "do", "let", "x1", "_a", " ", "  ", "\t", "\u00a0", "\ufeff", "\x0b", "\f", "1", "1.5", "2e10", "1.5E-3",
    "\u0663", "²", "-", "--", "-->", "->", "->>", "=>", "?.", "??", "==", "!=", "<=", ">=", "=", "<", ">", "!",
    "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "|", "@", "?", "+", "*", "/", "%", '"', '""', '"a b"',
    '"a\\"b"', '"a\\\\"', '"\\', "\\", "'", "`", "#", "$", "é", "😀", "\x00", "é1",
]  # fmt: skip


def reference(line: str, i: int = 0) -> list[Token]:
    """Tokens of one line by the named-group pattern (the lexer's general path), whitespace dropped."""
    out: list[Token] = []
    pos = 0
    while pos < len(line):
        m = _TOKEN_RE.match(line, pos)
        assert m is not None
        kind = m.lastgroup or "bad"
        if kind != "ws":
            out.append(Token(kind, m.group(), i, pos, i, m.end()))
        pos = m.end()
    return out


def fast(line: str) -> list[Token]:
    assert '"""' not in line and "###" not in line  # those lines take other paths
    return tokenize([line])[0]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_fast_path_matches_reference_on_token_soup(line: str) -> None:
    assume('"""' not in line and "###" not in line)
    assert fast(line) == reference(line)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=60)
)
def test_fast_path_matches_reference_on_any_text(line: str) -> None:
    assume('"""' not in line and "###" not in line)
    assert fast(line) == reference(line)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_fast_path_matches_reference_on_examples(path: Path) -> None:
    lines = split_lines(path.read_text(encoding="utf-8"))
    rows = tokenize(lines)
    for i, line in enumerate(lines):
        if '"""' in line or "###" in line or (i and '"""' in lines[i - 1]):
            continue
        if any(t.line != i for t in rows[i]):
            continue  # the rest of a multi-line string's closing line
        assert rows[i] == reference(line, i)


@pytest.mark.parametrize("char", ["²", "½", "①"])
def test_digit_like_characters_are_bad_characters_not_numbers(char: str) -> None:
    # these were lexed as numbers and crashed the parser in int(); now they are reported like any stray char
    assert [t.kind for t in fast(char)] == ["bad"]
    diags = compile_source(f'script "S"\nlet x = {char}\n').diagnostics
    assert [d.message for d in diags] == [f"unexpected character {char!r}"]
