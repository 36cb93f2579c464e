"""Hover, definition and completion answer from the previous analysis of a document, with positions
mapped through the edit, instead of waiting for the new text to be analysed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from scriptum_lsp.language.analysis import analyze
from scriptum_lsp.server.local import Analyses, Doc

URI = "file:///w/a.scriptum"
TEXT = """script "A"

input
  n : integer

output
  total : integer

let a = n + 1
let b = a + 2

emit
  total = b
"""


def server(text: str) -> Any:
    ls = SimpleNamespace(
        engine=SimpleNamespace(docs={URI: SimpleNamespace(text=text)}, position_encoding="utf-16")
    )
    ls.analyses = Analyses(ls)  # type: ignore[arg-type]
    return ls


def test_one_current_analysis_per_document_built_from_the_previous() -> None:
    ls = server(TEXT)
    first = ls.analyses.of(URI, TEXT)
    edited = TEXT.replace("n + 1", "n + 10")
    second = ls.analyses.of(URI, edited)
    assert second.incremental and ls.analyses.current == {URI: second}
    assert ls.analyses.of(URI, edited) is second and first is not second
    ls.engine.docs.clear()
    ls.analyses.of("file:///w/other.scriptum", TEXT)
    assert ls.analyses.current == {}  # closed documents are dropped


def test_definition_after_lines_were_added_maps_through_the_edit() -> None:
    ls = server(TEXT)
    ls.analyses.of(URI, TEXT)
    edited = TEXT.replace("let a = n + 1\n", "-- new\n\nlet a = n + 1\n")
    doc = Doc(ls, URI, edited)
    line = edited.splitlines().index("let b = a + 2")
    hit = doc.reference_at(line, len("let b = "), definition=True)
    assert hit is not None
    assert doc._analysis is None  # answered from the previous analysis
    fresh = analyze(edited).reference_at(line, len("let b = "))
    assert fresh is not None and hit[0].name == "a" and hit[1] == fresh[0].definition
    # the cursor on a changed line: the current text is analysed
    hit2 = doc.reference_at(line - 2, 0)
    assert doc._analysis is not None and hit2 is None


def test_completion_on_the_changed_line_sees_its_current_text() -> None:
    ls = server(TEXT)
    ls.analyses.of(URI, TEXT)
    edited = TEXT.replace("let b = a + 2", "let b = a.")
    doc = Doc(ls, URI, edited)
    line = edited.splitlines().index("let b = a.")
    a, aline, mapped = doc.answering(line, patch_line=True)
    assert doc._analysis is None and mapped is None and aline == line
    assert a.context_at(line, len("let b = a.")).kind == "field-access"
