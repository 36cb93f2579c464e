"""The formatter returns at once for a text it already found canonical, and only for such a text."""

from __future__ import annotations

import pytest

from scriptum_lsp.language import formatter

TEXT = 'script "F"\n\ninput\n  n : integer\n\nlet a = n + 1\n'


def test_canonical_text_is_remembered_and_returned_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert formatter.format_source(TEXT) == TEXT
    assert formatter.is_known_canonical(TEXT)

    def no_parse(_source: str) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(formatter, "parse", no_parse)
    assert formatter.format_source(TEXT) == TEXT


def test_a_text_that_changes_is_not_remembered() -> None:
    messy = TEXT.replace("let a = n + 1", "let   a=n+1")
    out = formatter.format_source(messy)
    assert out == TEXT
    assert not formatter.is_known_canonical(messy)
    broken = TEXT + "let = (\n"
    assert formatter.format_source(broken) == broken  # syntax errors: left alone, not remembered
    assert not formatter.is_known_canonical(broken)
