"""Helpers for runner tests: IR builders (docs/ir.md) and a recording sink."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from scriptum_lsp.emulator.runner import ResumeRequest, RunConfig, RunOutcome, StepRecord, run_thread

E = dict[str, Any]


def lit(v: Any) -> E:
    return {"lit": v}


def name(n: str) -> E:
    return {"name": n}


def get(e: E, field: str, safe: bool = False) -> E:
    return {"get": e, "field": field, "safe": safe}


def op(o: str, *args: E) -> E:
    return {"op": o, "args": list(args)}


def call(f: str, *args: E) -> E:
    return {"call": f, "args": list(args)}


def method(m: str, target: E, *args: E) -> E:
    return {"method": m, "target": target, "args": list(args)}


def lam(params: list[str], body: E) -> E:
    return {"lambda": params, "body": body}


def interp(*parts: str | list[str]) -> E:
    return {"interp": [p if isinstance(p, str) else {"path": p} for p in parts]}


def step(primitive: str, label: str | None = None, line: int = 1, **extra: Any) -> E:
    return {"path": "?", "primitive": primitive, "label": label, "line": line, **extra}


def let(bind: str, value: E, line: int = 1) -> E:
    return step("let", None, line, bind=bind, value=value)


def do(
    label: str, tool: str, bind: str | None = None, on_error: E | None = None, line: int = 1, **inputs: E
) -> E:
    return step("execute", label, line, tool=tool, inputs=inputs, on_error=on_error, bind=bind, stream=False)


def emit(**fields: E) -> E:
    return step("emit", None, fields=fields)


def check(
    label: str, cond: E | None, on_pass: E | None = None, on_fail: E | None = None, ask_llm: E | None = None
) -> E:
    return step(
        "evaluate",
        label,
        condition=cond,
        ask_llm=ask_llm,
        on_pass=on_pass or {"action": "continue"},
        on_fail=on_fail or {"action": "fail", "message": None},
    )


def section(title: str) -> E:
    return step("section", title)


def script(*steps: E, inputs: list[E] | None = None, on_error: list[E] | None = None, **extra: Any) -> E:
    return {
        "ir_version": 1,
        "script": {"name": "test", "description": "", "version": None},
        "imports": extra.pop("imports", []),
        "env": extra.pop("env", []),
        "inputs": inputs or [],
        "steps": list(steps),
        "on_thread_error": on_error or [],
        **extra,
    }


class Sink:
    """Records everything the runner reports; `on_start` lets a test react when a step starts."""

    def __init__(self, on_start: Callable[[StepRecord], None] | None = None) -> None:
        self.events: list[tuple[str, StepRecord]] = []
        self.yields: list[tuple[str | None, dict[str, Any]]] = []
        self.on_start = on_start
        self.started = asyncio.Event()

    async def step_started(self, record: StepRecord) -> None:
        self.events.append(("start", record))
        self.started.set()
        if self.on_start:
            self.on_start(record)

    async def step_finished(self, record: StepRecord) -> None:
        self.events.append(("end", record))

    async def yielded(self, label: str | None, value: dict[str, Any]) -> None:
        self.yields.append((label, value))

    @property
    def finished(self) -> list[StepRecord]:
        return [r for kind, r in self.events if kind == "end"]

    def trace(self) -> list[str]:
        """Finished records as `path primitive STATUS` lines (attempt shown when > 1)."""
        return [
            f"{r.path} {r.primitive} {r.status}" + (f" #{r.attempt}" if r.attempt > 1 else "")
            for r in self.finished
        ]

    def record(self, path: str) -> StepRecord:
        return [r for r in self.finished if r.path == path][-1]


FAST = RunConfig(retry_base_s=0.001, max_wait_s=0.05)


async def run(
    ir: E,
    data: dict[str, Any] | None = None,
    *,
    config: RunConfig = FAST,
    sink: Sink | None = None,
    resume: ResumeRequest | None = None,
) -> tuple[RunOutcome, Sink]:
    s = sink or Sink()
    outcome = await run_thread(ir, data or {}, config=config, sink=s, resume=resume)
    return outcome, s


async def value_of(
    expr: E, data: dict[str, Any] | None = None, inputs: list[E] | None = None, **kw: Any
) -> Any:
    """Evaluate one expression by running `let v = expr; emit v = v`."""
    outcome, _ = await run(script(let("v", expr), emit(v=name("v")), inputs=inputs), data, **kw)
    assert outcome.status == "COMPLETED", outcome.error
    assert outcome.output is not None
    return outcome.output["v"]


async def error_of(expr: E, data: dict[str, Any] | None = None, inputs: list[E] | None = None) -> str:
    outcome, _ = await run(script(let("v", expr), inputs=inputs), data)
    assert outcome.status == "PAUSED" and outcome.error is not None, outcome
    return str(outcome.error["message"])


def field(n: str, kind: str = "any", default: Any = None, required: bool | None = None) -> E:
    return {
        "name": n,
        "type": {"kind": kind},
        "required": (default is None) if required is None else required,
        "default": default,
        "constraints": [],
    }
