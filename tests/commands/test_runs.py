"""Thread following (engine/runs.py) against the real emulator over HTTP: watch, polling fallback,
failing step -> script line, cancellation, result rendering."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from scriptum_lsp.api.errors import AlreadyExists, NotFound
from scriptum_lsp.api.scriptum import ScriptumClient
from scriptum_lsp.engine import runs
from tests.commands.scripts import GREETER, GREETER_CHECK_LINE
from tests.support.emulator import Emulator, running_emulator

FAST = runs.FollowPolicy(poll_initial=0.02, poll_max=0.2)


class NoWatchClient(ScriptumClient):
    """A real client whose WatchThread goes to a route the API does not have (real 404 -> NotFound)."""

    def watch_thread(self, thread_id: str) -> AsyncIterator[dict[str, Any]]:
        return self.stream_lines("GET", f"/v1/scriptum/threads/{thread_id}/no-such-watch", rpc="WatchThread")


async def start_test(api: ScriptumClient, name: str, source: str, inputs: dict[str, Any]) -> str:
    with contextlib.suppress(AlreadyExists):
        await api.create_script(name)
    await api.save_draft(name, source)
    compiled = await api.compile_draft(name)
    assert compiled["success"], compiled["diagnostics"]
    started = await api.test_draft(name, json.dumps(inputs))
    return str(started["threadId"])


@pytest.fixture
async def api(emulator: Emulator, org: str) -> AsyncIterator[ScriptumClient]:
    client = ScriptumClient.connect(emulator.url, token=emulator.token, organization=org)
    yield client
    await client.aclose()


@pytest.mark.parametrize("use_watch", [True, False], ids=["watch", "poll"])
async def test_follow_completed_thread(api: ScriptumClient, use_watch: bool) -> None:
    thread_id = await start_test(api, "greeter", GREETER, {"name": "ann"})
    seen: list[str] = []
    policy = runs.FollowPolicy(use_watch=use_watch, poll_initial=0.02, poll_max=0.2)
    thread = await runs.follow_thread(
        api, thread_id, on_update=lambda t: seen.append(runs.normalize_status(t["status"])), policy=policy
    )
    assert runs.normalize_status(thread["status"]) == "COMPLETED"
    assert seen and seen[-1] == "COMPLETED"
    outcome = await runs.outcome_of(api, thread)
    assert outcome.to_json() == {
        "threadId": thread_id,
        "status": "COMPLETED",
        "output": {"greeting": "hello ann"},
        "error": None,
        "durationMs": outcome.duration_ms,
    }
    assert outcome.duration_ms is not None and outcome.duration_ms >= 0
    assert outcome.failing_step is None
    assert [s.status for s in outcome.steps if s.primitive == "execute"] == ["COMPLETED"]


async def test_watch_unavailable_falls_back_to_polling(emulator: Emulator, org: str) -> None:
    api = NoWatchClient.connect(emulator.url, token=emulator.token, organization=org)
    try:
        with pytest.raises(NotFound):  # the route really is missing
            async for _ in api.watch_thread("thr_x"):
                pass
        thread_id = await start_test(api, "greeter", GREETER, {"name": "bo"})
        thread = await runs.follow_thread(api, thread_id, policy=FAST)
        assert runs.normalize_status(thread["status"]) == "COMPLETED"
    finally:
        await api.aclose()


async def test_failing_step_points_to_its_line(api: ScriptumClient) -> None:
    thread_id = await start_test(api, "greeter", GREETER, {"name": "ann", "count": 7})
    thread = await runs.follow_thread(api, thread_id, policy=FAST)
    outcome = await runs.outcome_of(api, thread)
    assert outcome.status == "FAILED"
    assert outcome.error and "count is too big" in outcome.error
    step = outcome.failing_step
    assert step is not None
    assert (step.name, step.line, step.status) == ("Small count", GREETER_CHECK_LINE, "FAILED")


async def test_step_lines_from_ir_fill_missing_lines() -> None:
    ir = {"steps": [{"path": "0", "primitive": "execute", "line": 3, "body": []},
                    {"path": "1", "primitive": "iterate", "line": 7,
                     "body": [{"path": "1.0", "primitive": "execute", "line": 8}]}]}  # fmt: skip
    lines = runs.step_lines(ir)
    assert lines == {"0": 3, "1": 7, "1.0": 8}
    steps = runs.parse_steps(
        {"steps": [{"stepPath": "1.0", "status": "STEP_STATUS_FAILED", "line": 0}]}, lines
    )
    assert steps[0].line == 8 and steps[0].status == "FAILED"


async def test_cancel_running_thread(api: ScriptumClient) -> None:
    thread_id = await start_test(api, "greeter", GREETER, {"name": "ann", "pause": "60s"})
    running = asyncio.Event()

    def on_update(thread: dict[str, Any]) -> None:
        if runs.normalize_status(thread["status"]) == "RUNNING":
            running.set()

    follow = asyncio.create_task(runs.follow_thread(api, thread_id, on_update=on_update, policy=FAST))
    await asyncio.wait_for(running.wait(), 10)
    assert not follow.done()
    follow.cancel()
    thread = await runs.cancel_and_settle(api, thread_id, FAST)
    assert runs.normalize_status(thread["status"]) == "CANCELLED"
    outcome = await runs.outcome_of(api, thread)
    rendered = json.loads(outcome.render())
    assert rendered["status"] == "CANCELLED"
    assert rendered["threadId"] == thread_id
    assert isinstance(rendered["steps"], list)


@pytest.mark.parametrize(
    ("event", "last", "expected"),
    [
        ({"result": {"status": "THREAD_STATUS_RUNNING", "eventType": "X", "thread": {"status": "RUNNING", "a": 1}}},
         None, {"status": "RUNNING", "a": 1}),
        ({"status": "THREAD_STATUS_RUNNING", "eventType": "THREAD_EVENT_TYPE_STEP_STARTED",
          "step": {"stepPath": "2", "stepName": "Say"}},
         {"status": "PENDING", "totalSteps": 3},
         {"status": "THREAD_STATUS_RUNNING", "totalSteps": 3, "currentStepPath": "2", "currentStepName": "Say"}),
        ({"threadId": "t", "status": "COMPLETED"}, None, {"threadId": "t", "status": "COMPLETED"}),
        ({"yieldedValue": {"index": 0}}, None, None),
    ],
)  # fmt: skip
def test_thread_from_event(event: dict[str, Any], last: dict[str, Any] | None, expected: Any) -> None:
    assert runs.thread_from_event(event, last) == expected


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"outputData": "eyJhIjogMX0="}, {"a": 1}),
        ({"outputData": "aGVsbG8="}, "hello"),
        ({"outputData": ""}, None),
        ({}, None),
    ],
)
def test_decode_output(result: dict[str, Any], expected: Any) -> None:
    assert runs.decode_output(result) == expected


@pytest.fixture(scope="module")
def faulty_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator whose WatchThread answers 503 and whose CancelThread is unimplemented."""
    faults = ["--fault", "WatchThread=error=503", "--fault", "CancelThread=error=UNIMPLEMENTED"]
    with running_emulator(tmp_path_factory.mktemp("faulty-emulator"), extra_args=faults) as emu:
        yield emu


async def test_watch_503_and_cancel_unimplemented(faulty_emulator: Emulator, org: str) -> None:
    api = ScriptumClient.connect(faulty_emulator.url, token=faulty_emulator.token, organization=org)
    try:
        thread_id = await start_test(api, "greeter", GREETER, {"name": "cy"})
        thread = await runs.follow_thread(api, thread_id, policy=FAST)  # polls after the 503
        assert runs.normalize_status(thread["status"]) == "COMPLETED"

        thread_id = await start_test(api, "greeter", GREETER, {"name": "cy", "pause": "2s"})
        thread = await runs.cancel_and_settle(api, thread_id, FAST)
        assert runs.normalize_status(thread["status"]) in ("PENDING", "RUNNING")  # reported as it is
    finally:
        await api.aclose()
