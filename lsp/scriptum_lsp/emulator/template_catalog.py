"""Read-only templates served by ListTemplates/GetTemplate and used by CreateScript `fromTemplate`."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from scriptum_lsp.emulator.store import EMPTY_CONTRACT


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    description: str
    category: str
    tags: tuple[str, ...]
    source: str

    @functools.cached_property
    def contract(self) -> dict[str, Any]:
        try:
            from scriptum_lsp.language import compile_source

            return dict(compile_source(self.source).contract)
        except ImportError:  # pragma: no cover
            return dict(EMPTY_CONTRACT)

    def info(self, *, with_source: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "tags": list(self.tags),
            "contract": self.contract,
        }
        if with_source:
            out["dslContent"] = self.source
        return out


_META = re.compile(r"^--\s*@template\s+(\w+)\s*:\s*(.*)$")


def _load(tid: str, text: str) -> Template:
    meta: dict[str, str] = {}
    kept: list[str] = []
    for line in text.splitlines(keepends=True):
        m = _META.match(line.strip())
        if m:
            meta[m.group(1)] = m.group(2).strip()
        else:
            kept.append(line)
    return Template(
        id=tid,
        name=meta.get("name", tid.replace("_", " ").title()),
        description=meta.get("description", ""),
        category=meta.get("category", "core"),
        tags=tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip()),
        source="".join(kept),
    )


@functools.cache
def _templates() -> dict[str, Template]:
    folder = resources.files("scriptum_lsp.emulator") / "templates"
    out: dict[str, Template] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".scriptum"):
            tid = entry.name.removesuffix(".scriptum")
            out[tid] = _load(tid, entry.read_text(encoding="utf-8"))
    return out


def all_templates() -> list[Template]:
    return list(_templates().values())


def ids() -> list[str]:
    return list(_templates())


def get(tid: str) -> Template | None:
    return _templates().get(tid)
