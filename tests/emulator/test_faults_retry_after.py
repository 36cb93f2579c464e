"""`Retry-After` on injected rate-limit errors (429 / RESOURCE_EXHAUSTED), over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from scriptum_lsp.emulator.faults import DEFAULT_RETRY_AFTER_MS, FaultSpecError, parse_rule
from tests.emulator.conftest import assert_error
from tests.support.emulator import running_emulator

RATE_LIMIT_FAULTS = [
    "ListScripts=status=429",
    "ListTools=error=RESOURCE_EXHAUSTED,retry-after=2500ms",
    "GetScript=error=429,retry-after=0",
    "ListTemplates=error=503",
]


def test_rate_limit_faults_carry_retry_after(tmp_path: Path) -> None:
    args = [a for spec in RATE_LIMIT_FAULTS for a in ("--fault", spec)]
    with running_emulator(tmp_path, extra_args=args) as emu, emu.client("o") as c:
        r = c.get("/v1/scriptum/scripts")
        assert_error(r, 429, 8)
        assert r.headers["retry-after"] == "1"  # the default, 1 s
        r = c.get("/v1/scriptum/tools")
        assert_error(r, 429, 8)
        assert r.headers["retry-after"] == "3"  # whole seconds, rounded up
        r = c.get("/v1/scriptum/scripts/x")
        assert_error(r, 429, 8)
        assert "retry-after" not in r.headers  # retry-after=0 sends none
        r = c.get("/v1/scriptum/templates")
        assert r.status_code == 503
        assert "retry-after" not in r.headers  # only the rate-limit class


@pytest.mark.parametrize(
    ("text", "ms", "header"),
    [
        ("X=status=429", DEFAULT_RETRY_AFTER_MS, {"Retry-After": "1"}),
        ("X=status=429,retry-after=5", 5000, {"Retry-After": "5"}),
        ("X=error=RESOURCE_EXHAUSTED,retry_after=1.2s", 1200, {"Retry-After": "2"}),
        ("X=status=429,retry-after=0", 0, {}),
        ("X=error=503,retry-after=5", 5000, {}),
    ],
)
def test_parse_retry_after(text: str, ms: int, header: dict[str, str]) -> None:
    rule = parse_rule(text)
    assert rule.retry_after_ms == ms
    assert rule.headers() == header
    assert rule.to_json()["retryAfterMs"] == ms


def test_parse_retry_after_rejects_garbage() -> None:
    with pytest.raises(FaultSpecError, match="invalid duration"):
        parse_rule("X=status=429,retry-after=soon")
