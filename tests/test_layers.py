"""The layering rule of docs/architecture.md, enforced: core and language are pure, api knows no LSP."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "lsp" / "scriptum_lsp"

FORBIDDEN: dict[str, tuple[str, ...]] = {
    # pure layers: no IO libraries, no asyncio, no upper layers
    "core": ("asyncio", "httpx", "pygls", "lsprotocol", "socket", "sqlite3", "subprocess", "starlette",
             "scriptum_lsp.api", "scriptum_lsp.engine", "scriptum_lsp.server", "scriptum_lsp.emulator"),
    "language": ("asyncio", "httpx", "pygls", "lsprotocol", "socket", "sqlite3", "subprocess", "starlette",
                 "scriptum_lsp.core", "scriptum_lsp.api", "scriptum_lsp.engine", "scriptum_lsp.server",
                 "scriptum_lsp.emulator"),
    "api": ("pygls", "lsprotocol", "scriptum_lsp.engine", "scriptum_lsp.server"),
    "emulator": ("pygls", "lsprotocol", "scriptum_lsp.api", "scriptum_lsp.engine", "scriptum_lsp.server",
                 "scriptum_lsp.core"),
}  # fmt: skip


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports(layer: str) -> None:
    files = sorted((PKG / layer).rglob("*.py"))
    assert files, f"layer {layer} has no modules"
    bad = []
    for f in files:
        for mod in imported_modules(f):
            if any(mod == b or mod.startswith(b + ".") for b in FORBIDDEN[layer]):
                bad.append(f"{f.relative_to(PKG)} imports {mod}")
    assert not bad, "\n".join(bad)
