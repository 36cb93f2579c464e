"""The DAP ring: `scriptum-lsp debug` over stdio, driven like an editor drives it."""

from __future__ import annotations

from pathlib import Path

from .conftest import FAILING, L_CALM, L_DECIDE, L_EACH, L_ECHO, L_EMIT, L_SHOUT, L_TOTAL
from .dapclient import DapClient

INPUT = {"items": ["a", "b", "c"]}


def launch(dap: DapClient, script: Path, lines: list[int], **extra: object) -> dict:
    return dap.start({"script": str(script), "input": INPUT, **extra}, [{"line": n} for n in lines])


def test_breakpoints_verified_adjusted_and_hit_in_order(dap: DapClient, script: Path) -> None:
    # line 11 is blank: it binds to the next step (12); line 2 is the description (binds to 12 too, same bp
    # line: only one of them is active); line 40 is past the end
    started = launch(dap, script, [L_ECHO, 11, L_EMIT, 40])
    assert started["launch"]["success"]
    bps = started["breakpoints"]["body"]["breakpoints"]
    assert [(b["verified"], b.get("line")) for b in bps] == [
        (True, L_ECHO),
        (True, L_TOTAL),
        (True, L_EMIT),
        (False, None),
    ]
    assert "no step" in bps[3]["message"]
    hits = []
    for _ in range(5):
        body = dap.stopped()
        assert body["reason"] == "breakpoint"
        hits.append(dap.top()["line"])
        dap.request("continue", {"threadId": 1})
    assert hits == [L_TOTAL, L_ECHO, L_ECHO, L_ECHO, L_EMIT]
    assert dap.event("exited")["body"]["exitCode"] == 0
    dap.event("terminated")


def test_step_over_into_and_out_of_each_and_decide(dap: DapClient, script: Path) -> None:
    launch(dap, script, [L_TOTAL])
    dap.stopped()
    assert dap.top()["line"] == L_TOTAL
    dap.request("next", {"threadId": 1})
    dap.stopped()
    assert dap.top()["line"] == L_EACH
    dap.request("next", {"threadId": 1})  # over the whole loop
    dap.stopped()
    assert dap.top()["line"] == L_DECIDE
    dap.request("stepIn", {"threadId": 1})  # into the chosen branch
    dap.stopped()
    assert dap.top()["line"] == L_CALM
    assert dap.stack() == ["let final", 'decide "Tone"[1]', "main"]
    dap.request("stepOut", {"threadId": 1})
    dap.stopped()
    assert dap.top()["line"] == L_EMIT
    dap.request("continue", {"threadId": 1})
    dap.event("terminated")


def test_step_in_each_iteration_and_stack_is_the_step_path(dap: DapClient, script: Path) -> None:
    launch(dap, script, [L_EACH])
    dap.stopped()
    dap.request("stepIn", {"threadId": 1})
    dap.stopped()
    assert dap.top()["line"] == L_SHOUT
    assert dap.stack() == ["let shout", "each[0]", "main"]
    dap.request("next", {"threadId": 1})
    dap.stopped()
    assert dap.top()["line"] == L_ECHO
    dap.request("next", {"threadId": 1})  # next iteration, same level
    dap.stopped()
    assert dap.stack() == ["let shout", "each[1]", "main"]
    dap.request("stepOut", {"threadId": 1})
    dap.stopped()
    assert dap.top()["line"] == L_DECIDE
    dap.request("continue", {"threadId": 1})
    dap.event("terminated")


def test_variables_and_evaluate(dap: DapClient, script: Path) -> None:
    launch(dap, script, [L_ECHO])
    dap.stopped()
    dap.request("continue", {"threadId": 1})
    dap.stopped()  # second iteration
    bindings = dap.scope_vars("Bindings")
    assert bindings["item"] == '"b"' and bindings["i"] == "1" and bindings["shout"] == '"B"'
    assert bindings["total"] == "3"
    assert dap.scope_vars("Inputs") == {"items": '["a", "b", "c"]', "mode": '"calm"', "limit": "10"}
    step = dap.scope_vars("Step")
    assert step["path"] == '"1.1.1"' and step["tool"] == '"echo"'
    assert step["inputs"] == '{"message": "1: B"}'
    ev = dap.request("evaluate", {"expression": 'shout + "!" ', "frameId": 1, "context": "watch"})
    assert ev["success"] and ev["body"]["result"] == '"B!"'
    ev = dap.request("evaluate", {"expression": "count(items) * total", "frameId": 1, "context": "hover"})
    assert ev["body"]["result"] == "9"
    bad = dap.request("evaluate", {"expression": "nope +", "frameId": 1, "context": "watch"})
    assert not bad["success"] and "expected an expression" in bad["message"]
    unknown = dap.request("evaluate", {"expression": "missing_name", "frameId": 1, "context": "watch"})
    assert not unknown["success"] and "missing_name" in unknown["message"]
    dap.request("setBreakpoints", {"source": {"path": ""}, "breakpoints": []})
    dap.request("continue", {"threadId": 1})
    dap.event("terminated")


def test_set_variable_changes_the_run(dap: DapClient, script: Path) -> None:
    launch(dap, script, [L_DECIDE])
    dap.stopped()
    scopes = dap.request("scopes", {"frameId": 1})["body"]["scopes"]
    ref = next(s["variablesReference"] for s in scopes if s["name"] == "Bindings")
    resp = dap.request("setVariable", {"variablesReference": ref, "name": "total", "value": "40 + 2"})
    assert resp["success"] and resp["body"]["value"] == "42"
    dap.request("continue", {"threadId": 1})
    out = dap.wait(lambda m: m.get("event") == "output" and "output:" in m["body"]["output"])
    assert '"final": "calm 42"' in out["body"]["output"]
    dap.event("terminated")


def test_conditional_and_hit_count_breakpoints_and_logpoints(dap: DapClient, script: Path) -> None:
    dap.start(
        {"script": str(script), "input": INPUT},
        [
            {"line": L_ECHO, "condition": 'item == "c"'},
            {"line": L_SHOUT, "logMessage": "item {i} is {item}"},
            {"line": L_EMIT, "hitCondition": "2"},
        ],
    )
    body = dap.stopped()
    assert body["reason"] == "breakpoint"
    assert dap.scope_vars("Bindings")["item"] == '"c"'
    logs = [m["body"]["output"] for m in dap.seen if m.get("event") == "output"]
    assert logs == ["item 0 is a\n", "item 1 is b\n", "item 2 is c\n"]
    dap.request("continue", {"threadId": 1})
    # the emit breakpoint wants the 2nd hit, which never comes: the run ends
    dap.event("terminated")


def test_bad_condition_is_reported_unverified(dap: DapClient, script: Path) -> None:
    started = dap.start(
        {"script": str(script), "input": INPUT},
        [{"line": L_ECHO, "condition": "item =="}, {"line": L_EMIT, "hitCondition": "often"}],
    )
    bps = started["breakpoints"]["body"]["breakpoints"]
    assert not bps[0]["verified"] and "condition" in bps[0]["message"]
    assert not bps[1]["verified"] and "hit count" in bps[1]["message"]
    dap.event("terminated")


def test_failed_step_stops_with_the_error(dap: DapClient, tmp_path: Path) -> None:
    p = tmp_path / "fails.scriptum"
    p.write_text(FAILING, encoding="utf-8")
    dap.start({"script": str(p)}, [])
    body = dap.stopped()
    assert body["reason"] == "exception" and "zero" in body["text"].lower()
    assert dap.top()["line"] == 7
    assert dap.scope_vars("Bindings")["a"] == "2"
    info = dap.request("exceptionInfo", {"threadId": 1})
    assert info["body"]["exceptionId"] == "failed"
    dap.request("continue", {"threadId": 1})
    assert dap.event("exited")["body"]["exitCode"] == 1
    dap.event("terminated")


def test_no_failed_filter_runs_to_the_end(dap: DapClient, tmp_path: Path) -> None:
    p = tmp_path / "fails.scriptum"
    p.write_text(FAILING, encoding="utf-8")
    dap.start({"script": str(p)}, [], filters=[])
    assert dap.event("exited")["body"]["exitCode"] == 1
    dap.event("terminated")


def test_pause_then_terminate_cancels(dap: DapClient, tmp_path: Path) -> None:
    p = tmp_path / "loop.scriptum"
    p.write_text(
        'script "Loop"\n\nlet n = 0\nrepeat max 100000 until n < 0\n  let n = n + 1\nemit "E"\n  n = n\n',
        encoding="utf-8",
    )
    dap.start({"script": str(p)}, [{"line": 5, "logMessage": "looping at {n}", "hitCondition": "50"}])
    dap.wait(lambda m: m.get("event") == "output" and "looping at 49" in m["body"]["output"])
    dap.request("pause", {"threadId": 1})
    assert dap.stopped()["reason"] == "pause"
    assert dap.top()["line"] in (4, 5)
    assert int(dap.scope_vars("Bindings")["n"]) >= 49
    dap.request("terminate", {})
    dap.event("terminated")


def test_stop_on_entry_and_restart(dap: DapClient, script: Path) -> None:
    dap.start({"script": str(script), "input": INPUT, "stopOnEntry": True}, [])
    assert dap.stopped()["reason"] == "entry"
    assert dap.top()["line"] == L_TOTAL
    dap.request("restart", {})
    assert dap.stopped()["reason"] == "entry"
    dap.request("continue", {"threadId": 1})
    dap.event("exited")


def test_bad_launch_arguments_get_clear_errors_and_the_session_survives(
    dap: DapClient, script: Path, tmp_path: Path
) -> None:
    init = dap.request("initialize", {"adapterID": "scriptum"})
    assert init["success"]
    cases = [
        ({}, "needs 'script'"),
        ({"script": str(tmp_path / "missing.scriptum")}, "no such script"),
        ({"script": str(script), "input": "{not json"}, "not valid JSON"),
        ({"script": str(script), "input": {"items": "nope"}}, "does not fit"),
        (
            {"script": str(script), "input": INPUT, "endpoint": "https://example.invalid"},
            "local emulator only",
        ),
        ({"threadFile": str(tmp_path / "none.json")}, "no such thread file"),
    ]
    bad_src = tmp_path / "bad.scriptum"
    bad_src.write_text('script "Bad"\n\nlet x = unknown_fn(1)\n', encoding="utf-8")
    cases.append(({"script": str(bad_src)}, "does not compile"))
    for args, expected in cases:
        resp = dap.request("launch", args)
        assert not resp["success"], args
        assert expected in resp["message"], (args, resp["message"])
    assert not dap.request("frobnicate", {})["success"]
    assert not dap.request("stackTrace", {"threadId": 1})["success"]
    # a good launch still works afterwards
    resp = dap.request("launch", {"script": str(script), "input": INPUT})
    assert resp["success"]
    dap.request("configurationDone")
    dap.event("terminated")


def test_malformed_frames_are_skipped(dap: DapClient) -> None:
    dap.send_raw(b"Content-Length: 5\r\n\r\nnot{}")
    dap.send_raw(b"X-Nothing: 1\r\n\r\n")
    assert dap.request("initialize", {"adapterID": "scriptum"})["success"]
