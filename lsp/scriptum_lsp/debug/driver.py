"""What both kinds of session share: a stop (where, why, what is in scope) and the gate a run waits at."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .control import Controller, Decision, FrameInfo, depth_of, frames


@dataclass
class Stop:
    reason: str  # DAP stopped reason: breakpoint | step | pause | entry | exception
    key: str
    step: Mapping[str, Any]
    depth: int
    frames: list[FrameInfo]
    evaluate: Callable[[Any], Any]
    bindings: Callable[[], list[tuple[str, Any]]]  # innermost first, each name once
    inputs: Mapping[str, Any]
    env: Callable[[], list[tuple[str, Any]]]
    set_binding: Callable[[str, Any], bool] | None = None  # None: read-only (replay)
    output: Any = None
    has_output: bool = False
    error: str | None = None
    text: str = ""
    breakpoint_ids: tuple[int, ...] = ()
    recorded_input: Any = None  # replay: the step's recorded input
    has_recorded_input: bool = False

    @property
    def line(self) -> int:
        return int(self.step.get("line") or 0)


@dataclass
class Callbacks:
    stopped: Callable[[Stop], None]
    output: Callable[[str, str], None]  # (text, category)
    ended: Callable[[str, Any, str | None], None]  # (status, output, error text)


class Gate:
    """A run thread waits here while stopped; the session releases it (resume) or ends it (terminate)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._released = False
        self.terminated = False

    def wait(self) -> bool:
        """Block until released; False when the session was terminated meanwhile."""
        with self._cond:
            while not self._released and not self.terminated:
                self._cond.wait(0.5)
            self._released = False
            return not self.terminated

    def release(self) -> None:
        with self._cond:
            self._released = True
            self._cond.notify_all()

    def terminate(self) -> None:
        with self._cond:
            self.terminated = True
            self._cond.notify_all()


@dataclass
class Walker:
    """The common part of live runs and replays: track open steps, ask the controller, stop, wait."""

    controller: Controller
    callbacks: Callbacks
    gate: Gate = field(default_factory=Gate)
    open_steps: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    current: Stop | None = None
    stop_on_entry: bool = False
    _entered: bool = False

    def enter(self, key: str, step: Mapping[str, Any]) -> int:
        depth = depth_of(key, self.open_steps)
        self.open_steps[key] = step
        return depth

    def leave(self, key: str) -> None:
        self.open_steps.pop(key, None)

    def frames_for(self, key: str, step: Mapping[str, Any]) -> list[FrameInfo]:
        others = {k: v for k, v in self.open_steps.items() if k != key}
        return frames(key, step, others)

    def decide(self, line: int, depth: int, evaluate: Callable[[Any], Any]) -> Decision:
        decision = self.controller.before_step(line, depth, evaluate)
        for text in decision.logs:
            self.callbacks.output(text, "console")
        if not self._entered:
            self._entered = True
            if self.stop_on_entry and decision.reason is None:
                return Decision("entry")
        return decision

    def stop(self, stop: Stop) -> bool:
        """Report `stop` and wait for the session. False when terminated."""
        self.current = stop
        self.callbacks.stopped(stop)
        ok = self.gate.wait()
        self.current = None
        return ok

    # -- session side -----------------------------------------------------------------------------------
    def resume(self, mode: str) -> None:
        depth = self.current.depth if self.current is not None else 0
        self.controller.resume(mode, depth)
        self.gate.release()

    def pause(self) -> None:
        self.controller.pause_requested = True

    def terminate(self) -> None:
        self.gate.terminate()
