"""format_source: canonical layout, idempotent, never changes meaning, leaves broken text alone."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scriptum_lsp.language import format_source, parse
from scriptum_lsp.language.formatter import _shape

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.scriptum"))


def fmt(source: str) -> str:
    return format_source(textwrap.dedent(source).lstrip("\n"))


def test_canonical_layout() -> None:
    messy = """
    -- @accepts_extension .PDF,txt
    script   "Messy"
    Some   description  text.
    version 0.1.0



    enum Level:integer=1|2
    input
        a:text   length(1,5)  -- why
        b : list < text > max_items( 3 )= ["x","y"]
        m : map<text,number> = {}
    import tools
        echo   from native
    -- about the body
    do "Echo"   with echo
          message="{a}"+  "x"
          on error :retry 2
          -> r
    let c=-count(b)*2
    let d = not(c>3)and true
    each x,i in b parallel 2
       let y = x[0]  -- trailing
       -- inner comment
    emit "Done"
       ok={ a: 1, b : [1,2] }
    """
    assert fmt(messy) == textwrap.dedent(
        """\
        -- @accepts_extension .PDF,txt
        script "Messy"
        Some   description  text.
        version 0.1.0

        enum Level : integer = 1 | 2
        input
          a : text length(1, 5)  -- why
          b : list<text> max_items(3) = ["x", "y"]
          m : map<text, number> = {}
        import tools
          echo from native
        -- about the body
        do "Echo" with echo
          message = "{a}" + "x"
          on error: retry 2
        -> r
        let c = -count(b) * 2
        let d = not (c > 3) and true
        each x, i in b parallel 2
          let y = x[0]  -- trailing
          -- inner comment
        emit "Done"
          ok = { a: 1, b: [1, 2] }
        """
    )


def test_brace_dialect_is_reindented() -> None:
    src = 'script "B" {\ninput { a: text }\neach x in [1] {\nlet y = x\n   } -> ys\n}\n'
    assert (
        format_source(src)
        == 'script "B" {\n  input { a: text }\n  each x in [1] {\n    let y = x\n  } -> ys\n}\n'
    )


def test_multiline_strings_and_continuations() -> None:
    src = 'script "M"\nlet a = """line one\n   keep   this\n"""\nlet b = [1,\n    2,\n  3]\n'
    assert format_source(src) == 'script "M"\nlet a = """line one\n   keep   this\n"""\nlet b = [1, 2, 3]\n'


def test_line_endings_and_trailing_whitespace() -> None:
    assert (
        format_source('script "W"   \r\nlet a = 1\t\r\n\r\n\r\n\r\nlet b = 2')
        == 'script "W"\nlet a = 1\n\nlet b = 2\n'
    )


@pytest.mark.parametrize(
    "source",
    [
        'script "X"\nlet a = (1 +\n',
        "let a = 1\n",
        'script "X"\ndo "A" with\n',
        'script "X" {\n',
        'script "X"\nlet a = "x\n',
    ],
)
def test_syntax_errors_leave_text_alone(source: str) -> None:
    assert format_source(source) == source


def test_semantic_errors_are_still_formatted() -> None:
    assert format_source('script "X"\nlet a=nope\n') == 'script "X"\nlet a = nope\n'


def test_minus_minus_is_never_glued_into_a_comment() -> None:
    out = format_source('script "X"\ninput\n  n : integer\nlet a = - -n\nlet b = 1 - -n\n')
    assert "--" not in out
    assert _shape(parse(out)) == _shape(
        parse('script "X"\ninput\n  n : integer\nlet a = - -n\nlet b = 1 - -n\n')
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_are_canonical_and_idempotent(path: Path) -> None:
    src = path.read_text(encoding="utf-8")
    out = format_source(src)
    assert out == src
    assert format_source(out) == out
