"""Where the code lenses go: the `script` header line."""

from __future__ import annotations

import pytest

from scriptum_lsp.server.codelens import script_line


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('script "A"\n', 0),
        ('-- @accepts_extension pdf\n\n  -- note\nscript "A"\nversion "1"\n', 3),
        ('\r\n\r\nscript "A"', 2),
        ('version "1"\nscript "A"\n', None),  # the header must come first
        ("", None),
        ('scripted "A"\n', None),
    ],
)
def test_script_line(text: str, line: int | None) -> None:
    assert script_line(text) == line
