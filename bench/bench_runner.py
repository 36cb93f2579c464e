"""Throughput of the local thread runner (scriptum_lsp.emulator.runner) on compiled scripts.

Run: `.venv/bin/python bench/bench_runner.py [--items N]`. Prints steps/second for a sequential `each` whose
body has three steps (let, echo, let) and for the same loop with `parallel 8`, with a sink that only counts,
plus the cost of a pause + resume (checkpoint replay) in the middle of the loop. Target: >= 10,000 steps/s
sequential on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from scriptum_lsp.emulator.runner import ResumeRequest, RunConfig, StepRecord, run_thread
from scriptum_lsp.language import compile_source

SCRIPT = """\
script "Bench"

input
  items : list<integer>

import tools
  echo from native

each x, i in items{parallel}
  let doubled = x * 2
  do "Echo {{i}}" with echo
    message = "item {{i}}: {{doubled}}"
  -> said
  let size = count(said.message)
-> sizes

{pause}
emit
  total = sum(sizes)
"""


class CountingSink:
    def __init__(self) -> None:
        self.steps = 0

    async def step_started(self, record: StepRecord) -> None:
        pass

    async def step_finished(self, record: StepRecord) -> None:
        self.steps += 1

    async def yielded(self, label: str | None, value: dict[str, Any]) -> None:
        pass


def compiled(parallel: str, pause: str) -> dict[str, Any]:
    result = compile_source(SCRIPT.format(parallel=parallel, pause=pause))
    assert result.success and result.ir is not None, result.error
    return result.ir


async def measure(label: str, ir: dict[str, Any], items: list[int]) -> None:
    sink = CountingSink()
    start = time.perf_counter()
    outcome = await run_thread(ir, {"items": items}, config=RunConfig(), sink=sink)
    elapsed = time.perf_counter() - start
    assert outcome.status in ("COMPLETED", "PAUSED"), outcome.error
    print(f"{label:<28} {sink.steps:>8} steps in {elapsed:6.3f}s = {sink.steps / elapsed:>10,.0f} steps/s")
    if outcome.status == "PAUSED":
        state = json.loads(json.dumps(outcome.state))
        size = len(json.dumps(state))
        start = time.perf_counter()
        resumed = await run_thread(
            ir, {}, config=RunConfig(), sink=CountingSink(), resume=ResumeRequest(state, {"value": "ok"})
        )
        elapsed = time.perf_counter() - start
        assert resumed.status == "COMPLETED", resumed.error
        print(
            f"{'  resume (replay)':<28} checkpoint {size / 1024:,.0f} KiB, replay+finish in {elapsed:6.3f}s"
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=5000)
    args = parser.parse_args()
    items = list(range(args.items))
    await measure("each (sequential)", compiled("", ""), items)
    await measure("each parallel 8", compiled(" parallel 8", ""), items)
    ask = 'ask "Go on?"\n  prompt = "continue?"\n-> go\n'
    await measure("each + ask pause", compiled("", ask), items)


if __name__ == "__main__":
    asyncio.run(main())
