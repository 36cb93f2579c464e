"""docs/architecture.md lists every module of the package, so a newcomer finds any concern in one step."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "lsp" / "scriptum_lsp"


def test_every_module_is_in_the_architecture_doc() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [
        rel
        for rel in sorted(p.relative_to(PKG).as_posix() for p in PKG.rglob("*.py"))
        if f"`{rel}`" not in doc
    ]
    assert not missing, "add a row to docs/architecture.md for: " + ", ".join(missing)
