"""Threads over real HTTP: create/test, watch (NDJSON), results, yields, pause/resume, cancel, input validation."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from tests.emulator.conftest import assert_error, hello, make_script, publish

TEXT_PIPELINE_INPUT = {"text": "  Alpha \n\n BETA\ngamma  "}

SLOW = """script "Slow"

output
  done : boolean

wait "1s"

emit
  done = true
"""

WAITS = """script "Waits"

output
  done : boolean

ask "Go on?"
  prompt = "continue?"
  options = ["yes", "no"]
-> answer

emit
  done = true
"""


def watch(api: httpx.Client, tid: str, path: str = "watch") -> list[dict[str, Any]]:
    """Read a WatchThread stream to its end; every line is a grpc-gateway `{"result": ...}` message."""
    out: list[dict[str, Any]] = []
    with api.stream("GET", f"/v1/scriptum/threads/{tid}/{path}") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        for line in r.iter_lines():
            if line.strip():
                msg = json.loads(line)
                assert set(msg) == {"result"}
                out.append(msg["result"])
    return out


def finished(api: httpx.Client, tid: str) -> dict[str, Any]:
    events = watch(api, tid)
    assert events[0]["eventType"] == "THREAD_EVENT_TYPE_SNAPSHOT"
    thread = api.get(f"/v1/scriptum/threads/{tid}").json()
    assert thread["status"] == events[-1]["status"]
    return dict(thread)


def output(api: httpx.Client, tid: str) -> Any:
    r = api.get(f"/v1/scriptum/threads/{tid}/result").json()
    return json.loads(base64.b64decode(r["outputData"])) if r["outputData"] else None


ETL = """script "ETL"

input
  source : text

output
  greeting : text

import tools
  echo from native

do "fetch_data" with echo
  message = "Hello, {source}!"
-> greeting

emit
  greeting = greeting.message
"""


def test_seed_test_script_draft(api: httpx.Client) -> None:
    make_script(api, "my-etl-pipeline", ETL)
    r = api.post(
        "/v1/scriptum/scripts/my-etl-pipeline/draft/test",
        json={"inputJson": '{"source": "data.csv"}', "loadEnv": True},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"threadId", "status"}
    assert body["threadId"].startswith("thr_") and body["status"] == "THREAD_STATUS_RUNNING"
    t = finished(api, body["threadId"])
    assert t["status"] == "THREAD_STATUS_COMPLETED" and t["version"] == 0 and t["isTest"] is True
    assert output(api, body["threadId"]) == {"greeting": "Hello, data.csv!"}
    # testing does not change the draft status
    assert (
        api.get("/v1/scriptum/scripts/my-etl-pipeline/draft").json()["status"]
        == "SCRIPT_VERSION_STATUS_DRAFT"
    )


def test_create_thread_on_active_version_and_result_shapes(api: httpx.Client) -> None:
    make_script(api, "h")
    publish(api, "h", hello("v1"))
    r = api.post(
        "/v1/scriptum/threads", json={"scriptName": "h", "version": 0, "inputJson": '{"name": "Bo"}'}
    )
    assert r.status_code == 200, r.text
    tid = r.json()["threadId"]
    t = finished(api, tid)
    assert t["version"] == 1 and t["scriptName"] == "h" and t["status"] == "THREAD_STATUS_COMPLETED"
    assert t["totalSteps"] == 2 and int(t["finishedAtMs"]) >= int(t["startedAtMs"]) > 0
    res = api.get(f"/v1/scriptum/threads/{tid}/result").json()
    assert set(res) >= {"outputData", "outputTotalBytes", "outputTruncated", "steps", "stepDetails", "yieldedValues",
                        "totalYielded", "yieldsTruncated"}  # fmt: skip
    assert json.loads(base64.b64decode(res["outputData"])) == {"greeting": "Hello, Bo!"}
    assert res["outputTotalBytes"] == str(len(base64.b64decode(res["outputData"])))
    assert [(s["stepPath"], s["primitive"], s["status"]) for s in res["steps"]] == [
        ("0", "execute", "STEP_STATUS_COMPLETED"),
        ("1", "emit", "STEP_STATUS_COMPLETED"),
    ]
    detail = api.get(f"/v1/scriptum/threads/{tid}/result", params={"stepPath": "0"}).json()["stepDetails"]
    assert len(detail) == 1 and json.loads(detail[0]["inputJson"]) == {"message": "Hello, Bo!"}
    only = api.get(f"/v1/scriptum/threads/{tid}/result?outputOnly=true").json()
    assert only["steps"] == [] and only["outputData"] == res["outputData"]
    meta = api.get(f"/v1/scriptum/threads/{tid}/result?metadata_only=true").json()
    assert meta["outputData"] == "" and meta["outputTotalBytes"] == res["outputTotalBytes"]
    assert_error(api.get(f"/v1/scriptum/threads/{tid}/result?stepPath=9"), 404, 5)
    # streamed result: metadata first, then base64 chunks that reassemble the output
    with api.stream("GET", f"/v1/scriptum/threads/{tid}/result/stream") as s:
        msgs = [json.loads(line)["result"] for line in s.iter_lines() if line]
    assert msgs[0]["meta"]["outputTotalBytes"] == res["outputTotalBytes"]
    data = b"".join(base64.b64decode(m["chunk"]["data"]) for m in msgs[1:])
    assert json.loads(data) == {"greeting": "Hello, Bo!"} and msgs[-1]["chunk"]["isFinal"] is True
    with api.stream("GET", f"/v1/scriptum/threads/{tid}/steps/stream") as s:
        steps = [json.loads(line)["result"]["step"] for line in s.iter_lines() if line]
    assert [x["stepPath"] for x in steps] == ["0", "1"] and "inputJson" in steps[0]


TICKER = """script "Ticker"

output
  n : integer

stream
  index : integer

wait "1s"
each i in range(0, 3)
  yield "Tick"
    index = i
-> ticks

emit
  n = count(ticks)
"""


def test_watch_streams_steps_yields_and_status(api: httpx.Client) -> None:
    # the script waits 1s first (the runner's cap), so the watch connects while it runs
    make_script(api, "ticker", TICKER)
    tid = api.post("/v1/scriptum/scripts/ticker/draft/test", json={}).json()["threadId"]
    events = watch(api, tid)
    kinds = [e["eventType"] for e in events]
    assert kinds[0] == "THREAD_EVENT_TYPE_SNAPSHOT" and events[0]["status"] == "THREAD_STATUS_RUNNING"
    assert events[0]["thread"]["threadId"] == tid
    assert kinds[-1] == "THREAD_EVENT_TYPE_STATUS" and events[-1]["status"] == "THREAD_STATUS_COMPLETED"
    assert events[-1]["thread"]["status"] == "THREAD_STATUS_COMPLETED"
    assert all(e["threadId"] == tid and e["timestampMs"].isdigit() for e in events)
    yields = [e["yieldedValue"] for e in events if e["eventType"] == "THREAD_EVENT_TYPE_YIELD"]
    assert [json.loads(y["valueJson"]) for y in yields] == [{"index": 0}, {"index": 1}, {"index": 2}]
    assert [y["label"] for y in yields] == ["Tick"] * 3
    finished_steps = [e["step"] for e in events if e["eventType"] == "THREAD_EVENT_TYPE_STEP_FINISHED"]
    assert {s["primitive"] for s in finished_steps} >= {"iterate", "yield", "emit"}
    res = api.get(f"/v1/scriptum/threads/{tid}/result").json()
    assert res["totalYielded"] == 3 and res["yieldsTruncated"] is False
    assert [json.loads(y["valueJson"]) for y in res["yieldedValues"]] == [
        {"index": 0},
        {"index": 1},
        {"index": 2},
    ]
    assert output(api, tid) == {"n": 3}
    # watching a stopped thread returns just the snapshot
    again = watch(api, tid)
    assert len(again) == 1 and again[0]["thread"]["status"] == "THREAD_STATUS_COMPLETED"


def test_watch_step_limits_step_events_to_that_path(api: httpx.Client) -> None:
    make_script(api, "ticker", TICKER)
    tid = api.post("/v1/scriptum/scripts/ticker/draft/test", json={}).json()["threadId"]
    events = watch(api, tid, "steps/1/watch")
    assert (
        events[0]["eventType"] == "THREAD_EVENT_TYPE_SNAPSHOT"
        and events[0]["status"] == "THREAD_STATUS_RUNNING"
    )
    paths = {e["step"]["stepPath"] for e in events if "step" in e}
    assert paths and all(p == "1" or p.startswith("1.") for p in paths), paths
    assert not any(e["eventType"] == "THREAD_EVENT_TYPE_YIELD" for e in events)
    assert events[-1]["status"] == "THREAD_STATUS_COMPLETED"


def test_text_pipeline_template_runs(api: httpx.Client) -> None:
    api.post("/v1/scriptum/scripts", json={"name": "tp", "fromTemplate": "text_pipeline"})
    tid = api.post(
        "/v1/scriptum/scripts/tp/draft/test", json={"inputJson": json.dumps(TEXT_PIPELINE_INPUT)}
    ).json()["threadId"]
    assert finished(api, tid)["status"] == "THREAD_STATUS_COMPLETED"
    assert output(api, tid) == {"lines": ["alpha", "beta", "gamma"], "count": 3}
    res = api.get(f"/v1/scriptum/threads/{tid}/result").json()
    assert [json.loads(y["valueJson"]) for y in res["yieldedValues"]] == [
        {"index": 0, "line": "alpha"},
        {"index": 1, "line": "beta"},
        {"index": 2, "line": "gamma"},
    ]


def test_input_validation_lists_every_problem(api: httpx.Client) -> None:
    api.post("/v1/scriptum/scripts", json={"name": "tp", "fromTemplate": "text_pipeline"})
    body = assert_error(
        api.post("/v1/scriptum/scripts/tp/draft/test", json={"inputJson": '{"separator": 5, "bogus": 1}'}),
        400,
        3,
    )
    fields = {v["field"] for v in body["details"][0]["fieldViolations"]}  # type: ignore[index]
    assert {"inputJson.text", "inputJson.separator"} <= fields
    assert "text" in str(body["message"]) and "separator" in str(body["message"])
    assert_error(
        api.post("/v1/scriptum/scripts/tp/draft/test", json={"inputJson": "[1]"}), 400, 3, "JSON object"
    )
    assert_error(
        api.post("/v1/scriptum/scripts/tp/draft/test", json={"inputJson": "{nope"}), 400, 3, "not valid JSON"
    )


def test_create_thread_errors(api: httpx.Client) -> None:
    make_script(api, "np", hello("np"))
    assert_error(api.post("/v1/scriptum/threads", json={}), 400, 3, "scriptName")
    assert_error(api.post("/v1/scriptum/threads", json={"scriptName": "np"}), 400, 9, "no active version")
    assert_error(api.post("/v1/scriptum/threads", json={"scriptName": "nope"}), 404, 5)
    publish(api, "np", hello("np2"))
    assert_error(api.post("/v1/scriptum/threads", json={"scriptName": "np", "version": 4}), 404, 5)
    assert_error(
        api.post("/v1/scriptum/threads", json={"scriptName": "np", "timeout": "soon"}), 400, 3, "timeout"
    )
    assert_error(api.get("/v1/scriptum/threads/thr_missing"), 404, 5)
    assert_error(api.get("/v1/scriptum/threads/thr_missing/watch"), 404, 5)
    make_script(api, "broken", 'script "x"\n\ndo "a" with nosuchtool\n')
    assert_error(api.post("/v1/scriptum/scripts/broken/draft/test", json={}), 400, 9, "does not compile")


def test_ask_pause_resume_and_answer_validation(api: httpx.Client) -> None:
    api.post("/v1/scriptum/scripts", json={"name": "ap", "fromTemplate": "approval_gate"})
    tid = api.post(
        "/v1/scriptum/scripts/ap/draft/test", json={"inputJson": '{"request": "buy a boat"}'}
    ).json()["threadId"]
    t = finished(api, tid)
    assert t["status"] == "THREAD_STATUS_PAUSED"
    assert t["pause"]["kind"] == "ask" and t["pause"]["options"] == ["approve", "reject"]
    assert_error(api.post(f"/v1/scriptum/threads/{tid}/resume", json={}), 400, 3, "answer")
    assert_error(
        api.post(f"/v1/scriptum/threads/{tid}/resume", json={"stepInputOverrideJson": '{"value": "maybe"}'}),
        400,
        3,
        "options",
    )
    r = api.post(
        f"/v1/scriptum/threads/{tid}/resume", json={"step_input_override_json": '{"value": "approve"}'}
    )
    assert r.status_code == 200 and r.json()["threadId"] == tid
    t = finished(api, tid)
    assert t["status"] == "THREAD_STATUS_COMPLETED", t
    assert output(api, tid)["decision"] in ("approve", {"value": "approve"}) or "approve" in json.dumps(
        output(api, tid)
    )
    assert_error(api.post(f"/v1/scriptum/threads/{tid}/resume", json={}), 400, 9, "only paused")


def test_cloud_tool_pauses_with_error_and_can_be_cancelled(api: httpx.Client) -> None:
    api.post("/v1/scriptum/scripts", json={"name": "llm", "fromTemplate": "summarize_llm"})
    tid = api.post("/v1/scriptum/scripts/llm/draft/test", json={"inputJson": '{"text": "hello"}'}).json()[
        "threadId"
    ]
    t = finished(api, tid)
    assert t["status"] == "THREAD_STATUS_PAUSED" and t["pause"]["kind"] == "error"
    assert "llm" in t["error"] or "llm" in json.dumps(t["pause"])
    r = api.post(f"/v1/scriptum/threads/{tid}/cancel", json={})
    assert r.status_code == 200 and r.json()["status"] == "THREAD_STATUS_CANCELLED"
    assert_error(api.post(f"/v1/scriptum/threads/{tid}/cancel", json={}), 400, 9, "already")


def test_cancel_a_running_thread(api: httpx.Client) -> None:
    make_script(api, "slow", SLOW)
    # the script waits 1s (the runner's cap) before it can finish, so the cancel arrives while it runs
    tid = api.post("/v1/scriptum/scripts/slow/draft/test", json={}).json()["threadId"]
    assert api.get(f"/v1/scriptum/threads/{tid}").json()["status"] == "THREAD_STATUS_RUNNING"
    r = api.post(f"/v1/scriptum/threads/{tid}/cancel", json={})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "THREAD_STATUS_CANCELLED"
    assert r.json()["error"] == "thread cancelled by CancelThread"
    assert int(r.json()["finishedAtMs"]) > 0
    steps = api.get(f"/v1/scriptum/threads/{tid}/result").json()["steps"]
    assert [(st["primitive"], st["status"]) for st in steps] == [("wait", "STEP_STATUS_CANCELLED")]
    assert output(api, tid) is None


def test_timeout_fails_the_thread(api: httpx.Client) -> None:
    make_script(api, "slow", SLOW)
    tid = api.post("/v1/scriptum/scripts/slow/draft/test", json={"timeout": "50ms"}).json()["threadId"]
    t = finished(api, tid)
    assert t["status"] == "THREAD_STATUS_FAILED" and "timed out" in t["error"]


def test_list_threads_filters_and_pages(api: httpx.Client) -> None:
    make_script(api, "a", hello("a"))
    make_script(api, "w", WAITS)
    ids = [api.post("/v1/scriptum/scripts/a/draft/test", json={}).json()["threadId"] for _ in range(3)]
    wid = api.post("/v1/scriptum/scripts/w/draft/test", json={}).json()["threadId"]
    for tid in [*ids, wid]:
        finished(api, tid)
    body = api.get("/v1/scriptum/threads").json()
    assert set(body) == {"threads", "nextPageToken"}
    assert [t["threadId"] for t in body["threads"]] == [wid, *reversed(ids)]
    assert [t["threadId"] for t in api.get("/v1/scriptum/threads?scriptNameFilter=w").json()["threads"]] == [
        wid
    ]
    for status in ("THREAD_STATUS_PAUSED", "paused", "6"):
        got = api.get("/v1/scriptum/threads", params={"statusFilter": status}).json()["threads"]
        assert [t["threadId"] for t in got] == [wid]
    assert_error(api.get("/v1/scriptum/threads?statusFilter=SLEEPY"), 400, 3, "statusFilter")
    seen: list[str] = []
    token = ""
    while True:
        page = api.get("/v1/scriptum/threads", params={"pageSize": 3, "pageToken": token}).json()
        seen += [t["threadId"] for t in page["threads"]]
        token = page["nextPageToken"]
        if not token:
            break
    assert seen == [wid, *reversed(ids)]


def test_load_env_reaches_the_run(api: httpx.Client) -> None:
    src = """script "Env"

output
  model : text

env
  MODEL = "default-model"

emit
  model = env("MODEL", "none")
"""
    make_script(api, "envs", src)
    api.put("/v1/scriptum/env", json={"key": "MODEL", "value": "tenant-model"})
    with_env = api.post("/v1/scriptum/scripts/envs/draft/test", json={"loadEnv": True}).json()["threadId"]
    without = api.post("/v1/scriptum/scripts/envs/draft/test", json={"loadEnv": False}).json()["threadId"]
    assert finished(api, with_env)["status"] == "THREAD_STATUS_COMPLETED"
    finished(api, without)
    assert output(api, with_env) == {"model": "tenant-model"}
    assert output(api, without) != {"model": "tenant-model"}


def test_error_pause_resumes_with_an_input_override(api: httpx.Client, emulator: Any) -> None:
    # nothing listens on port 1: the fetch fails (after its retries) and pauses; the resume replaces its inputs
    api.post("/v1/scriptum/scripts", json={"name": "fetch", "fromTemplate": "http_fetch"})
    tid = api.post(
        "/v1/scriptum/scripts/fetch/draft/test", json={"inputJson": '{"url": "http://127.0.0.1:1/x"}'}
    ).json()["threadId"]
    t = finished(api, tid)
    assert t["status"] == "THREAD_STATUS_PAUSED" and t["pause"]["kind"] == "error", t
    assert t["error"]
    override = json.dumps({"url": f"{emulator.url}/v1/scriptum/health", "method": "GET"})
    r = api.post(f"/v1/scriptum/threads/{tid}/resume", json={"stepInputOverrideJson": override})
    assert r.status_code == 200, r.text
    t = finished(api, tid)
    assert t["status"] == "THREAD_STATUS_COMPLETED", t
    out = output(api, tid)
    assert out["status"] == 200 and out["ok"] is True and out["body"]["status"] == "SERVING"


def test_cloud_only_pause_takes_the_override_as_the_step_output(api: httpx.Client) -> None:
    api.post("/v1/scriptum/scripts", json={"name": "llm", "fromTemplate": "summarize_llm"})
    tid = api.post("/v1/scriptum/scripts/llm/draft/test", json={"inputJson": '{"text": "long text"}'}).json()[
        "threadId"
    ]
    assert finished(api, tid)["status"] == "THREAD_STATUS_PAUSED"
    r = api.post(f"/v1/scriptum/threads/{tid}/resume", json={"stepInputOverrideJson": '{"text": "short"}'})
    assert r.status_code == 200, r.text
    assert finished(api, tid)["status"] == "THREAD_STATUS_COMPLETED"
    assert output(api, tid) == {"summary": "short"}


def test_callback_url_receives_the_finished_thread(api: httpx.Client) -> None:
    import http.server
    import queue
    import threading

    received: queue.Queue[dict[str, Any]] = queue.Queue()

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.put(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        make_script(api, "cb", hello("cb"))
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        tid = api.post("/v1/scriptum/scripts/cb/draft/test", json={"callbackUrl": url}).json()["threadId"]
        got = received.get(timeout=30)
        assert got["threadId"] == tid and got["status"] == "THREAD_STATUS_COMPLETED"
    finally:
        server.shutdown()
        server.server_close()
    assert_error(
        api.post("/v1/scriptum/scripts/cb/draft/test", json={"callbackUrl": "ftp://x"}), 400, 3, "callbackUrl"
    )


def test_input_constraints_are_enforced(api: httpx.Client) -> None:
    api.post("/v1/scriptum/scripts", json={"name": "hw", "fromTemplate": "hello_world"})
    body = assert_error(
        api.post("/v1/scriptum/scripts/hw/draft/test", json={"inputJson": '{"name": ""}'}), 400, 3
    )
    assert [v["field"] for v in body["details"][0]["fieldViolations"]] == ["inputJson.name"]  # type: ignore[index]
    tid = api.post("/v1/scriptum/scripts/hw/draft/test", json={"inputJson": ""}).json()["threadId"]
    finished(api, tid)
    assert output(api, tid) == {"greeting": "Hello, world!"}  # the default applies
