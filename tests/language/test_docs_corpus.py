"""The docs corpus: every whole Scriptum program of the reference docs compiles as the docs say it should.

Fixtures live in tests/fixtures/docs/, one per example (see docs/fidelity.md §Docs corpus). Line 1 of each is
`-- source: <doc>, section "<heading>", line <N>`; an example the docs call invalid has a second line
`-- expect: <substring of the error it must give>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from scriptum_lsp.language import compile_source

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "docs"
FIDELITY = ROOT / "docs" / "fidelity.md"
FILES = sorted(FIXTURES.glob("*.scriptum"))

SOURCE_RE = re.compile(r'^-- source: (?P<doc>[\w-]+\.md), section "(?P<section>[^"]+)", line (?P<line>\d+)$')
EXPECT_RE = re.compile(r"^-- expect: (?P<expect>\S.*)$")


@dataclass(frozen=True)
class Fixture:
    path: Path
    text: str
    doc: str
    section: str
    line: int
    expect: str | None


def load(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    source = SOURCE_RE.match(lines[0])
    assert source, f'{path.name}: line 1 must be `-- source: <doc>, section "<heading>", line <N>`'
    expect = EXPECT_RE.match(lines[1]) if len(lines) > 1 else None
    return Fixture(
        path=path,
        text=text,
        doc=source["doc"],
        section=source["section"],
        line=int(source["line"]),
        expect=expect["expect"].strip() if expect else None,
    )


def slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def test_the_corpus_is_not_empty() -> None:
    assert FILES, f"no fixtures in {FIXTURES}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_is_named_after_its_source(path: Path) -> None:
    fixture = load(path)
    assert path.stem == f"{fixture.doc.removesuffix('.md')}-{slug(fixture.section)}"
    assert fixture.line > 0


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_docs_example_compiles_as_documented(path: Path) -> None:
    fixture = load(path)
    errors = [d for d in compile_source(fixture.text).diagnostics if d.severity == "error"]
    rendered = [f"{d.line}: {d.message}" for d in errors]
    if fixture.expect is None:
        assert not errors, f"{path.name} ({fixture.doc} §{fixture.section}) is valid in the docs: {rendered}"
    else:
        assert errors, f"{path.name}: the docs call it invalid ({fixture.expect!r}), but it compiles"
        assert all(fixture.expect in d.message for d in errors), (
            f"{path.name}: only {fixture.expect!r} is documented, got {rendered}"
        )


def corpus_section() -> str:
    text = FIDELITY.read_text(encoding="utf-8")
    match = re.search(r"^## Docs corpus\n(?P<body>.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, "docs/fidelity.md has no '## Docs corpus' section"
    return match["body"]


def table_rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "example file" or set(cells[0]) <= {"-", ":"}:
            continue
        rows.append(cells)
    return rows


def count(section: str, name: str) -> int:
    match = re.search(rf"^- {name}: (\d+)$", section, re.M)
    assert match, f"docs/fidelity.md §Docs corpus gives no count '{name}'"
    return int(match[1])


def test_fidelity_table_matches_the_fixtures() -> None:
    section = corpus_section()
    rows = table_rows(section)
    assert rows, "docs/fidelity.md §Docs corpus has no table rows"
    examples = {row[0].strip("`"): row[2] for row in rows if row[0] not in {"", "—", "-"}}
    fixtures = {p.name: load(p) for p in FILES}
    missing = sorted(set(examples) - set(fixtures))
    assert not missing, f"docs/fidelity.md lists fixtures that do not exist: {missing}"
    assert len(FILES) >= len(examples)
    for name, verdict in examples.items():
        expect = fixtures[name].expect
        if expect is None:
            assert verdict == "compiles clean", f"{name}: table says {verdict!r}, fixture expects no error"
        else:
            assert verdict.startswith("invalid as documented") and expect in verdict, (
                f"{name}: table says {verdict!r}, fixture expects {expect!r}"
            )
    fragments = [row for row in rows if row[0] in {"", "—", "-"}]
    assert all(row[2].startswith("fragment, left out: ") for row in fragments)
    clean = sum(1 for v in examples.values() if v == "compiles clean")
    assert count(section, "blocks examined") == len(rows)
    assert count(section, "examples taken") == len(examples)
    assert count(section, "compiled clean") == clean
    assert count(section, "invalid as documented") == len(examples) - clean
    assert count(section, "fragments") == len(fragments)
