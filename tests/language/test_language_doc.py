"""docs/language.md: its examples compile as fenced, citations of it resolve, and no doc points outside the repo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scriptum_lsp.language import compile_source

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "language.md"
BLOCK_RE = re.compile(r"^```(scriptum(?:-invalid)?)\n(.*?)^```$", re.M | re.S)
HEADING_RE = re.compile(r"^#{2,} (\d+(?:\.\d+)*)\. ", re.M)
CITE_RE = re.compile(r"(?:docs/)?language\.md §(\d+(?:\.\d+)?)")


def blocks() -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in BLOCK_RE.finditer(DOC.read_text(encoding="utf-8"))]


def cited_files() -> list[Path]:
    return sorted((ROOT / "lsp" / "scriptum_lsp").rglob("*.py")) + sorted((ROOT / "docs").glob("*.md"))


def test_the_doc_has_examples_of_both_kinds() -> None:
    kinds = {kind for kind, _ in blocks()}
    assert kinds == {"scriptum", "scriptum-invalid"}


@pytest.mark.parametrize(("kind", "source"), blocks(), ids=lambda v: v if v.startswith("scriptum") else "")
def test_example_compiles_as_fenced(kind: str, source: str) -> None:
    errors = [f"{d.line}: {d.message}" for d in compile_source(source).diagnostics if d.severity == "error"]
    if kind == "scriptum":
        assert not errors, f"a ```scriptum block gives errors: {errors}\n{source}"
    else:
        assert errors, f"a ```scriptum-invalid block compiles clean:\n{source}"


def test_citations_name_existing_sections() -> None:
    sections = set(HEADING_RE.findall(DOC.read_text(encoding="utf-8")))
    assert sections, "docs/language.md has no numbered headings"
    bad = [
        f"{path.relative_to(ROOT)}: §{number}"
        for path in cited_files()
        for number in CITE_RE.findall(path.read_text(encoding="utf-8"))
        if number not in sections
    ]
    assert not bad, f"citations of sections docs/language.md does not have: {bad}"


def test_there_are_citations_to_check() -> None:
    assert any(CITE_RE.search(p.read_text(encoding="utf-8")) for p in cited_files())


def test_no_path_outside_the_repo() -> None:
    files = [ROOT / "README.md", *(p for d in ("lsp", "docs") for p in (ROOT / d).rglob("*") if p.is_file())]
    bad = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if "/work/shared" in text or "../shared" in text:
            bad.append(str(path.relative_to(ROOT)))
    assert not bad, f"paths outside the repo in: {bad}"
