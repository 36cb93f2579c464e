"""The examples that only use local tools and built-ins really run: compiled IR -> the emulator's runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scriptum_lsp.emulator.runner import RunConfig, StepRecord, run_thread
from scriptum_lsp.language import compile_source

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Sink:
    def __init__(self) -> None:
        self.yields: list[dict[str, Any]] = []

    async def step_started(self, record: StepRecord) -> None:
        return None

    async def step_finished(self, record: StepRecord) -> None:
        return None

    async def yielded(self, label: str | None, value: dict[str, Any]) -> None:
        self.yields.append(value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hello_echo", {"greeting": "HELLO, ADA!", "length": 11}),
        ("text_pipeline", {"lines": ["apples", "bananas", "apples", "cherries"], "distinct": 3,
                           "summary": "apples, bananas, cherries"}),
        ("json_report", {"paid_count": 2, "total": 19.75, "customers": ["ada", "cy"],
                         "report": '2 paid orders, 19.75 EUR; first: o1 | ["ada","cy"]'}),
        ("regex_scan", {"addresses": ["ada@example.com", "bob@Example.org", "ada@example.com"],
                        "domains": ["example.com", "example.org"], "count": 3}),
    ],
)  # fmt: skip
async def test_runnable_example(name: str, expected: dict[str, Any]) -> None:
    result = compile_source((EXAMPLES / f"{name}.scriptum").read_text(encoding="utf-8"))
    assert result.ir is not None
    data = json.loads((EXAMPLES / f"{name}.input.json").read_text(encoding="utf-8"))
    sink = Sink()
    outcome = await run_thread(result.ir, data, config=RunConfig(max_wait_s=0.01), sink=sink)
    assert outcome.status == "COMPLETED", outcome.error
    assert outcome.output == expected
    if name == "regex_scan":
        assert [y["index"] for y in sink.yields] == [0, 1, 2]
