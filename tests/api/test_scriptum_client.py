"""ScriptumClient against the real emulator process over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from scriptum_lsp import embedded
from scriptum_lsp.api import (
    AlreadyExists,
    NotFound,
    ScriptumClient,
    Unauthenticated,
    Unavailable,
)
from tests.support.emulator import Emulator, free_port

GOOD = 'script "Hello"\n\ninput\n  name : text\n\noutput\n  greeting : text\n\nemit "Done"\n  greeting = "hi {name}"\n'
BAD = 'script "Hello"\n\ninput\n  name : text\n\noutput\n  greeting : text\n\nemit "Done"\n  greeting = "hi {nme}"\n'


@pytest.fixture
async def client(emulator: Emulator, org: str) -> AsyncIterator[ScriptumClient]:
    c = ScriptumClient.connect(emulator.url, token=emulator.token, organization=org, timeout=10)
    yield c
    await c.aclose()


async def test_health_without_token(emulator: Emulator) -> None:
    async with ScriptumClient.connect(emulator.url, timeout=5) as c:
        health = await c.health()
    assert isinstance(health, dict)


async def test_script_lifecycle(client: ScriptumClient) -> None:
    created = await client.create_script("greeter", description="says hi", tags=["demo"])
    assert created["name"] == "greeter"
    with pytest.raises(AlreadyExists):
        await client.create_script("greeter")
    got = await client.get_script("greeter")
    assert got["name"] == "greeter"
    assert got.get("description") == "says hi"
    listed = await client.list_scripts()
    assert [s["name"] for s in listed["scripts"]] == ["greeter"]

    saved = await client.save_draft("greeter", GOOD)
    assert saved["status"] == "SCRIPT_VERSION_STATUS_DRAFT"
    compiled = await client.compile_draft("greeter")
    assert compiled["success"] is True, compiled
    info = await client.get_draft_info("greeter")
    assert info["dslContent"] == GOOD
    assert info["status"] == "SCRIPT_VERSION_STATUS_COMPILED"
    code = await client.get_code("greeter", 0)
    assert code["dslContent"] == GOOD

    published = await client.publish_draft("greeter")
    assert published["version"] == 1
    versions = await client.list_versions("greeter")
    assert [v["version"] for v in versions["versions"]] == [1]
    v1 = await client.get_version("greeter", 1)
    assert v1["version"] == 1

    await client.delete_script("greeter")
    with pytest.raises(NotFound) as info_err:
        await client.get_script("greeter")
    assert info_err.value.code == "NOT_FOUND"
    assert info_err.value.http_status == 404


async def test_compile_reports_diagnostics(client: ScriptumClient) -> None:
    await client.create_script("bad")
    await client.save_draft("bad", BAD)
    compiled = await client.compile_draft("bad")
    assert compiled["success"] is False
    diags = compiled["diagnostics"]
    assert diags, compiled
    first = diags[0]
    assert first["line"] == 10
    assert first["severity"] == "error"
    assert first["sourceLine"] == '  greeting = "hi {nme}"'
    assert "name" in first.get("hint", "")


async def test_thread_run_watch_and_result(client: ScriptumClient) -> None:
    await client.create_script("runner")
    await client.save_draft("runner", GOOD)
    assert (await client.compile_draft("runner"))["success"]
    await client.publish_draft("runner")
    thread = await client.create_thread("runner", input_json=json.dumps({"name": "Ada"}))
    thread_id = thread["threadId"]
    events = [e async for e in client.watch_thread(thread_id)]
    assert events, "WatchThread sent nothing"
    final = await client.get_thread(thread_id)
    assert final["status"] == "THREAD_STATUS_COMPLETED", final
    result = await client.get_thread_result(thread_id)
    assert "outputData" in result
    threads = await client.list_threads(script_name_filter="runner")
    assert thread_id in [t["threadId"] for t in threads["threads"]]


async def test_tools_and_templates(client: ScriptumClient) -> None:
    tools = await client.list_tools()
    assert any(t.get("name") == "http_request" for t in tools["tools"])
    templates = await client.list_templates()
    assert templates["templates"]
    first = templates["templates"][0]
    tid = first.get("id") or first.get("templateId")
    assert tid
    one = await client.get_template(tid)
    assert one


async def test_env_vars(client: ScriptumClient) -> None:
    await client.set_env_var("API_KEY", "v1")
    got = await client.get_env_var("API_KEY")
    assert "v1" in json.dumps(got)
    listed = await client.list_env_vars()
    assert "API_KEY" in json.dumps(listed)
    await client.delete_env_var("API_KEY")
    with pytest.raises(NotFound):
        await client.get_env_var("API_KEY")


async def test_wrong_token_is_unauthenticated_and_redacted(emulator: Emulator, org: str) -> None:
    secret = "wrong-token-1234567"
    async with ScriptumClient.connect(emulator.url, token=secret, organization=org) as c:
        with pytest.raises(Unauthenticated) as info:
            await c.list_scripts()
    assert info.value.http_status == 401
    assert secret not in str(info.value)


async def test_unreachable_endpoint_is_unavailable() -> None:
    port = free_port()  # nothing listens here
    async with ScriptumClient.connect(f"http://127.0.0.1:{port}", token="t0ken-abc", timeout=2) as c:
        with pytest.raises(Unavailable):
            await c.health()


async def test_cancellation_is_clean(client: ScriptumClient) -> None:
    await client.create_script("cancel-me")
    task = asyncio.create_task(client.save_draft("cancel-me", GOOD))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # the client remains usable after a cancelled request
    assert (await client.get_script("cancel-me"))["name"] == "cancel-me"


async def test_local_endpoint_in_process(tmp_path: Path) -> None:
    async with embedded.connect("local", local_data=str(tmp_path / "data")) as c:
        await c.create_script("offline")
        await c.save_draft("offline", BAD)
        compiled = await c.compile_draft("offline")
    assert compiled["success"] is False
    assert compiled["diagnostics"][0]["line"] == 10
