"""Following a thread to its end: watch with a polling fallback, cancellation, result rendering.

Nothing here knows LSP. The server passes a progress callback and turns a `RunOutcome` into a
notification, a document to show and a diagnostic; this module only talks to the API client.

How a thread is followed:

1. `WatchThread` (an NDJSON stream of thread snapshots) until a stopping status arrives;
2. if the stream is unavailable, breaks, or ends early, `GetThread` polling with exponential backoff
   (transient errors - unavailable, rate limited, timeout - are retried within the same backoff);
3. once the thread stopped, `GetThreadResult` supplies the output and the step summaries.

A thread *stops* when it is terminal (COMPLETED, FAILED, CANCELLED) or PAUSED: a paused test run waits for
input or for a resume after an error, which an editor run does not provide, so it is reported as is.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from scriptum_lsp.api.errors import ApiError, RateLimited, Timeout, Unavailable

log = logging.getLogger(__name__)

TERMINAL_STATUSES = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
STOPPED_STATUSES = TERMINAL_STATUSES | {"PAUSED"}
TRANSIENT_ERRORS: tuple[type[ApiError], ...] = (Unavailable, RateLimited, Timeout)


class ThreadApi(Protocol):
    """The part of `ScriptumClient` this module uses."""

    async def get_thread(self, thread_id: str) -> dict[str, Any]: ...

    async def cancel_thread(self, thread_id: str) -> dict[str, Any]: ...

    async def get_thread_result(self, thread_id: str) -> dict[str, Any]: ...

    def watch_thread(self, thread_id: str) -> AsyncIterator[dict[str, Any]]: ...


@dataclass(frozen=True)
class FollowPolicy:
    """Timing of the polling fallback; `max_transient_errors` bounds retries of transient failures."""

    use_watch: bool = True
    poll_initial: float = 0.1
    poll_max: float = 2.0
    backoff: float = 1.7
    max_transient_errors: int = 8
    cancel_grace: float = 10.0  # how long to wait for CANCELLED after CancelThread

    def delays(self) -> Iterator[float]:
        delay = self.poll_initial
        while True:
            yield delay
            delay = min(delay * self.backoff, self.poll_max)


@dataclass(frozen=True)
class StepSummary:
    path: str
    name: str
    primitive: str
    status: str
    error: str
    line: int | None  # 1-based script line, when known

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "name": self.name,
            "primitive": self.primitive,
            "status": self.status,
            "error": self.error or None,
            "line": self.line,
        }


@dataclass(frozen=True)
class RunOutcome:
    """What a finished (or paused) thread produced, in the shape the commands return."""

    thread_id: str
    status: str
    output: Any
    error: str | None
    duration_ms: int | None
    steps: tuple[StepSummary, ...] = ()
    thread: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failing_step(self) -> StepSummary | None:
        """The step that made the thread fail or pause with an error; None for a thread that did not.

        Among failed steps the one with an error text wins, then the deepest (a loop fails because a step
        of its body failed), then the last recorded.
        """
        if self.status not in ("FAILED", "PAUSED") or (self.status == "PAUSED" and not self.error):
            return None
        failed = [(i, s) for i, s in enumerate(self.steps) if s.status == "FAILED"]
        if failed:
            return max(failed, key=lambda f: (bool(f[1].error), len(f[1].path.split(".")), f[0]))[1]
        path = str(self.thread.get("currentStepPath") or "")
        return next((s for s in reversed(self.steps) if s.path == path), None) if path else None

    def to_json(self) -> dict[str, Any]:
        """The result of `scriptum.test` and the `scriptum/threadFinished` notification."""
        return {
            "threadId": self.thread_id,
            "status": self.status,
            "output": self.output,
            "error": self.error,
            "durationMs": self.duration_ms,
        }

    def render(self) -> str:
        """The run result as readable JSON text (what `scriptum/threadContent` returns)."""
        doc = {**self.to_json(), "steps": [s.to_json() for s in self.steps]}
        return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def normalize_status(raw: object) -> str:
    """`THREAD_STATUS_COMPLETED`, `completed`, `COMPLETED` -> `COMPLETED`; unknown -> `UNKNOWN`."""
    text = str(raw or "").strip().upper()
    for prefix in ("THREAD_STATUS_", "STEP_STATUS_"):
        text = text.removeprefix(prefix)
    return text or "UNKNOWN"


def thread_from_event(
    event: Mapping[str, Any], last: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """A thread snapshot from one WatchThread message, whatever its wrapping.

    A message carrying the whole thread (`{"thread": {...}}`, a SNAPSHOT or STATUS event) gives that thread;
    a step event gives the previous snapshot with the new status and current step; a bare thread is taken
    as is; grpc-gateway's `{"result": ...}` wrapper is removed. None for messages without a status (yields,
    heartbeats).
    """
    inner: Any = event
    if isinstance(inner.get("result"), Mapping) and "status" not in inner:
        inner = inner["result"]
    if isinstance(inner.get("thread"), Mapping):
        return dict(inner["thread"])
    if "status" not in inner:
        return None
    if "eventType" not in inner:
        return dict(inner)  # a bare thread message
    snapshot = {**(last or {}), "status": inner["status"]}
    step = inner.get("step")
    if isinstance(step, Mapping):
        snapshot["currentStepPath"] = step.get("stepPath", snapshot.get("currentStepPath", ""))
        snapshot["currentStepName"] = step.get("stepName", snapshot.get("currentStepName", ""))
    return snapshot


def is_stopped(thread: Mapping[str, Any]) -> bool:
    return normalize_status(thread.get("status")) in STOPPED_STATUSES


async def _close(stream: AsyncIterator[dict[str, Any]]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


async def _watch(
    api: ThreadApi, thread_id: str, on_update: Callable[[dict[str, Any]], None]
) -> dict[str, Any] | None:
    """Follow the watch stream; the stopping snapshot, or None when the stream gave up early."""
    stream = api.watch_thread(thread_id)
    last: dict[str, Any] | None = None
    try:
        async for event in stream:
            snapshot = thread_from_event(event, last)
            if snapshot is None:
                continue
            last = snapshot
            on_update(snapshot)
            if is_stopped(snapshot):
                return snapshot
    except ApiError as exc:
        log.info("watching thread %s failed (%s); polling instead", thread_id, exc)
    finally:
        await _close(stream)
    return None


async def _poll(
    api: ThreadApi, thread_id: str, on_update: Callable[[dict[str, Any]], None], policy: FollowPolicy
) -> dict[str, Any]:
    transient = 0
    for delay in policy.delays():
        try:
            thread = await api.get_thread(thread_id)
        except TRANSIENT_ERRORS as exc:
            transient += 1
            if transient > policy.max_transient_errors:
                raise
            log.info("polling thread %s: %s; retrying in %.1fs", thread_id, exc, delay)
        else:
            transient = 0
            on_update(thread)
            if is_stopped(thread):
                return thread
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


async def follow_thread(
    api: ThreadApi,
    thread_id: str,
    *,
    on_update: Callable[[dict[str, Any]], None] | None = None,
    policy: FollowPolicy | None = None,
) -> dict[str, Any]:
    """Wait until the thread stops; every snapshot seen goes to `on_update`. Returns the last snapshot.

    Cancelling the awaiting task stops following; it does not cancel the thread (see `cancel_and_settle`).
    """
    policy = policy or FollowPolicy()
    notify = on_update or (lambda _thread: None)
    if policy.use_watch:
        done = await _watch(api, thread_id, notify)
        if done is not None:
            # the stream's last message may be an event, not the whole thread: read the thread once
            try:
                final = await api.get_thread(thread_id)
            except TRANSIENT_ERRORS:
                return done
            if is_stopped(final):
                return final
    return await _poll(api, thread_id, notify, policy)


async def cancel_and_settle(
    api: ThreadApi, thread_id: str, policy: FollowPolicy | None = None
) -> dict[str, Any]:
    """CancelThread, then poll until the thread stopped (or the grace period ran out)."""
    policy = policy or FollowPolicy()
    try:
        await api.cancel_thread(thread_id)
    except ApiError as exc:  # e.g. UNIMPLEMENTED on some deployments: report the thread as it is
        log.warning("CancelThread %s failed: %s", thread_id, exc)
        return await api.get_thread(thread_id)
    try:
        async with asyncio.timeout(policy.cancel_grace):
            return await _poll(api, thread_id, lambda _t: None, policy)
    except TimeoutError:
        return await api.get_thread(thread_id)


def decode_output(result: Mapping[str, Any]) -> Any:
    """`outputData` (base64 bytes over HTTP) -> JSON value, else text; None when there is none."""
    raw = result.get("outputData", result.get("output"))
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        return raw
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        data = raw.encode("utf-8")
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def int_or_none(value: object) -> int | None:
    """An API integer (int64 arrives as a string) or None when absent, empty or not a number."""
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def duration_ms(thread: Mapping[str, Any]) -> int | None:
    """finished - started (or created), in milliseconds, when both are known."""
    start = int_or_none(thread.get("startedAtMs")) or int_or_none(thread.get("createdAtMs"))
    end = int_or_none(thread.get("finishedAtMs"))
    if not start or not end:  # an int64 zero means "not yet"
        return None
    return max(0, end - start)


def step_lines(ir: object) -> dict[str, int]:
    """Map every IR step path to its 1-based source line (see docs/ir.md: each step has `path` and `line`)."""
    lines: dict[str, int] = {}

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            path, line = node.get("path"), node.get("line")
            if isinstance(path, str) and isinstance(line, int) and "primitive" in node:
                lines.setdefault(path, line)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(ir)
    return lines


def parse_steps(result: Mapping[str, Any], lines: Mapping[str, int] | None = None) -> tuple[StepSummary, ...]:
    """Step summaries of GetThreadResult, with a script line from the step itself or from the IR map."""
    steps: list[StepSummary] = []
    for raw in result.get("steps") or ():
        if not isinstance(raw, Mapping):
            continue
        path = str(raw.get("stepPath") or raw.get("path") or "")
        line = int_or_none(raw.get("line"))
        if (line is None or line <= 0) and lines:
            line = lines.get(path)
        steps.append(
            StepSummary(
                path=path,
                name=str(raw.get("stepName") or raw.get("name") or raw.get("label") or ""),
                primitive=str(raw.get("primitive") or ""),
                status=normalize_status(raw.get("status")),
                error=str(raw.get("error") or ""),
                line=line if line and line > 0 else None,
            )
        )
    return tuple(steps)


async def outcome_of(
    api: ThreadApi, thread: Mapping[str, Any], *, lines: Mapping[str, int] | None = None
) -> RunOutcome:
    """Fetch the result of a stopped thread and build the outcome (a missing result is not an error)."""
    thread_id = str(thread.get("threadId") or thread.get("id") or "")
    try:
        result = await api.get_thread_result(thread_id)
    except ApiError as exc:
        log.info("GetThreadResult %s failed: %s", thread_id, exc)
        result = {}
    error = str(thread.get("error") or result.get("error") or "") or None
    return RunOutcome(
        thread_id=thread_id,
        status=normalize_status(thread.get("status")),
        output=decode_output(result),
        error=error,
        duration_ms=duration_ms(thread),
        steps=parse_steps(result, lines),
        thread=dict(thread),
    )


def progress_message(thread: Mapping[str, Any]) -> tuple[str, int | None]:
    """A one-line progress text and a percentage (when the total step count is known)."""
    status = normalize_status(thread.get("status")).lower()
    step = str(thread.get("currentStepName") or thread.get("currentStepPath") or "")
    total = int_or_none(thread.get("totalSteps"))
    done = int_or_none(thread.get("completedSteps"))
    percent = None
    if total and done is not None:
        percent = max(0, min(100, round(100 * done / total)))
    text = f"{status}: {step}" if step else status
    return text, percent
