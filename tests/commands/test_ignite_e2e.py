"""The `ignite.*` commands end to end: `python -m scriptum_lsp` over stdio, an app folder on disk, the real
emulator over HTTP (which really runs the Python handler), and direct HTTP calls to check its state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from lsprotocol import types

from scriptum_lsp.emulator.ignite.rust_check import find_cargo
from tests.commands.conftest import NEOVIM, VSCODE, Session
from tests.server.conftest import wait_diagnostics

pytestmark = pytest.mark.e2e

HANDLER = """import json
import time


def handler(payload, ctx):
    data = json.loads(payload or b"{}")
    print("hello from the handler")
    if data.get("sleep"):
        time.sleep(60)
    if data.get("boom"):
        raise ValueError("boom: " + str(data["boom"]))
    return {"greeting": "Hello, " + data.get("name", "world") + "!", "function": ctx["function_id"]}
"""
RAISE_LINE = 11  # 1-based line of the raise above


def app_folder(session: Session, name: str = "greeter", handler: str = HANDLER) -> Path:
    folder = session.root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "handler.py").write_text(handler, encoding="utf-8")
    (folder / "__pycache__").mkdir(exist_ok=True)
    (folder / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0" * 10)
    return folder


def open_py(session: Session, path: Path, text: str | None = None) -> str:
    text = path.read_text(encoding="utf-8") if text is None else text
    uri = path.as_uri()
    session.texts[uri] = text
    session.versions[uri] = 1
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    return uri


async def ignite_diagnostics(session: Session, uri: str, until: Any) -> list[types.Diagnostic]:
    """The `ignite` diagnostics of `uri` once `until(them)` holds (waits on publishDiagnostics)."""

    def ours(items: list[types.Diagnostic]) -> list[types.Diagnostic]:
        return [d for d in items if d.source == "ignite"]

    return ours(await wait_diagnostics(session.client, uri, lambda items: until(ours(items))))


def kind(exc: Any) -> str:
    return str((exc.data or {}).get("kind"))


def path_of(uri: str) -> Path:
    return Path(url2pathname(urlparse(uri).path))


def create_app(session: Session, name: str, timeout_secs: int) -> None:
    with session.http() as http:
        r = http.post(
            f"/v1/ignite/app/{session.org}", json={"name": name, "limits": {"timeoutSecs": timeout_secs}}
        )
        assert r.status_code == 200, r.text


async def test_save_and_test_runs_the_real_handler(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    folder = app_folder(session)
    uri = open_py(session, folder / "handler.py")
    saved = await session.run("ignite.saveDraft", {"uri": uri})
    assert saved["app"] == "greeter" and saved["created"] is True
    assert saved["files"] == ["handler.py"]  # __pycache__ is left out, like the dodil CLI does
    assert saved["status"] == "DRAFT"
    result = await session.run("ignite.testDraft", {"uri": uri, "payload": {"name": "Ada"}})
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"greeting": "Hello, Ada!", "function": f"{session.org}/greeter"}
    assert {"stream": "stdout", "line": "hello from the handler"} in result["logs"]
    document = path_of(result["document"]).read_text(encoding="utf-8")
    assert "status:    SUCCEEDED" in document and '"greeting": "Hello, Ada!"' in document


async def test_unsaved_buffer_is_what_runs_and_payload_json_is_the_default(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    folder = app_folder(session, "edited")
    (folder / "payload.json").write_text('{"name": "file"}', encoding="utf-8")
    edited = HANDLER.replace('"Hello, "', '"Hi, "')
    uri = open_py(session, folder / "handler.py", edited)  # the editor's text, not what is on disk
    result = await session.run("ignite.testDraft", uri)  # positional, as Helix sends it
    assert json.loads(result["output"])["greeting"] == "Hi, file!"
    assert result["payloadSource"].endswith("payload.json")


async def test_raise_gives_the_documented_error_body_and_a_diagnostic(lsp_session: Any) -> None:
    session: Session = await lsp_session(VSCODE)
    folder = app_folder(session, "raiser")
    uri = open_py(session, folder / "handler.py")
    result = await session.run("ignite.testDraft", {"uri": uri, "payload": '{"boom": 7}'})
    assert result["status"] == "FAILED"
    body = result["errorBody"]
    assert body["type"] == "ValueError" and body["error"] == "boom: 7" and "Traceback" in body["traceback"]
    found = await ignite_diagnostics(session, uri, lambda found: bool(found))
    assert [d.range.start.line for d in found] == [RAISE_LINE - 1]
    assert "ValueError: boom: 7" in found[0].message
    fixed = await session.run("ignite.testDraft", {"uri": uri, "payload": {"name": "x"}})
    assert fixed["ok"] is True
    assert await ignite_diagnostics(session, uri, lambda found: not found) == []


async def test_a_handler_past_its_time_limit_is_stopped(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    folder = app_folder(session, "sleeper")
    create_app(session, "sleeper", timeout_secs=1)
    result = await session.run(
        "ignite.testDraft", {"uri": (folder / "handler.py").as_uri(), "payload": {"sleep": 1}}
    )
    assert result["status"] == "TIMED_OUT"
    assert "did not finish within 1 s" in result["error"]


async def test_bad_payload_and_files_outside_apps_are_refused_clearly(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    folder = app_folder(session, "strict")
    uri = (folder / "handler.py").as_uri()
    err = await session.fails("ignite.testDraft", {"uri": uri, "payload": '{"name": '})
    assert (
        kind(err) == "invalid-input" and "not valid JSON" in err.message and "nothing was run" in err.message
    )
    err = await session.fails("ignite.testDraft", {"uri": uri, "payload": "missing.json"})
    assert kind(err) == "invalid-input" and "missing.json" in err.message
    with session.http() as http:  # nothing was saved either
        assert http.get(f"/v1/ignite/app/{session.org}/strict").status_code == 404
    stray = session.root / "notes" / "script.py"
    stray.parent.mkdir()
    stray.write_text("print(1)\n", encoding="utf-8")
    err = await session.fails("ignite.saveDraft", {"uri": stray.as_uri()})
    assert kind(err) == "not-an-app" and "no Ignite app folder" in err.message


async def test_publish_twice_versions_open_diff_and_rollback(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    folder = app_folder(session, "versioned")
    uri = open_py(session, folder / "handler.py")
    assert (await session.run("ignite.publishDraft", {"uri": uri}))["version"] == 1
    second = HANDLER.replace('"Hello, "', '"Howdy, "')
    session.change(uri, second)
    assert (await session.run("ignite.publishDraft", {"uri": uri}))["version"] == 2
    versions = await session.run("ignite.listVersions", {"uri": uri})
    assert [(v["version"], v["active"]) for v in versions] == [(1, False), (2, True)]
    opened = await session.run("ignite.openVersion", {"uri": uri, "version": 1})
    assert opened["file"] == "handler.py"
    assert path_of(opened["uri"]).read_text(encoding="utf-8") == HANDLER
    diff = await session.run("ignite.diffVersion", {"uri": uri, "version": 1})
    assert diff["changedFiles"] == ["handler.py"]
    assert (
        '-    return {"greeting": "Hello, "' in diff["diff"]
        and '+    return {"greeting": "Howdy, "' in diff["diff"]
    )
    assert await session.run("ignite.rollback", {"uri": uri, "version": 1}) == {
        "app": "versioned",
        "activeVersion": 1,
    }
    with session.http() as http:
        app = http.get(f"/v1/ignite/app/{session.org}/versioned").json()
    assert app["app"]["activeVersion"] == 1
    status = await session.run("ignite.status", {})
    row = next(a for a in status["apps"] if a["app"] == "versioned")
    assert (row["activeVersion"], row["runtime"], row["error"]) == (1, "python", None)
    assert row["draft"] not in ("NOT_CREATED", "UNSPECIFIED")


async def test_declared_app_in_scriptum_toml_and_missing_handler(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    (session.root / "scriptum.toml").write_text(
        '[ignite.apps.billing]\npath = "services/bill"\nruntime = "python"\n', encoding="utf-8"
    )
    folder = session.root / "services" / "bill"
    folder.mkdir(parents=True)
    (folder / "main.py").write_text("x = 1\n", encoding="utf-8")
    # the server read scriptum.toml at start-up? it reads it on save: tell it
    session.client.text_document_did_save(
        types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier((session.root / "scriptum.toml").as_uri())
        )
    )
    err = await session.fails("ignite.saveDraft", {"uri": (folder / "main.py").as_uri()})
    assert kind(err) == "archive" and "no handler.py" in err.message and "billing" in err.message
    (folder / "handler.py").write_text(HANDLER, encoding="utf-8")
    saved = await session.run("ignite.saveDraft", {"app": "billing"})
    assert saved["app"] == "billing" and sorted(saved["files"]) == ["handler.py", "main.py"]


async def test_code_lenses_on_the_handler(lsp_session: Any) -> None:
    session: Session = await lsp_session(VSCODE)
    folder = app_folder(session, "lensed")
    uri = open_py(session, folder / "handler.py")
    lenses = await session.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri))
    )
    titles = [lens.command.title for lens in lenses if lens.command]
    assert titles[:4] == ["Ignite lensed: Save draft", "Test", "Publish", "Versions"]
    assert {lens.range.start.line for lens in lenses} == {4}  # the `def handler` line
    assert "Draft: not on the server" in titles
    # the same lenses for a file the editor never sent (VS Code asks this way)
    other = app_folder(session, "unsent")
    via_request = await session.client.protocol.send_request_async(
        "scriptum/igniteLenses", {"uri": (other / "handler.py").as_uri()}
    )
    assert [lens["command"]["command"] for lens in via_request][:2] == [
        "ignite.saveDraft",
        "ignite.testDraft",
    ]


RUST_MANIFEST = """[package]
name = "crab"
version = "0.1.0"
edition = "2021"

[dependencies]
ignite = "0.3"
"""
RUST_GOOD = """use ignite::prelude::*;

#[ignite::main]
async fn handler(req: Request, ctx: Context) -> Result<Value> {
    let size = req.payload().len();
    Ok(json!({ "size": size, "function": ctx.function_id() }))
}
"""
RUST_BAD = RUST_GOOD.replace("let size = req.payload().len();", 'let size: usize = "big";')
RUST_BAD_LINE = 5  # 1-based line of the type error above


@pytest.mark.skipif(
    find_cargo() is None, reason="cargo is not installed (scripts/install-system-deps.sh installs it)"
)
async def test_rust_type_error_is_a_diagnostic_at_its_line(lsp_session: Any) -> None:
    session: Session = await lsp_session(NEOVIM)
    crate = session.root / "crab"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(RUST_MANIFEST, encoding="utf-8")
    main = crate / "src" / "main.rs"
    main.write_text(RUST_BAD, encoding="utf-8")
    (crate / "target").mkdir()  # left out of the archive
    (crate / "target" / "junk").write_text("x", encoding="utf-8")
    uri = main.as_uri()
    result = await session.run("ignite.compileDraft", {"uri": uri})
    assert result["status"] == "FAILED", result
    errors = [d for d in result["diagnostics"] if d["severity"] == "error" and d["file"]]
    assert (errors[0]["file"], errors[0]["line"]) == ("src/main.rs", RUST_BAD_LINE)
    found = await ignite_diagnostics(session, uri, lambda found: bool(found))
    assert found[0].range.start.line == RUST_BAD_LINE - 1
    assert "mismatched types" in found[0].message
    # publishing refuses the broken crate, naming the error
    err = await session.fails("ignite.publishDraft", {"uri": uri})
    assert kind(err) == "compile-errors" and f"src/main.rs:{RUST_BAD_LINE}" in err.message
    # fixed: compiles, the diagnostics go, and it publishes
    main.write_text(RUST_GOOD, encoding="utf-8")
    assert (await session.run("ignite.compileDraft", {"uri": uri}))["status"] == "COMPILED"
    assert await ignite_diagnostics(session, uri, lambda found: not found) == []
    assert (await session.run("ignite.publishDraft", {"uri": uri}))["version"] == 1
