"""Replay: a finished thread's recorded steps walked under the debugger, from the API or from a file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from scriptum_lsp import embedded
from scriptum_lsp.debug.replay import FORMAT, export_thread, recording_from_export

from .conftest import L_CALM, L_DECIDE, L_ECHO, L_EMIT, L_SHOUT, L_TOTAL, SCRIPT
from .dapclient import DapClient

INPUT = {"items": ["a", "b", "c"]}


async def _run_thread(data: Path, source: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    client = embedded.connect("local", local_data=str(data))
    try:
        await client.create_script("debug-me")
        await client.save_draft("debug-me", source)
        await client.compile_draft("debug-me")
        started = await client.test_draft("debug-me", json.dumps(inputs))
        thread_id = str(started.get("threadId") or started.get("thread", {}).get("threadId"))
        for _ in range(200):
            t = await client.get_thread(thread_id)
            if "RUNNING" not in t["status"] and "PENDING" not in t["status"]:
                break
            await asyncio.sleep(0.05)
        doc = await export_thread(client, thread_id)
        return thread_id, doc
    finally:
        await client.aclose()


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[str, dict[str, Any]]:
    return asyncio.run(_run_thread(tmp_path / "emu", SCRIPT, INPUT))


def test_export_has_every_step_with_recorded_values(recorded: tuple[str, dict[str, Any]]) -> None:
    _, doc = recorded
    assert doc["format"] == FORMAT and doc["thread"]["status"] == "THREAD_STATUS_COMPLETED"
    rec = recording_from_export(doc)
    lines = [s.line for s in rec.steps]
    assert lines == [L_TOTAL, 13, L_SHOUT, L_ECHO, L_SHOUT, L_ECHO, L_SHOUT, L_ECHO, L_DECIDE, L_CALM, L_EMIT]
    echo = rec.steps[3]
    assert echo.input == {"message": "0: A"} and echo.output == {"message": "0: A"}
    assert rec.steps[0].bind == "total" and rec.steps[0].output == 3


def _walk_all(dap: DapClient) -> list[tuple[int, dict[str, str]]]:
    seen = []
    while True:
        m = dap.wait(lambda m: m.get("event") in ("stopped", "terminated"))
        if m["event"] == "terminated":
            return seen
        seen.append((dap.top()["line"], dap.scope_vars("Step")))
        dap.request("stepIn", {"threadId": 1})


def test_replay_from_thread_id_visits_every_step(
    tmp_path: Path, recorded: tuple[str, dict[str, Any]]
) -> None:
    thread_id, _ = recorded
    dap = DapClient(env={"SCRIPTUM_LSP_LOCAL_DATA": str(tmp_path / "emu")})
    try:
        dap.start({"thread": thread_id, "endpoint": "local", "stopOnEntry": True}, [])
        seen = _walk_all(dap)
    finally:
        dap.close()
    assert [line for line, _ in seen] == [
        L_TOTAL,
        13,
        L_SHOUT,
        L_ECHO,
        L_SHOUT,
        L_ECHO,
        L_SHOUT,
        L_ECHO,
        L_DECIDE,
        L_CALM,
        L_EMIT,
    ]
    echo_vars = seen[3][1]
    assert echo_vars["inputs"] == '{"message": "0: A"}' and echo_vars["output"] == '{"message": "0: A"}'


def test_replay_from_file_with_breakpoints_bindings_and_evaluate(
    dap: DapClient, tmp_path: Path, recorded: tuple[str, dict[str, Any]]
) -> None:
    _, doc = recorded
    f = tmp_path / "thread.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    script = tmp_path / "debug_me.scriptum"
    script.write_text(SCRIPT, encoding="utf-8")
    started = dap.start(
        {"threadFile": str(f), "script": str(script)}, [{"line": L_ECHO, "hitCondition": "3"}, {"line": 11}]
    )
    bps = started["breakpoints"]["body"]["breakpoints"]
    assert [b.get("line") for b in bps] == [L_ECHO, L_TOTAL]
    assert dap.stopped()["reason"] == "breakpoint"
    assert dap.top()["line"] == L_TOTAL and dap.top()["source"]["path"] == str(script.resolve())
    dap.request("continue", {"threadId": 1})
    dap.stopped()
    assert dap.stack()[:2] == ['"Echo item"', "each[2]"]
    assert dap.scope_vars("Bindings")["total"] == "3"
    assert dap.request("evaluate", {"expression": "total * 2", "frameId": 1})["body"]["result"] == "6"
    scopes = dap.request("scopes", {"frameId": 1})["body"]["scopes"]
    ref = next(s["variablesReference"] for s in scopes if s["name"] == "Bindings")
    refused = dap.request("setVariable", {"variablesReference": ref, "name": "total", "value": "1"})
    assert not refused["success"] and "cannot be changed" in refused["message"]
    dap.request("continue", {"threadId": 1})
    dap.event("terminated")


def test_replay_of_a_cloud_shaped_thread_with_only_documented_fields(dap: DapClient, tmp_path: Path) -> None:
    """No lines, no inputs/outputs in the summaries, enum names, int64 strings: lines come from the source."""
    doc = {
        "thread": {
            "threadId": "thr_cloud",
            "scriptName": "debug-me",
            "status": "THREAD_STATUS_FAILED",
            "inputJson": json.dumps(INPUT),
            "error": "boom",
        },
        "result": {
            "steps": [
                {"stepPath": "0", "primitive": "let", "status": "STEP_STATUS_COMPLETED", "startedAtMs": "1"},
                {"stepPath": "1", "primitive": "iterate", "status": "STEP_STATUS_FAILED", "startedAtMs": "2"},
                {
                    "stepPath": "1.0.0",
                    "primitive": "let",
                    "status": "STEP_STATUS_COMPLETED",
                    "startedAtMs": "3",
                },
                {
                    "stepPath": "1.0.1",
                    "primitive": "execute",
                    "tool": "echo",
                    "status": "STEP_STATUS_FAILED",
                    "error": "echo exploded",
                    "startedAtMs": "4",
                },
            ],
            "stepDetails": [{"stepPath": "0", "outputJson": "3"}],
        },
        "source": SCRIPT,
    }
    f = tmp_path / "cloud.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    dap.start({"threadFile": str(f)}, [], filters=["failed"])
    body = dap.stopped()
    assert body["reason"] == "exception" and body["text"] == "echo exploded"
    assert dap.top()["line"] == L_ECHO and dap.top()["source"]["sourceReference"] == 1
    assert dap.request("source", {"sourceReference": 1})["body"]["content"] == SCRIPT
    assert dap.scope_vars("Bindings") == {"total": "3"}
    dap.request("continue", {"threadId": 1})
    assert dap.event("exited")["body"]["exitCode"] == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2]", "a thread file is a JSON object"),
        ('{"format": "other/9"}', "unknown thread file format"),
        ("{}", "needs 'thread'"),
        ('{"thread": {"threadId": "t"}, "result": {"steps": []}}', "no recorded steps"),
        ("{oops", "not valid JSON"),
    ],
)
def test_bad_thread_files(dap: DapClient, tmp_path: Path, content: str, expected: str) -> None:
    f = tmp_path / "t.json"
    f.write_text(content, encoding="utf-8")
    assert dap.request("initialize", {"adapterID": "scriptum"})["success"]
    resp = dap.request("launch", {"threadFile": str(f)})
    assert not resp["success"] and expected in resp["message"]
