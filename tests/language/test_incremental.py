"""Incremental analysis equals a full analysis: random edits of the examples, chained as an editor sends
them, analysed with the previous analysis and from scratch, must agree on the tree, the diagnostics and
every derived fact."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scriptum_lsp.language.analysis import Analysis, analyze
from scriptum_lsp.language.lexer import split_lines

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.scriptum"))
TEXTS = [p.read_text(encoding="utf-8") for p in EXAMPLES]
PIECES = [
    "x", "1", " ", "  ", "do ", "let y = ", "each ", "decide ", "check ", "with ", " -> ", "->", " = ", ": ", "{",
    "}", "(", ")", "[", "]", '"', '"""', "--", "-- @x", "###", ".", "?.", "??", "=>", "on error: retry",
    "on pass: continue", "input", "output", "emit", 'script "S"', "version", "enum E = A | B", "é", "\\", "{x}",
    "when ", "otherwise", "together", "until ", "env(", "count(", "\n", "\n  ", "\t",
]  # fmt: skip
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same(inc: Analysis, full: Analysis) -> None:
    assert inc.source == full.source
    assert inc.parse == full.parse
    assert inc.diagnostics == full.diagnostics
    assert inc.symbols == full.symbols
    assert inc.folds == full.folds
    assert inc.tokens == full.tokens
    assert inc.bindings == full.bindings
    assert inc.imported_tools == full.imported_tools
    assert inc.env_keys == full.env_keys
    assert inc.enums == full.enums
    assert inc.lines == full.lines
    assert inc.facts.resolved == full.facts.resolved


@st.composite
def edit(draw: st.DrawFn, text: str) -> str:
    """Replace a few characters of one line (most edits keep the line count, as typing does)."""
    lines = split_lines(text)
    i = draw(st.integers(0, len(lines) - 1))
    line = lines[i]
    a = draw(st.integers(0, len(line)))
    b = draw(st.integers(a, min(len(line), a + 8)))
    piece = draw(st.sampled_from(PIECES)) if draw(st.booleans()) else draw(st.text(max_size=3))
    lines[i] = line[:a] + piece + line[b:]
    return "\n".join(lines)


@SETTINGS
@given(st.data())
def test_chained_edits_match_full_analysis(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(TEXTS))
    prev = analyze(text)
    for _ in range(data.draw(st.integers(1, 5))):
        text = data.draw(edit(text))
        inc = analyze(text, prev)
        assert_same(inc, analyze(text))
        prev = inc


def _doc(steps: int) -> str:
    parts = ['script "Big"\n\ninput\n  n : integer\n\noutput\n  total : integer\n']
    for i in range(steps):
        parts.append(
            f'\ndo "Step {i}" with echo\n  text = "v{{n}}"\n-> r_{i}\n\nlet k_{i} = count([r_{i}])\n'
        )
    parts.append("\nemit\n  total = n\n")
    return "".join(parts)


def test_typing_inside_a_step_reparses_only_that_step() -> None:
    text = _doc(30)
    prev = analyze(text)
    lines = split_lines(text)
    i = lines.index("let k_12 = count([r_12])")
    for word in ("count([r_12]) + 1", "count([r_12]) + n", "count([r_1])", "count([r_12]"):
        lines[i] = f"let k_12 = {word}"
        new = "\n".join(lines)
        inc = analyze(new, prev)
        assert_same(inc, analyze(new))
        # an unbalanced bracket may swallow the next lines: that one must take the full parse
        assert inc.incremental == (not word.endswith("]")), word
        prev = inc


def test_edits_outside_a_step_take_the_full_parse() -> None:
    text = _doc(5)
    prev = analyze(text)
    for old, new in (("n : integer", "m : integer"), ('script "Big"', 'script "Bag"')):
        changed = text.replace(old, new)
        inc = analyze(changed, prev)
        assert not inc.incremental
        assert_same(inc, analyze(changed))
    assert analyze(text, prev) is prev
