"""The Ignite commands against the recorded-cloud stand-in (`ignite_standin.py`): the seed's literal Drafts
bodies, plausible shapes of the undocumented GetExecution, and only the documented request fields sent.
The real server over stdio; nothing of the emulator."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.cloud.ignite_standin import IgniteStandIn, running_ignite_standin
from tests.cloud.standin import TOKEN
from tests.server.conftest import wait_diagnostics

pytestmark = pytest.mark.e2e

APP = "my-data-processor"
ERROR_BODY = {
    "error": "boom",
    "type": "KeyError",
    "traceback": 'File "/srv/app/handler.py", line 2, in handler',
}


@pytest.fixture
def ignite() -> Iterator[IgniteStandIn]:
    with running_ignite_standin() as s:
        yield s


async def session(start_server: Any, stand: IgniteStandIn, tmp_path: Path, handler: str) -> tuple[Any, str]:
    folder = tmp_path / "ws" / APP
    folder.mkdir(parents=True)
    (folder / "handler.py").write_text(handler, encoding="utf-8")
    client = await start_server({"endpoint": stand.url, "token": TOKEN, "organization": "acme-corp"})
    return client, (folder / "handler.py").as_uri()


async def run(client: Any, command: str, args: dict[str, Any]) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=[args])
    )


EXECUTIONS = [
    pytest.param(
        [{"execution": {"executionId": "exec-3f9a12", "status": "EXECUTION_STATUS_RUNNING"}},
         {"execution": {"executionId": "exec-3f9a12", "status": "EXECUTION_STATUS_SUCCEEDED",
                        "output": base64.b64encode(b'{"hello": "world"}').decode(), "durationMs": "41"}}],
        "SUCCEEDED", {"hello": "world"}, id="wrapped-prefixed-base64",
    ),
    pytest.param(
        [{"executionId": "exec-3f9a12", "status": "COMPLETED", "output": '{"hello": "world"}'}],
        "COMPLETED", {"hello": "world"}, id="bare-short-status-plain-output",
    ),
    pytest.param(
        [{"id": "exec-3f9a12", "state": "SUCCESS", "result": {"hello": "world"}}],
        "SUCCESS", {"hello": "world"}, id="other-names-json-result",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "status", "output"), EXECUTIONS)
async def test_test_draft_with_the_seed_bodies_and_execution_shapes(
    start_server: Any, ignite: IgniteStandIn, tmp_path: Path, answers: list[Any], status: str, output: Any
) -> None:
    ignite.executions = answers
    client, uri = await session(start_server, ignite, tmp_path, "def handler(payload, ctx):\n    return {}\n")
    result = await run(client, "ignite.testDraft", {"uri": uri, "payload": {"name": "world"}, "open": False})
    assert (result["executionId"], result["status"], result["ok"]) == ("exec-3f9a12", status, True)
    assert json.loads(result["output"]) == output
    # only the documented request fields: SaveDraft {code: {compile: {runtime, sourceCode}}}, TestDraft {payload}
    (save,) = ignite.bodies("SaveDraft")
    assert set(save) == {"code"} and set(save["code"]) == {"compile"}
    assert set(save["code"]["compile"]) == {"runtime", "sourceCode"}
    assert ignite.bodies("TestDraft") == [{"payload": base64.b64encode(b'{"name": "world"}').decode()}]
    assert "CompileDraft" not in [r["rpc"] for r in ignite.requests]  # Python drafts skip it (the seed)


async def test_a_failed_run_puts_the_traceback_line_on_the_handler(
    start_server: Any, ignite: IgniteStandIn, tmp_path: Path
) -> None:
    ignite.executions = [{"executionId": "exec-3f9a12", "status": "FAILED", "output": json.dumps(ERROR_BODY)}]
    client, uri = await session(
        start_server, ignite, tmp_path, "def handler(payload, ctx):\n    return ctx['x']\n"
    )
    result = await run(client, "ignite.testDraft", {"uri": uri, "open": False})
    assert result["ok"] is False and result["errorBody"]["type"] == "KeyError"
    assert result["location"] == ["handler.py", 2, 1]
    found = await wait_diagnostics(client, uri, lambda items: any(d.source == "ignite" for d in items))
    (diag,) = [d for d in found if d.source == "ignite"]
    assert diag.range.start.line == 1 and "KeyError: boom" in diag.message


async def test_publish_reads_the_seed_response(
    start_server: Any, ignite: IgniteStandIn, tmp_path: Path
) -> None:
    client, uri = await session(start_server, ignite, tmp_path, "def handler(payload, ctx):\n    return {}\n")
    result = await run(client, "ignite.publishDraft", {"uri": uri})
    assert result == {"app": APP, "version": 4, "activeVersion": 4}
    assert ignite.bodies("PublishDraft") == [{}]


async def test_rust_compile_follows_the_seed_then_polls_draft_info(
    start_server: Any, ignite: IgniteStandIn, tmp_path: Path
) -> None:
    folder = tmp_path / "ws" / "crab"
    (folder / "src").mkdir(parents=True)
    (folder / "Cargo.toml").write_text('[package]\nname = "crab"\n', encoding="utf-8")
    (folder / "src" / "lib.rs").write_text('fn f() {\n    let x: u8 = "s";\n}\n', encoding="utf-8")
    ignite.compile_logs = [
        "error[E0308]: mismatched types",
        " --> src/lib.rs:2:17",
        "error: could not compile `crab`",
    ]
    failed = {"draft": {"status": "VERSION_STATUS_FAILED", "codeHash": "9f1c2a7e", "error": "build failed",
                        "codeKind": "CODE_KIND_SDK"}}  # fmt: skip
    ignite.after_compile = [{"draft": {"status": "VERSION_STATUS_COMPILING"}}, failed]
    client = await start_server({"endpoint": ignite.url, "token": TOKEN, "organization": "acme-corp"})
    uri = (folder / "src" / "lib.rs").as_uri()
    result = await run(client, "ignite.compileDraft", {"uri": uri})
    assert (result["status"], result["deployId"], result["error"]) == (
        "FAILED",
        "deploy-7c3a91",
        "build failed",
    )
    assert [(d["file"], d["line"], d["col"]) for d in result["diagnostics"]] == [("src/lib.rs", 2, 17)]
    save = ignite.bodies("SaveDraft")[0]["code"]["compile"]["runtime"]
    assert save == {"rust": {"target": "RUST_COMPILATION_TARGET_NATIVE"}}
    assert ignite.bodies("CompileDraft") == [{}]
    with pytest.raises(JsonRpcException) as err:  # publish compiles again and refuses the failed draft
        await run(client, "ignite.publishDraft", {"uri": uri})
    assert "did not compile" in err.value.message and "src/lib.rs:2:17" in err.value.message
    assert "PublishDraft" not in [r["rpc"] for r in ignite.requests]
