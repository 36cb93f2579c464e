"""One definition of durations: the checker, the API's `timeout` field, the runner and fault specs agree."""

from __future__ import annotations

import pytest

from scriptum_lsp.emulator.errors import ApiError
from scriptum_lsp.emulator.faults import FaultSpecError, _duration_ms
from scriptum_lsp.emulator.threads import parse_timeout
from scriptum_lsp.language import compile_source
from scriptum_lsp.language.durations import parse_ms

CASES = [
    ("250ms", 250.0), ("1.5s", 1500.0), ("5m", 300_000.0), ("2h", 7_200_000.0), ("1d", 86_400_000.0),
    (" 30s ", 30_000.0), ("5 m", 300_000.0), ("100", None), ("5x", None), ("", None), ("-1s", None), ("s", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "ms"), CASES)
def test_parse_ms(text: str, ms: float | None) -> None:
    assert parse_ms(text) == ms


@pytest.mark.parametrize(("text", "ms"), CASES)
def test_checker_accepts_exactly_the_durations(text: str, ms: float | None) -> None:
    source = f'script "T"\nwait "{text}"\n'
    errors = [d for d in compile_source(source).diagnostics if d.code == "duration"]
    assert bool(errors) == (ms is None)


@pytest.mark.parametrize(("text", "ms"), [c for c in CASES if c[0]])
def test_api_timeout_uses_the_same_units(text: str, ms: float | None) -> None:
    if ms is None or ms > 24 * 3_600_000:
        with pytest.raises(ApiError):
            parse_timeout(text)
    else:
        assert parse_timeout(text) == ms / 1000


def test_fault_specs_count_bare_numbers_in_ms() -> None:
    assert _duration_ms("200") == 200
    assert _duration_ms("2h") == 7_200_000
    with pytest.raises(FaultSpecError):
        _duration_ms("soon")
