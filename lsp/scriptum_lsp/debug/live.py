"""A live debug run: the emulator's runner executes the compiled draft on its own thread, and its step hook
stops there. The interpreter's event loop is this run's own, so a stop blocks nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scriptum_lsp.emulator.runner import RunConfig, run_thread
from scriptum_lsp.emulator.runner.model import StepEvent, StepRecord

from .control import depth_of, encloses
from .driver import Stop, Walker

log = logging.getLogger(__name__)

# what a step "takes" before it runs, per IR primitive (docs/ir.md): shown in the Step scope
_INPUT_KEYS = {
    "let": ("value",),
    "iterate": ("source",),
    "pipe": ("source",),
    "evaluate": ("condition",),
    "wait": ("duration",),
    "emit": ("fields",),
    "yield": ("fields",),
    "send": ("fields",),
}


def _scopes(scope: Any) -> list[Any]:
    chain = []
    while scope is not None:
        chain.append(scope)
        scope = scope.parent
    return chain


def step_inputs(step: Mapping[str, Any], evaluate: Any) -> dict[str, Any]:
    """The step's input expressions evaluated in its scope (errors shown as text, never raised)."""
    exprs: dict[str, Any] = {}
    if isinstance(step.get("inputs"), Mapping):
        exprs.update(step["inputs"])
    for key in _INPUT_KEYS.get(str(step.get("primitive")), ()):
        value = step.get(key)
        if isinstance(value, Mapping) and key == "fields":
            exprs.update(value)
        elif value is not None:
            exprs[key] = value
    out: dict[str, Any] = {}
    for name, expr in exprs.items():
        if expr is None:
            continue
        try:
            out[str(name)] = evaluate(expr)
        except Exception as exc:
            out[str(name)] = f"<cannot evaluate: {exc}>"
    return out


class _Sink:
    """Yields and records go to the debug console; nothing is stored."""

    def __init__(self, run: LiveRun) -> None:
        self.run = run

    async def step_started(self, record: StepRecord) -> None:
        return None

    async def step_finished(self, record: StepRecord) -> None:
        if record.status == "SKIPPED" and record.error:
            self.run.walker.callbacks.output(f"step {record.path} failed, ignored: {record.error}", "console")

    async def yielded(self, label: str | None, value: dict[str, Any]) -> None:
        self.run.walker.callbacks.output(f"yield {label or ''}: {value}".replace(" :", ":"), "stdout")


@dataclass
class LiveRun:
    walker: Walker
    ir: dict[str, Any]
    inputs: dict[str, Any]
    env: Mapping[str, str] = field(default_factory=dict)
    allow_hosts: frozenset[str] | None = None
    thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _task: asyncio.Task[Any] | None = None
    _exception_key: str | None = None  # a failure or pause climbs through its enclosing steps: stop once

    def start(self) -> None:
        self.thread = threading.Thread(target=self._main, name="scriptum-debug-run", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        status, output, error = "FAILED", None, None
        try:
            status, output, error = asyncio.run(self._run())
        except asyncio.CancelledError:
            status, error = "CANCELLED", "terminated by the debugger"
        except Exception as exc:  # the runner never raises by contract; say so if it does
            log.exception("debug run crashed")
            status, error = "FAILED", f"internal error: {type(exc).__name__}: {exc}"
        self.walker.callbacks.ended(status, output, error)

    async def _run(self) -> tuple[str, Any, str | None]:
        self._loop = asyncio.get_running_loop()
        kwargs: dict[str, Any] = {"env": dict(self.env), "step_hook": self._hook, "thread_id": "debug"}
        if self.allow_hosts is not None:
            kwargs["allow_hosts"] = self.allow_hosts
        config = RunConfig(**kwargs)
        self._task = asyncio.current_task()
        try:
            outcome = await run_thread(self.ir, self.inputs, config=config, sink=_Sink(self))
        except asyncio.CancelledError:
            return "CANCELLED", None, "terminated by the debugger"
        error = None
        if outcome.error:
            error = str(outcome.error.get("message") or outcome.error)
        elif outcome.pause:
            error = f"paused at {outcome.pause.get('label') or outcome.pause.get('path')}"
        return outcome.status, outcome.output, error

    # -- the step hook (runs on the run's thread) ----------------------------------------------------
    def _hook(self, ev: StepEvent) -> None:
        w = self.walker
        if w.gate.terminated:
            raise asyncio.CancelledError
        if ev.phase == "before":
            self._exception_key = None
            depth = w.enter(ev.key, ev.step)
            decision = w.decide(int(ev.step.get("line") or 0), depth, ev.evaluate)
            if decision.reason is not None:
                self._stop(ev, decision.reason, depth, text=decision.text, ids=decision.breakpoint_ids)
            return
        if ev.phase == "after":
            w.leave(ev.key)
            return
        stop_here = w.controller.on_failure() if ev.phase == "failed" else w.controller.on_pause()
        seen = self._exception_key is not None and (
            self._exception_key == ev.key or encloses(ev.key, self._exception_key)
        )
        if stop_here and not seen:
            self._exception_key = ev.key
            depth = depth_of(ev.key, w.open_steps)
            reason_text = ev.error or (
                "the thread paused here" if ev.phase == "paused" else "the step failed"
            )
            self._stop(ev, "exception", depth, text=reason_text)
        w.leave(ev.key)

    def _stop(
        self, ev: StepEvent, reason: str, depth: int, *, text: str = "", ids: tuple[int, ...] = ()
    ) -> None:
        scope = ev.scope

        def bindings() -> list[tuple[str, Any]]:
            seen: dict[str, Any] = {}
            for s in _scopes(scope)[:-1]:  # the outermost scope holds the inputs
                for name, value in s.values.items():
                    seen.setdefault(name, value)
            return list(seen.items())

        def set_binding(name: str, value: Any) -> bool:
            for s in _scopes(scope)[:-1]:
                if name in s.values:
                    s.values[name] = value
                    return True
            return False

        def env() -> list[tuple[str, Any]]:
            out = []
            for decl in self.ir.get("env") or []:
                name = str(decl.get("name"))
                try:
                    out.append((name, ev.evaluate({"env": name, "default": None})))
                except Exception:
                    out.append((name, None))
            return out

        inputs = _scopes(scope)[-1].values if scope is not None else {}
        stop = Stop(
            reason=reason,
            key=ev.key,
            step=ev.step,
            depth=depth,
            frames=self.walker.frames_for(ev.key, ev.step),
            evaluate=ev.evaluate,
            bindings=bindings,
            inputs=inputs,
            env=env,
            set_binding=set_binding,
            error=ev.error,
            text=text,
            breakpoint_ids=ids,
        )
        if not self.walker.stop(stop):
            raise asyncio.CancelledError

    def terminate(self) -> None:
        self.walker.terminate()
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(task.cancel)

    def join(self, timeout: float = 5.0) -> bool:
        if self.thread is not None:
            self.thread.join(timeout)
            return not self.thread.is_alive()
        return True
