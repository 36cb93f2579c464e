"""The one snapshot helper of the language tests: `check(source, expected)`."""

from __future__ import annotations

import textwrap

from scriptum_lsp.language import compile_source

HEADER = 'script "T"\n'


def render(source: str) -> str:
    """Every diagnostic of `source` as `line:col-end_line:end_col severity message (hint)`, one per line."""
    result = compile_source(source)
    return "\n".join(d.render() for d in result.diagnostics)


def check(source: str, expected: str) -> None:
    """Compile `source` (dedented) and compare its diagnostics with the `expected` snapshot (dedented)."""
    src = textwrap.dedent(source).lstrip("\n")
    want = textwrap.dedent(expected).strip("\n")
    got = render(src)
    assert got == want, f"\n--- expected\n{want}\n--- got\n{got}\n--- source\n{src}"
