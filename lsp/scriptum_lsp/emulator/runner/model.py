"""Public data types of the thread runner (see docs/runtime.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})

STEP_STATUSES = ("RUNNING", "COMPLETED", "FAILED", "SKIPPED", "PAUSED", "CANCELLED")


@dataclass(frozen=True)
class StepRecord:
    """One execution (attempt) of one step. `path` is the instance path (docs/runtime.md "Step paths")."""

    path: str
    primitive: str
    label: str | None
    line: int
    status: str  # "RUNNING" | "COMPLETED" | "FAILED" | "SKIPPED" | "PAUSED" | "CANCELLED"
    tool: str | None
    input: Any
    output: Any
    error: str | None
    started_at_ms: int
    finished_at_ms: int | None
    attempt: int


class RunSink(Protocol):
    async def step_started(self, record: StepRecord) -> None: ...
    async def step_finished(self, record: StepRecord) -> None: ...
    async def yielded(self, label: str | None, value: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class RunOutcome:
    status: str  # "COMPLETED" | "FAILED" | "PAUSED"
    output: dict[str, Any] | None
    error: dict[str, Any] | None  # {"message", "step", "path", "line", "tool", "code"}
    pause: (
        dict[str, Any] | None
    )  # {"path", "kind": "ask" | "error", "label", "prompt", "options", "type", "line"}
    state: dict[str, Any]  # JSON-serialisable checkpoint, the input of a resume


@dataclass(frozen=True)
class StepEvent:
    """What a step hook sees (docs/runtime.md "Step hook").

    `phase`: "before" (about to run; the hook may block here, which pauses the thread), "after" (finished
    COMPLETED, with `output`), "failed" (with `error`, before the failure is handled), "paused" (an `ask` or an
    error pause). `key` is the instance path (`3.1.0`, `2#1` for a re-visit). `scope` is the interpreter's
    `Scope` of the step (bindings, loop variables, inputs); `evaluate(expr_ir)` evaluates an IR expression
    in it and raises `ExprError` on a runtime error.
    """

    phase: str
    key: str
    step: Mapping[str, Any]
    scope: Any
    evaluate: Callable[[Any], Any]
    output: Any = None
    error: str | None = None


StepHook = Callable[[StepEvent], None]


@dataclass(frozen=True)
class RunConfig:
    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    allow_hosts: frozenset[str] = LOOPBACK_HOSTS
    http_timeout_s: float = 10.0
    max_steps: int = 100_000
    thread_id: str = ""  # shown to `on thread error` handlers as thread.id
    retry_base_s: float = 0.05  # on error: retry N backs off retry_base_s * 2**(attempt-1)
    max_wait_s: float = 1.0  # `wait` and `sleep` durations are honoured up to this cap
    # called synchronously between steps (a debugger); None costs one attribute test per step
    step_hook: StepHook | None = None


@dataclass(frozen=True)
class ResumeRequest:
    state: dict[str, Any]
    override: Any | None = None  # stepInputOverride, already parsed from JSON


class ResumeError(ValueError):
    """The resume request cannot be applied (not a paused state, or the override breaks the ask contract)."""
