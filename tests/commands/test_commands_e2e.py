"""Every `scriptum.*` command end to end: `python -m scriptum_lsp` over stdio, recorded VS Code / Neovim
capabilities, the real emulator over HTTP, and direct HTTP calls to check the emulator's state."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from lsprotocol import types

from scriptum_lsp.server.commands import COMMANDS
from tests.commands.conftest import NEOVIM, VSCODE, Session
from tests.commands.scripts import BROKEN, CLOUD, GREETER, GREETER_CHECK_LINE

pytestmark = pytest.mark.e2e


def kind(exc: Any) -> str:
    return str(data(exc).get("kind"))


def data(exc: Any) -> dict[str, Any]:
    return dict(exc.data or {})


async def request(session: Session, method: str, params: dict[str, Any]) -> Any:
    return await session.client.protocol.send_request_async(method, params)  # type: ignore[no-untyped-call]


def path_of(uri: str) -> Path:
    return Path(url2pathname(urlparse(uri).path))


def run_diagnostics(session: Session, uri: str) -> list[types.Diagnostic]:
    return [d for d in session.client.diagnostics.get(uri, []) if d.source == "scriptum-run"]


def threads(session: Session) -> list[dict[str, Any]]:
    with session.http() as http:
        return list(http.get("/v1/scriptum/threads").json().get("threads", []))


def remote(session: Session, path: str) -> Any:
    with session.http() as http:
        response = http.get(f"/v1/scriptum{path}")
        return response.status_code, response.json()


async def test_every_command_is_advertised(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    assert session.init is not None
    provider = session.init.capabilities.execute_command_provider
    assert provider is not None
    assert set(COMMANDS) <= set(provider.commands)


async def test_compile_reports_success_and_errors(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    good = session.open("greeter.scriptum", GREETER)
    result = await session.run("scriptum.compile", {"uri": good})
    assert result["success"] is True
    assert [d for d in result["diagnostics"] if d["severity"] == "error"] == []
    bad = session.open("broken.scriptum", BROKEN)
    result = await session.run("scriptum.compile", bad)  # positional, as Helix sends it
    assert result["success"] is False
    assert any(d["severity"] == "error" for d in result["diagnostics"])


async def test_publish_refuses_compile_errors(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("broken.scriptum", BROKEN)
    err = await session.fails("scriptum.publish", {"uri": uri})
    assert kind(err) == "compile-errors"
    assert "compile errors" in err.message
    assert data(err)["diagnostics"]
    status, body = remote(session, "/scripts/broken/versions")
    assert status == 404 or body.get("versions", []) == []


async def test_publish_twice_without_a_change_mints_no_duplicate(lsp_session: Any) -> None:
    """`:ScriptumPublish` twice with no change: the second says the source is already published as v1 and
    mints nothing; after a rollback to an older version, publishing the buffer of the latest says so too."""
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("twice.scriptum", GREETER)
    assert await session.run("scriptum.publish", {"uri": uri}) == {"version": 1, "alreadyPublished": False}
    assert await session.run("scriptum.publish", {"uri": uri}) == {"version": 1, "alreadyPublished": True}
    assert "twice: this source is already published as v1; nothing to publish" in [
        m.message for m in session.client.messages
    ]
    _, listing = remote(session, "/scripts/twice/versions")
    assert [int(v["version"]) for v in listing["versions"]] == [1]
    session.change(uri, GREETER.replace('version "0.1.0"', 'version "0.2.0"'))
    assert await session.run("scriptum.publish", {"uri": uri}) == {"version": 2, "alreadyPublished": False}
    assert await session.run("scriptum.rollback", {"uri": uri, "version": 1}) == {"activeVersion": 1}
    assert await session.run("scriptum.publish", {"uri": uri}) == {"version": 2, "alreadyPublished": True}
    _, listing = remote(session, "/scripts/twice/versions")
    assert sorted(int(v["version"]) for v in listing["versions"]) == [1, 2]


async def test_publish_three_times_rollback_and_restore(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("greeter.scriptum", GREETER)
    sources = []
    for n in (1, 2, 3):
        text = GREETER.replace('version "0.1.0"', f'version "0.{n}.0"')
        if n > 1:
            session.change(uri, text)
        sources.append(text)
        assert await session.run("scriptum.publish", {"uri": uri}) == {
            "version": n,
            "alreadyPublished": False,
        }
        assert f"Published greeter v{n}" in [m.message for m in session.client.messages]

    versions = await session.run("scriptum.listVersions", {"uri": uri})
    assert [(v["version"], v["active"]) for v in versions] == [(1, False), (2, False), (3, True)]
    _, listing = remote(session, "/scripts/greeter/versions")
    assert sorted(int(v["version"]) for v in listing["versions"]) == [1, 2, 3]
    for mine in versions:
        theirs = next(v for v in listing["versions"] if int(v["version"]) == mine["version"])
        assert mine["createdAtMs"] == int(theirs["createdAtMs"])
        assert mine["status"] == theirs["status"].removeprefix("SCRIPT_VERSION_STATUS_")
    for n, text in enumerate(sources, start=1):
        assert remote(session, f"/scripts/greeter/code/versions/{n}")[1]["dslContent"] == text

    assert await session.run("scriptum.rollback", {"uri": uri, "version": 0}) == {"activeVersion": 2}
    assert remote(session, "/scripts/greeter")[1]["activeVersion"] == 2
    assert await session.run("scriptum.rollback", uri, 1) == {"activeVersion": 1}
    assert remote(session, "/scripts/greeter")[1]["activeVersion"] == 1
    versions = await session.run("scriptum.listVersions", uri)
    assert [v["version"] for v in versions if v["active"]] == [1]

    # restore v2 into the buffer: a WorkspaceEdit against the current buffer version, nothing published
    session.change(uri, GREETER + "\n-- local edits\n")
    result = await session.run("scriptum.restoreVersion", {"uri": uri, "version": 2})
    assert result == {"applied": True, "version": 2}
    assert session.texts[uri] == sources[1]
    assert len(session.edits) == 1
    _, script = remote(session, "/scripts/greeter")
    assert (script["activeVersion"], script["latestVersion"]) == (1, 3)
    # the restored buffer is what the next publish sends
    assert await session.run("scriptum.publish", {"uri": uri}) == {"version": 4, "alreadyPublished": False}
    assert remote(session, "/scripts/greeter/code/versions/4")[1]["dslContent"] == sources[1]


async def test_open_version_file_and_virtual(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("greeter.scriptum", GREETER)
    await session.run("scriptum.publish", uri)
    result = await session.run("scriptum.openVersion", {"uri": uri, "version": 1})
    assert result["uri"].startswith("file://") and result["shown"] is True
    path = path_of(result["uri"])
    assert path.read_text(encoding="utf-8") == GREETER
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert session.client.shown_documents[-1].uri == result["uri"]

    vscode: Session = await lsp_session(VSCODE, experimental={"scriptum": {"virtualDocuments": True}})
    vuri = vscode.open("greeter.scriptum", GREETER)
    result = await vscode.run("scriptum.openVersion", {"uri": vuri, "version": 1})
    assert result["uri"] == "scriptum-version:/greeter/v1.scriptum"
    text = await request(vscode, "scriptum/versionContent", {"script": "greeter", "version": 1})
    assert text == GREETER
    by_uri = await request(vscode, "scriptum/versionContent", {"uri": result["uri"]})
    assert by_uri == GREETER


async def test_unknown_version_changes_nothing(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("greeter.scriptum", GREETER)
    await session.run("scriptum.publish", uri)
    for command in ("scriptum.openVersion", "scriptum.restoreVersion", "scriptum.rollback"):
        err = await session.fails(command, {"uri": uri, "version": 42})
        assert "42" in err.message, (command, err.message)
        assert kind(err) in ("unknown-version", "conflict", "invalid-argument"), (command, kind(err))
    assert session.edits == []
    assert remote(session, "/scripts/greeter")[1]["activeVersion"] == 1
    err = await session.fails("scriptum.openVersion", {"uri": uri})
    assert kind(err) == "invalid-arguments"


async def test_run_test_completes_and_reports(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("greeter.scriptum", GREETER)
    result = await session.run("scriptum.test", {"uri": uri, "input": {"name": "ann"}})
    assert result["status"] == "COMPLETED"
    assert result["output"] == {"greeting": "hello ann"}
    assert result["error"] is None
    thread_id = result["threadId"]
    assert session.finished == [
        {k: result[k] for k in ("threadId", "status", "output", "error", "durationMs")}
    ]
    # the result is opened read-only, and the progress began and ended
    shown = session.client.shown_documents[-1].uri
    assert json.loads(path_of(shown).read_text())["threadId"] == thread_id
    kinds = [type(v).__name__ for reports in session.client.progress_reports.values() for v in reports]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    # the emulator agrees
    _, thread = remote(session, f"/threads/{thread_id}")
    assert thread["status"] == "THREAD_STATUS_COMPLETED"
    assert json.loads(thread["inputJson"]) == {"name": "ann"}
    # showThread and threadContent give the same result
    shown_thread = await session.run("scriptum.showThread", thread_id)
    assert shown_thread["result"]["output"] == {"greeting": "hello ann"}
    assert {s["name"] for s in shown_thread["steps"]} >= {"Say hello"}
    text = await request(session, "scriptum/threadContent", {"threadId": thread_id})
    assert json.loads(text)["output"] == {"greeting": "hello ann"}
    # exportThread writes a thread file that the debugger replays (docs/debugger.md)
    from scriptum_lsp.debug.replay import FORMAT, recording_from_export

    target = session.root / "thread.json"
    exported = await session.run("scriptum.exportThread", thread_id, str(target))
    assert exported["path"] == str(target) and exported["thread"]["format"] == FORMAT
    rec = recording_from_export(json.loads(target.read_text()))
    assert rec.thread_id == thread_id and rec.source == GREETER
    assert [s.label for s in rec.steps if s.label] == ["Say hello"] or "Say hello" in [
        s.label for s in rec.steps
    ]
    assert any(s.has_output for s in rec.steps)


async def test_run_test_input_from_file_and_text(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("greeter.scriptum", GREETER)
    (session.root / "greeter.input.json").write_text('{"name": "from file"}')
    result = await session.run("scriptum.test", {"uri": uri})
    assert result["output"] == {"greeting": "hello from file"}
    result = await session.run("scriptum.test", uri, '{"name": "text"}')
    assert result["output"] == {"greeting": "hello text"}


async def test_invalid_and_mismatched_input_sends_nothing(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("greeter.scriptum", GREETER)
    err = await session.fails("scriptum.test", {"uri": uri, "input": '{"name": '})
    assert kind(err) == "invalid-input"
    assert "invalid JSON at line 1" in err.message
    err = await session.fails("scriptum.test", {"uri": uri, "input": {"nme": "x", "count": "many"}})
    assert kind(err) == "input-mismatch"
    problems = data(err)["problems"]
    assert len(problems) == 3, problems
    assert any(p.startswith("name:") and "missing" in p for p in problems)
    assert any(p.startswith("count:") for p in problems)
    assert any("unknown input field 'nme'" in p and "did you mean 'name'" in p for p in problems)
    (session.root / "greeter.input.json").write_text("[1, 2]")
    err = await session.fails("scriptum.test", uri)
    assert kind(err) == "invalid-input" and "greeter.input.json" in err.message
    assert threads(session) == []


async def test_failing_thread_becomes_run_diagnostic(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("greeter.scriptum", GREETER)
    result = await session.run("scriptum.test", {"uri": uri, "input": {"name": "ann", "count": 7}})
    assert result["status"] == "FAILED"
    assert "count is too big" in result["error"]
    diags = run_diagnostics(session, uri)
    assert len(diags) == 1
    assert diags[0].range.start.line == GREETER_CHECK_LINE - 1
    assert "Small count" in diags[0].message
    assert diags[0].severity == types.DiagnosticSeverity.Error
    # the next run replaces it
    result = await session.run("scriptum.test", {"uri": uri, "input": {"name": "ann"}})
    assert result["status"] == "COMPLETED"
    assert run_diagnostics(session, uri) == []


async def test_cloud_tool_thread_does_not_complete(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("cloud.scriptum", CLOUD)
    result = await session.run("scriptum.test", {"uri": uri})
    assert result["status"] in ("FAILED", "PAUSED")  # an error pause, or a failure
    assert "llm" in result["error"]
    (diag,) = run_diagnostics(session, uri)
    assert diag.range.start.line == CLOUD.splitlines().index('do "Think" with llm')
    assert "Think" in diag.message


async def wait_for_running(session: Session) -> str:
    """Wait (on $/progress notifications, no sleeps) until a run reports RUNNING; return the thread id."""
    while True:
        for reports in session.client.progress_reports.values():
            for value in reports:
                message = getattr(value, "message", "") or ""
                if isinstance(value, types.WorkDoneProgressReport) and message.startswith("running"):
                    begin = reports[0]
                    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
                    return str(begin.message).split()[1]
        await session.client.wait_for_notification("$/progress")


async def test_cancel_progress_cancels_the_thread(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("greeter.scriptum", GREETER)
    task = asyncio.ensure_future(
        session.run("scriptum.test", {"uri": uri, "input": {"name": "a", "pause": "60s"}})
    )
    thread_id = await asyncio.wait_for(wait_for_running(session), 20)
    token = next(iter(session.client.progress_reports))
    session.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    result = await asyncio.wait_for(task, 20)
    assert result["status"] == "CANCELLED"
    assert result["threadId"] == thread_id
    assert remote(session, f"/threads/{thread_id}")[1]["status"] == "THREAD_STATUS_CANCELLED"


async def test_unauthorized(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM, token="not-the-token")
    uri = session.open("greeter.scriptum", GREETER)
    err = await session.fails("scriptum.publish", {"uri": uri})
    assert kind(err) == "auth"
    assert "not authorized" in err.message
    status = await session.run("scriptum.status")
    assert status["authenticated"] is False and status["error"]
    err = await session.fails("scriptum.test", {"uri": uri, "input": {"name": "x"}})
    assert kind(err) == "auth"


async def test_remote_draft_changed(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("greeter.scriptum", GREETER)
    assert (await session.run("scriptum.compile", uri))["success"] is True
    theirs = GREETER.replace("hello", "howdy")
    with session.http() as http:
        assert http.post("/v1/scriptum/scripts/greeter/draft", json={"dslContent": theirs}).status_code == 200
    err = await session.fails("scriptum.publish", {"uri": uri})
    assert kind(err) == "remote-draft-changed"
    _, body = remote(session, "/scripts/greeter/versions")
    assert body.get("versions", []) == []
    assert remote(session, "/scripts/greeter/draft")[1]["dslContent"] == theirs  # untouched
    doc = types.TextDocumentIdentifier(uri=uri)
    lenses = await session.client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
    commands = [lens.command.command for lens in lenses or [] if lens.command]
    assert "scriptum.openRemoteDraft" in commands and "scriptum.overwriteDraft" in commands
    opened = await session.run("scriptum.openRemoteDraft", uri)
    assert path_of(opened["uri"]).read_text() == theirs
    await session.run("scriptum.overwriteDraft", uri)
    assert remote(session, "/scripts/greeter/draft")[1]["dslContent"] == GREETER
    assert await session.run("scriptum.publish", uri) == {"version": 1, "alreadyPublished": False}


async def test_status_create_and_clear_cache(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    uri = session.open("fresh.scriptum", GREETER)
    created = await session.run("scriptum.createScript", {"uri": uri})
    assert created["name"] == "fresh"
    assert remote(session, "/scripts/fresh")[0] == 200
    status = await session.run("scriptum.status")
    assert status["authenticated"] is True
    assert status["endpoint"].rstrip("/") == session.emulator.url.rstrip("/")
    assert status["organization"] == session.org
    assert "fresh" in [s["name"] for s in status["scripts"]]
    await session.run("scriptum.publish", uri)
    opened = await session.run("scriptum.openVersion", uri, 1)
    assert path_of(opened["uri"]).exists()
    cleared = await session.run("scriptum.clearCache")
    assert cleared["cleared"] is True
    assert not path_of(opened["uri"]).exists()


async def test_code_lenses_and_source_actions(lsp_session: Any) -> None:
    session: Session = await lsp_session(VSCODE)
    uri = session.open("greeter.scriptum", "-- a comment\n" + GREETER)
    await session.run("scriptum.publish", uri)
    doc = types.TextDocumentIdentifier(uri=uri)
    lenses = await session.client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
    assert lenses is not None
    titles = [lens.command.title for lens in lenses if lens.command]
    assert titles[:3] == ["Publish", "Test", "Versions (active v1)"]
    assert {lens.range.start.line for lens in lenses} == {1}
    assert all(lens.command and lens.command.command in COMMANDS for lens in lenses)
    assert "Draft: compiled" in titles

    async def versions_lens() -> str:
        lenses = await session.client.text_document_code_lens_async(types.CodeLensParams(text_document=doc))
        return next(
            lens.command.title for lens in lenses or [] if lens.command and "Versions" in lens.command.title
        )

    session.change(uri, "-- a comment\n" + GREETER.replace("0.1.0", "0.2.0"))
    await session.run("scriptum.publish", uri)
    assert await versions_lens() == "Versions (active v2)"
    await session.run("scriptum.rollback", uri)
    assert await versions_lens() == "Versions (active v1)"
    actions = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc,
            range=types.Range(types.Position(1, 0), types.Position(1, 0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]),
        )
    )
    kinds = {a.kind for a in actions or [] if isinstance(a, types.CodeAction)}
    assert {"source.scriptum.publish", "source.scriptum.test"} <= kinds


async def test_vscode_versioned_restore_and_virtual_run_result(lsp_session: Any) -> None:
    session: Session = await lsp_session(VSCODE, experimental={"scriptum": {"virtualDocuments": True}})
    uri = session.open("greeter.scriptum", GREETER)
    await session.run("scriptum.publish", uri)
    session.change(uri, GREETER + "-- café 😀 at the very end")  # no final newline: the end is mid-line
    assert await session.run("scriptum.restoreVersion", uri, "v1") == {"applied": True, "version": 1}
    (change,) = session.edits[-1].edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == session.versions[uri] - 1  # the version the edit was made for
    assert session.texts[uri] == GREETER

    result = await session.run("scriptum.test", {"uri": uri, "input": {"name": "vs"}})
    shown = session.client.shown_documents[-1].uri
    assert shown == f"scriptum-run:/{result['threadId']}.json"
    text = await request(session, "scriptum/threadContent", {"uri": shown})
    rendered = json.loads(text)
    assert rendered["output"] == {"greeting": "hello vs"}
    assert [s["name"] for s in rendered["steps"]][:2] == ["Say hello", "Small count"]


async def test_emacs_without_show_document(lsp_session: Any) -> None:
    session: Session = await lsp_session("emacs")
    uri = session.open("greeter.scriptum", GREETER)
    await session.run("scriptum.publish", uri)
    opened = await session.run("scriptum.openVersion", {"uri": uri, "version": 1})
    assert opened["shown"] is False
    assert path_of(opened["uri"]).read_text() == GREETER
    session.change(uri, "-- ünïcödé 😀 first\n" + GREETER + "-- 😀😀 end")
    assert (await session.run("scriptum.restoreVersion", uri, 1))["applied"] is True
    assert session.texts[uri] == GREETER
    result = await session.run("scriptum.test", {"uri": uri, "input": {"name": "em"}})
    assert result["status"] == "COMPLETED"
    assert session.client.shown_documents == []
    assert session.finished[-1]["threadId"] == result["threadId"]


async def test_unreachable_endpoint_and_unopened_document(lsp_session: Any) -> None:
    from tests.support.emulator import free_port

    session: Session = await lsp_session(NEOVIM, options={"endpoint": f"http://127.0.0.1:{free_port()}"})
    uri = session.open("greeter.scriptum", GREETER)
    err = await session.fails("scriptum.publish", uri)
    assert kind(err) in ("unavailable", "timeout"), err.message
    assert "Publish failed" in err.message
    status = await session.run("scriptum.status")
    assert status["authenticated"] is False
    err = await session.fails("scriptum.test", (session.root / "other.scriptum").as_uri())
    assert kind(err) == "not-open"
