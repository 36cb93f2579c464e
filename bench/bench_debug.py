"""What the debugger's step hook costs the runner (issue: runs without a debugger must not get slower).

Run: `.venv/bin/python bench/bench_debug.py [--items N] [--rounds R]`. The same loop as bench_runner.py
(`each` of 3 steps per item), median of R rounds, for: no hook (every run without a debugger), a no-op hook,
and a debugger attached through the real Walker and Controller with breakpoints that never fire.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from bench_runner import CountingSink, compiled
from scriptum_lsp.debug.control import Controller
from scriptum_lsp.debug.driver import Callbacks, Walker
from scriptum_lsp.emulator.runner import RunConfig, run_thread
from scriptum_lsp.emulator.runner.model import StepEvent


def _noop(ev: StepEvent) -> None:
    return None


def _attached() -> Any:
    controller = Controller(step_lines=list(range(1, 40)))
    controller.set_breakpoints([{"line": 30}])  # a step line the loop never reaches
    walker = Walker(controller, Callbacks(lambda s: None, lambda t, c: None, lambda s, o, e: None))

    def hook(ev: StepEvent) -> None:
        if ev.phase == "before":
            depth = walker.enter(ev.key, ev.step)
            walker.decide(int(ev.step.get("line") or 0), depth, ev.evaluate)
        elif ev.phase == "after":
            walker.leave(ev.key)

    return hook


async def rate(ir: dict[str, Any], items: list[int], hook: Any) -> float:
    sink = CountingSink()
    start = time.perf_counter()
    await run_thread(ir, {"items": items}, config=RunConfig(step_hook=hook), sink=sink)
    return sink.steps / (time.perf_counter() - start)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ir = compiled("", "")
    items = list(range(args.items))
    for label, make in (
        ("no hook (no debugger)", lambda: None),
        ("no-op hook", lambda: _noop),
        ("debugger attached, no stop", _attached),
    ):
        rates = [await rate(ir, items, make()) for _ in range(args.rounds)]
        print(
            f"{label:<30} median {statistics.median(rates):>10,.0f} steps/s  (min {min(rates):,.0f}, "
            f"max {max(rates):,.0f}, {args.rounds} rounds)"
        )


if __name__ == "__main__":
    asyncio.run(main())
