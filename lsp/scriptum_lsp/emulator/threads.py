"""Threads: runner tasks owned by the app, their records in the store, and live events for WatchThread.

Each thread runs as an asyncio task in the event loop that served the request that started it (uvicorn's loop,
or the host program's loop when the app runs in-process through httpx.ASGITransport).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scriptum_lsp.emulator import render
from scriptum_lsp.emulator.errors import bad_request, failed_precondition
from scriptum_lsp.emulator.store import Store, now_ms
from scriptum_lsp.emulator.wire import enum_name, int64
from scriptum_lsp.language.durations import parse_ms

if TYPE_CHECKING:
    from scriptum_lsp.emulator.runner import StepRecord

log = logging.getLogger("scriptum_lsp.emulator")

STOPPED = frozenset({"COMPLETED", "FAILED", "CANCELLED", "PAUSED"})
MAX_TIMEOUT_S = 24 * 3600
WATCH_POLL_S = 2.0  # a watch re-reads the thread after this long without events


def new_thread_id() -> str:
    return f"thr_{secrets.token_hex(8)}"


def parse_timeout(text: str) -> float | None:
    """A duration (`"5m"`, `"1h"`, `"30s"`, `"1.5s"`, `"250ms"`; language/durations.py) -> seconds; "" -> None."""
    if not text:
        return None
    ms = parse_ms(text)
    if ms is None:
        raise bad_request(
            f"invalid timeout {text!r}: use a duration such as 30s, 5m or 1h",
            [("timeout", "invalid duration")],
        )
    seconds = ms / 1000
    if seconds <= 0 or seconds > MAX_TIMEOUT_S:
        raise bad_request("timeout must be between 1ms and 24h", [("timeout", "out of range")])
    return seconds


class EventHub:
    """In-memory fan-out of thread events to WatchThread streams, numbered per thread."""

    def __init__(self) -> None:
        self._subs: dict[str, set[asyncio.Queue[tuple[int, dict[str, Any]]]]] = {}
        self._seq: dict[str, int] = {}

    def subscribe(self, thread_id: str) -> asyncio.Queue[tuple[int, dict[str, Any]]]:
        q: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
        self._subs.setdefault(thread_id, set()).add(q)
        return q

    def unsubscribe(self, thread_id: str, q: asyncio.Queue[tuple[int, dict[str, Any]]]) -> None:
        subs = self._subs.get(thread_id)
        if subs is not None:
            subs.discard(q)
            if not subs:
                del self._subs[thread_id]

    def seq(self, thread_id: str) -> int:
        return self._seq.get(thread_id, 0)

    def forget(self, thread_id: str) -> None:
        """Drop the counter of a thread that will send no more events (subscribers keep their queues)."""
        self._seq.pop(thread_id, None)

    def publish(self, thread_id: str, event: dict[str, Any]) -> None:
        seq = self._seq.get(thread_id, 0) + 1
        self._seq[thread_id] = seq
        for q in list(self._subs.get(thread_id, ())):
            q.put_nowait((seq, event))


def _record_dict(record: StepRecord) -> dict[str, Any]:
    # shallow on purpose: step inputs and outputs can be large, and they are serialised right away
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    return dict(vars(record))


class _Sink:
    """RunSink writing step records and yields to the store and publishing them as events."""

    def __init__(self, manager: ThreadManager, thread_id: str) -> None:
        self._m = manager
        self._tid = thread_id

    async def step_started(self, record: StepRecord) -> None:
        rec = _record_dict(record)
        seq = self._m.store.add_step(self._tid, rec)
        self._m.event(
            self._tid,
            "STEP_STARTED",
            status="RUNNING",
            step=render.step_summary({**rec, "seq": seq, "error": rec.get("error") or ""}),
        )

    async def step_finished(self, record: StepRecord) -> None:
        rec = _record_dict(record)
        seq = self._m.store.finish_step(self._tid, rec)
        self._m.event(
            self._tid,
            "STEP_FINISHED",
            status="RUNNING",
            step=render.step_summary({**rec, "seq": seq, "error": rec.get("error") or ""}),
        )

    async def yielded(self, label: str | None, value: dict[str, Any]) -> None:
        seq, at = self._m.store.add_yield(self._tid, label, value)
        self._m.event(
            self._tid,
            "YIELD",
            status="RUNNING",
            yieldedValue=render.yielded({"seq": seq, "label": label, "value": value, "at_ms": at}),
        )


class ThreadManager:
    """Starts, cancels and resumes runner tasks; the store holds every record."""

    def __init__(self, store: Store, *, allow_hosts: frozenset[str] = frozenset()) -> None:
        self.store = store
        self.allow_hosts = allow_hosts
        self.hub = EventHub()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._cancel_reason: dict[str, tuple[str, str]] = {}
        self._callbacks: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> int:
        return len(self._tasks)

    def event(self, thread_id: str, kind: str, **payload: Any) -> None:
        status = payload.pop("status", None)
        if status is None:
            with contextlib.suppress(Exception):
                status = self.store.get_thread_status(thread_id)
        self.hub.publish(
            thread_id,
            {
                "threadId": thread_id,
                "eventType": enum_name("THREAD_EVENT_TYPE", kind),
                "status": enum_name("THREAD_STATUS", status),
                "timestampMs": int64(now_ms()),
                **payload,
            },
        )

    def _status_event(self, org: str, thread_id: str) -> None:
        t = self.store.get_thread(org, thread_id)
        self.event(thread_id, "STATUS", status=t["status"], thread=render.thread(t))
        if t["status"] in ("COMPLETED", "FAILED", "CANCELLED"):
            self.hub.forget(thread_id)
            if t["callback_url"]:
                task = asyncio.get_running_loop().create_task(self._callback(t))
                self._callbacks.add(task)
                task.add_done_callback(self._callbacks.discard)

    async def _callback(self, t: dict[str, Any]) -> None:
        """POST the finished thread to its callbackUrl, if the host is one the emulator may reach."""
        import httpx

        from scriptum_lsp.emulator.runner import LOOPBACK_HOSTS

        url = str(t["callback_url"])
        host = urlsplit(url).hostname or ""
        if host not in (LOOPBACK_HOSTS | self.allow_hosts):
            log.warning(
                "thread %s: not calling callbackUrl on %s (host not allowed; see --allow-host)",
                t["thread_id"],
                host,
            )
            return
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                await client.post(url, json=render.thread(t))
        except httpx.HTTPError as exc:
            log.warning("thread %s: callbackUrl failed: %s", t["thread_id"], exc)

    def start(
        self,
        org: str,
        thread_id: str,
        *,
        ir: dict[str, Any],
        input_data: dict[str, Any],
        env: Mapping[str, str],
        timeout_s: float | None,
        resume_state: dict[str, Any] | None = None,
        override: Any = None,
        resuming: bool = False,
    ) -> None:
        from scriptum_lsp.emulator.runner import ResumeRequest, RunConfig

        config = RunConfig(env=dict(env))
        if any(f.name == "thread_id" for f in dataclasses.fields(config)):
            config = dataclasses.replace(config, thread_id=thread_id)
        if self.allow_hosts:
            config = dataclasses.replace(config, allow_hosts=frozenset(config.allow_hosts) | self.allow_hosts)
        resume = ResumeRequest(state=resume_state or {}, override=override) if resuming else None
        t = now_ms()
        fields: dict[str, Any] = {"status": "RUNNING", "error": "", "error_json": ""}
        if not resuming:
            fields["started_at_ms"] = t
            fields["pause_json"] = ""
        self.store.update_thread(thread_id, **fields)
        self._status_event(org, thread_id)
        task = asyncio.get_running_loop().create_task(
            self._run(org, thread_id, ir, input_data, config, resume, timeout_s),
            name=f"scriptum-thread-{thread_id}",
        )
        self._tasks[thread_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(thread_id, None))

    async def _run(
        self,
        org: str,
        thread_id: str,
        ir: dict[str, Any],
        input_data: dict[str, Any],
        config: Any,
        resume: Any,
        timeout_s: float | None,
    ) -> None:
        from scriptum_lsp.emulator.runner import ResumeError, run_thread

        sink = _Sink(self, thread_id)
        fields: dict[str, Any]
        try:
            async with asyncio.timeout(timeout_s):
                outcome = await run_thread(ir, input_data, config=config, sink=sink, resume=resume)
        except asyncio.CancelledError:
            status, message = self._cancel_reason.pop(thread_id, ("CANCELLED", "thread cancelled"))
            fields = {"status": status, "error": message}
        except ResumeError as exc:
            # the answer or override was refused: the thread stays paused, with the reason as its error
            # (its pause and checkpoint were kept in the store while it tried to resume)
            fields = {"status": "PAUSED", "error": f"resume rejected: {exc}"}
        except TimeoutError:
            fields = {"status": "FAILED", "error": f"thread timed out after {timeout_s:g}s"}
        except Exception as exc:
            log.exception("runner failed on thread %s", thread_id)
            fields = {"status": "FAILED", "error": f"internal error in the emulator's runner: {exc}"}
        else:
            fields = {
                "status": outcome.status,
                "output_json": "" if outcome.output is None else json.dumps(outcome.output, default=str),
                "state_json": json.dumps(outcome.state, default=str) if outcome.state is not None else "",
                "pause_json": json.dumps(outcome.pause, default=str) if outcome.pause else "",
                "error": str((outcome.error or {}).get("message", "")) if outcome.error else "",
                "error_json": json.dumps(outcome.error, default=str) if outcome.error else "",
            }
        if fields["status"] != "PAUSED":
            fields["finished_at_ms"] = now_ms()
        try:
            self.store.finish_thread_if_active(thread_id, **fields)
            self._status_event(org, thread_id)
        except Exception:  # store closed during shutdown
            log.exception("could not record the end of thread %s", thread_id)

    async def cancel(self, org: str, thread_id: str) -> None:
        t = self.store.get_thread(org, thread_id)
        if t["status"] in ("COMPLETED", "FAILED", "CANCELLED"):
            raise failed_precondition(
                f"thread {thread_id} is already {enum_name('THREAD_STATUS', t['status'])}; only running or paused"
                " threads can be cancelled"
            )
        task = self._tasks.get(thread_id)
        if task is not None and not task.done():
            self._cancel_reason[thread_id] = ("CANCELLED", "thread cancelled by CancelThread")
            task.cancel()
            if task.get_loop() is asyncio.get_running_loop():
                await asyncio.wait({task}, timeout=10)
            return
        self.store.finish_thread_if_active(
            thread_id, status="CANCELLED", error="thread cancelled by CancelThread", finished_at_ms=now_ms()
        )
        self._status_event(org, thread_id)

    async def shutdown(self) -> None:
        tasks = [t for t in self._tasks.values() if not t.done()]
        for tid, task in list(self._tasks.items()):
            self._cancel_reason[tid] = ("FAILED", "the emulator shut down while this thread was running")
            task.cancel()
        current = asyncio.get_running_loop()
        mine = [t for t in tasks if t.get_loop() is current]
        if mine:
            await asyncio.wait(mine, timeout=10)

    async def watch(self, org: str, thread_id: str, step_path: str | None = None) -> AsyncIterator[bytes]:
        """NDJSON stream: a SNAPSHOT first, then live events, until the thread stops (terminal or paused)."""
        q = self.hub.subscribe(thread_id)
        try:
            t = self.store.get_thread(org, thread_id)
            snap_seq = self.hub.seq(thread_id)
            yield _line(
                {
                    "threadId": thread_id,
                    "eventType": enum_name("THREAD_EVENT_TYPE", "SNAPSHOT"),
                    "status": enum_name("THREAD_STATUS", t["status"]),
                    "timestampMs": int64(now_ms()),
                    "thread": render.thread(t),
                }
            )
            if t["status"] in STOPPED:
                return
            last_status = t["status"]
            while True:
                try:
                    seq, ev = await asyncio.wait_for(q.get(), timeout=WATCH_POLL_S)
                except TimeoutError:
                    # no event for a while: the thread may run in another process on the same data folder
                    t = self.store.get_thread(org, thread_id)
                    if t["status"] == last_status:
                        continue
                    last_status = t["status"]
                    seq, ev = (
                        snap_seq + 1,
                        {
                            "threadId": thread_id,
                            "eventType": enum_name("THREAD_EVENT_TYPE", "STATUS"),
                            "status": enum_name("THREAD_STATUS", t["status"]),
                            "timestampMs": int64(now_ms()),
                            "thread": render.thread(t),
                        },
                    )
                if seq <= snap_seq:
                    continue
                if ev["eventType"].endswith("_STATUS"):
                    last_status = ev["status"].removeprefix("THREAD_STATUS_")
                if step_path is not None:
                    step = ev.get("step")
                    if step is not None and not _under(step["stepPath"], step_path):
                        continue
                    if ev.get("yieldedValue") is not None:
                        continue
                yield _line(ev)
                if (
                    ev["eventType"].endswith("_STATUS")
                    and ev["status"].removeprefix("THREAD_STATUS_") in STOPPED
                ):
                    return
        except Exception as exc:  # e.g. the store closed at shutdown: end with a gateway-style stream error
            log.exception("watch of thread %s failed", thread_id)
            err = {"code": 13, "message": f"watch failed: {exc}", "details": [], "httpStatus": 500}
            yield (json.dumps({"error": err}) + "\n").encode()
        finally:
            self.hub.unsubscribe(thread_id, q)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def _line(message: dict[str, Any]) -> bytes:
    return (json.dumps({"result": message}, ensure_ascii=False) + "\n").encode()
