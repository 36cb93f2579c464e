"""Ignite's ComputeService routes of the emulator, over real HTTP: the seed's shapes, Python drafts that
really run (output, raise, time limit), publish, versions, rollback, and the errors a user can hit."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from typing import Any

import httpx
import pytest

from tests.support.archives import tgz
from tests.support.emulator import Emulator

HANDLER = """import json, time

def handler(payload, ctx):
    data = json.loads(payload or b"{}")
    print("got", data)
    if data.get("sleep"):
        time.sleep(30)
    if data.get("boom"):
        raise ValueError("boom")
    return {"greeting": "Hello, " + data.get("name", "world") + "!", "ctx": ctx}
"""


def python_code(files: dict[str, str]) -> dict[str, Any]:
    source = base64.b64encode(tgz(files)).decode()
    return {"compile": {"runtime": {"python": {}}, "sourceCode": source}}


@pytest.fixture
def client(emulator: Emulator, org: str) -> Any:
    with emulator.client(org) as c:
        yield c


def create(client: httpx.Client, org: str, name: str, timeout_secs: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if timeout_secs:
        body["limits"] = {"timeoutSecs": timeout_secs}
    r = client.post(f"/v1/ignite/app/{org}", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def run(client: httpx.Client, org: str, name: str, payload: bytes) -> dict[str, Any]:
    """TestDraft, then follow WatchExecution to the end; the last execution message."""
    r = client.post(
        f"/v1/ignite/app/{org}/{name}/draft/test", json={"payload": base64.b64encode(payload).decode()}
    )
    assert r.status_code == 200, r.text
    started = r.json()
    assert set(started) == {"executionId", "appId"} and started["appId"] == f"{org}/{name}"
    eid = started["executionId"]
    last: dict[str, Any] = {}
    with client.stream("GET", f"/v1/ignite/executions/{eid}/watch") as stream:
        for line in stream.iter_lines():
            if line.strip():
                last = json.loads(line)["result"]["execution"]
    got = client.get(f"/v1/ignite/executions/{eid}").json()["execution"]
    assert got["status"] == last["status"]
    return got


def test_python_draft_save_test_publish_rollback(client: httpx.Client, org: str) -> None:
    created = create(client, org, "hello")
    assert created["appId"] == f"{org}/hello" and created["deploymentState"] == "DEPLOYMENT_STATE_CREATED"
    saved = client.post(
        f"/v1/ignite/app/{org}/hello/draft", json={"code": python_code({"handler.py": HANDLER})}
    )
    draft = saved.json()["draft"]
    assert set(draft) == {"status", "codeHash", "createdAtMs", "codeKind"}  # the seed's SaveDraft fields
    assert draft["status"] == "VERSION_STATUS_DRAFT" and draft["codeKind"] == "CODE_KIND_SDK"
    assert len(draft["codeHash"]) == 8 and draft["createdAtMs"].isdigit()

    e = run(client, org, "hello", b'{"name":"world"}')
    assert e["status"] == "EXECUTION_STATUS_SUCCEEDED", e
    out = json.loads(base64.b64decode(e["output"]))
    assert out["greeting"] == "Hello, world!"
    assert out["ctx"] == {
        "execution_id": e["executionId"],
        "function_id": f"{org}/hello",
        "organization_id": org,
    }
    assert {"stream": "stdout", "line": "got {'name': 'world'}"} in e["logs"]

    first = client.post(f"/v1/ignite/app/{org}/hello/draft/publish", json={}).json()
    assert first == {
        "app": {"id": f"{org}/hello", "name": "hello", "activeVersion": 1},
        "publishedVersion": 1,
    }
    again = client.post(f"/v1/ignite/app/{org}/hello/draft/publish", json={})
    assert again.status_code == 400 and "already published as version 1" in again.json()["message"]

    client.post(
        f"/v1/ignite/app/{org}/hello/draft", json={"code": python_code({"handler.py": HANDLER + "\n# v2\n"})}
    )
    assert client.post(f"/v1/ignite/app/{org}/hello/draft/publish", json={}).json()["publishedVersion"] == 2
    versions = client.get(f"/v1/ignite/app/{org}/hello/versions").json()["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [
        (2, "VERSION_STATUS_ACTIVE"),
        (1, "VERSION_STATUS_SUPERSEDED"),
    ]
    assert all(v["createdAtMs"].isdigit() for v in versions)

    rolled = client.post(f"/v1/ignite/app/{org}/hello/rollback", json={"version": 1}).json()
    assert rolled["activeVersion"] == 1
    assert client.get(f"/v1/ignite/app/{org}/hello").json()["app"]["activeVersion"] == 1
    assert client.get(f"/v1/ignite/app/{org}/hello/versions/2").json()["app"]["version"] == 2
    code = client.get(f"/v1/ignite/app/{org}/hello/code/versions/1").json()
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(code["sourceCode"])), mode="r:gz") as tar:
        member = tar.extractfile("handler.py")
        assert member is not None and member.read().decode() == HANDLER
    assert client.get(f"/v1/ignite/app/{org}/hello/code", params={"version": 2}).json()["version"] == 2
    info = client.get(f"/v1/ignite/app/{org}/hello/draft").json()["draft"]
    assert info["runtime"] == {"python": {}} and info["status"] == "VERSION_STATUS_DRAFT"
    assert [a["name"] for a in client.get(f"/v1/ignite/app/{org}").json()["apps"]] == ["hello"]


def test_a_raise_gives_the_documented_error_body_with_its_line(client: httpx.Client, org: str) -> None:
    create(client, org, "boom")
    client.post(f"/v1/ignite/app/{org}/boom/draft", json={"code": python_code({"handler.py": HANDLER})})
    e = run(client, org, "boom", b'{"boom": true}')
    assert e["status"] == "EXECUTION_STATUS_FAILED"
    body = json.loads(base64.b64decode(e["output"]))
    assert set(body) == {"error", "type", "traceback"} and body["type"] == "ValueError"
    assert 'handler.py", line 9' in body["traceback"] and "pyhost" not in body["traceback"]
    assert e["errorLocation"] == {"file": "handler.py", "line": 9, "col": 1}


def test_a_syntax_error_names_file_line_and_column(client: httpx.Client, org: str) -> None:
    create(client, org, "broken")
    client.post(
        f"/v1/ignite/app/{org}/broken/draft",
        json={"code": python_code({"handler.py": "def handler(p, c)\n"})},
    )
    e = run(client, org, "broken", b"{}")
    assert e["status"] == "EXECUTION_STATUS_FAILED" and e["error"].startswith(
        "handler.py failed to load: SyntaxError"
    )
    assert e["errorLocation"]["file"] == "handler.py" and e["errorLocation"]["line"] == 1


def test_a_handler_past_its_time_limit_is_stopped(client: httpx.Client, org: str) -> None:
    create(client, org, "slow", timeout_secs=1)
    client.post(f"/v1/ignite/app/{org}/slow/draft", json={"code": python_code({"handler.py": HANDLER})})
    e = run(client, org, "slow", b'{"sleep": true}')
    assert e["status"] == "EXECUTION_STATUS_TIMED_OUT"
    assert "did not finish within 1 s" in e["error"]


def test_a_draft_without_handler_py_fails_with_what_it_holds(client: httpx.Client, org: str) -> None:
    create(client, org, "nohandler")
    client.post(f"/v1/ignite/app/{org}/nohandler/draft", json={"code": python_code({"main.py": "x = 1\n"})})
    e = run(client, org, "nohandler", b"{}")
    assert (
        e["status"] == "EXECUTION_STATUS_FAILED" and "no handler.py" in e["error"] and "main.py" in e["error"]
    )


def test_rust_drafts_that_fail_to_compile_cannot_be_published(client: httpx.Client, org: str) -> None:
    """With cargo the type error fails the check; without it the compile fails saying how to install it."""
    create(client, org, "rusty")
    crate = {
        "Cargo.toml": "[package]\nname='x'\nversion='0.1.0'\n",
        "src/lib.rs": 'pub fn f() -> u8 { "no" }\n',
    }
    source = base64.b64encode(tgz(crate)).decode()
    rust = {"rust": {"target": "RUST_COMPILATION_TARGET_NATIVE", "toolchainVersion": "1.82"}}
    client.post(
        f"/v1/ignite/app/{org}/rusty/draft",
        json={"code": {"compile": {"runtime": rust, "sourceCode": source}}},
    )
    compiled = client.post(f"/v1/ignite/app/{org}/rusty/draft/compile", json={}).json()
    assert compiled["deployId"] == compiled["draft"]["deployId"]
    deploy = compiled["deployId"]
    logs = client.get(f"/v1/ignite/compile/{deploy}/logs", timeout=300).text
    assert "mismatched types" in logs or "cargo is not installed" in logs
    assert (
        client.get(f"/v1/ignite/app/{org}/rusty/draft").json()["draft"]["status"] == "VERSION_STATUS_FAILED"
    )
    refused = client.post(f"/v1/ignite/app/{org}/rusty/draft/publish", json={})
    assert refused.status_code == 400 and "failed to compile" in refused.json()["message"]


def test_bad_input_gets_a_clear_message(client: httpx.Client, org: str) -> None:
    assert client.post(f"/v1/ignite/app/{org}/ghost/draft", json={"code": python_code({})}).status_code == 404
    create(client, org, "edge")
    assert client.post(f"/v1/ignite/app/{org}", json={"name": "edge"}).status_code == 409
    bad64 = {"code": {"compile": {"runtime": {"python": {}}, "sourceCode": "%%%"}}}
    r = client.post(f"/v1/ignite/app/{org}/edge/draft", json=bad64)
    assert r.status_code == 400 and "base64" in r.json()["message"]
    assert client.get(f"/v1/ignite/app/{org}/edge/draft").status_code == 404  # nothing saved yet
    assert client.post(f"/v1/ignite/app/{org}/Bad_Name/draft", json={}).status_code == 400
    assert client.get("/v1/ignite/executions/exec-none").status_code == 404
    assert client.get("/v1/ignite/health").json() == {"status": "SERVING"}
    assert client.delete(f"/v1/ignite/app/{org}/edge").status_code == 200
    assert client.get(f"/v1/ignite/app/{org}/edge").status_code == 404
