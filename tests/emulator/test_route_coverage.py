"""Every gateway route of the app is exercised by at least one test of this folder (over real HTTP)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scriptum_lsp.emulator.app import ADMIN_ROUTES, ROUTES

SOURCES = "\n".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(r"[^/\"'?\s]+".join(re.escape(p) for p in parts) + r"(?=[\"'?\s)]|$)", re.M)


@pytest.mark.parametrize(
    ("path", "method", "rpc"), [(p, m, r) for p, m, r, _h, _pub in (*ROUTES, *ADMIN_ROUTES)]
)
def test_route_is_exercised(path: str, method: str, rpc: str) -> None:
    assert _pattern(path).search(SOURCES), f"{rpc} ({method} {path}) has no test"


def test_pattern_is_strict() -> None:
    assert _pattern("/v1/scriptum/scripts/{name}/draft").search('x "/v1/scriptum/scripts/a/draft" y')
    assert not _pattern("/v1/scriptum/scripts/{name}/draft").search('"/v1/scriptum/scripts/a/draft/test"')
