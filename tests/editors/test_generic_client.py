"""docs/editors.md section 5, "any other client": a minimal LSP client without workspace/configuration that
passes the settings only as initializationOptions, runs commands with positional arguments and handles the
two custom notifications. Real `scriptum-lsp` console script over stdio, real emulator."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from tests.editors.support import BROKEN_SCRIPT, FIXED_SCRIPT, TYPO, isolated_env, typo_range
from tests.support.emulator import Emulator

pytestmark = pytest.mark.e2e


async def test_initialization_options_only_client(tmp_path: Path, emulator: Emulator, org: str) -> None:
    env = isolated_env(tmp_path / "home", DODIL_TOKEN=emulator.token)
    exe = shutil.which("scriptum-lsp", path=env["PATH"])
    if exe is None:
        pytest.skip("the scriptum-lsp console script is not installed (pip install -e .)")
    work = tmp_path / "work"
    work.mkdir()
    doc = work / "greeter.scriptum"
    doc.write_text(BROKEN_SCRIPT, encoding="utf-8")
    uri = doc.as_uri()

    client = LanguageClient("generic", "1")
    diagnostics: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()
    statuses: list[Any] = []
    finished: asyncio.Queue[Any] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(_ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        diagnostics.put_nowait(params)

    @client.feature("scriptum/status")
    def status(_ls: LanguageClient, params: Any) -> None:
        statuses.append(params)

    @client.feature("scriptum/threadFinished")
    def thread_finished(_ls: LanguageClient, params: Any) -> None:
        finished.put_nowait(params)

    await client.start_io(exe, env=env, cwd=str(work))
    try:
        await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    process_id=os.getpid(),
                    root_uri=work.as_uri(),
                    initialization_options={"endpoint": emulator.url, "organization": org},
                    capabilities=types.ClientCapabilities(),  # no workspace/configuration, no showDocument
                )
            ),
            60,
        )
        client.initialized(types.InitializedParams())
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="scriptum", version=0, text=BROKEN_SCRIPT
                )
            )
        )
        line, col, _, end = typo_range("utf-16")  # no positionEncodings offered: the LSP default
        while True:
            params = await asyncio.wait_for(diagnostics.get(), 60)
            found = [d for d in params.diagnostics if TYPO in d.message]
            if found:
                break
        r = found[0].range
        assert (r.start.line, r.start.character, r.end.character) == (line, col, end)
        fixed = FIXED_SCRIPT
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=1),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
            )
        )
        test = await asyncio.wait_for(
            client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="scriptum.test", arguments=[uri, '{"name": "generic"}'])
            ),
            120,
        )
        assert test is not None and test["status"] == "COMPLETED"
        note = await asyncio.wait_for(finished.get(), 60)
        # pygls hands notification params over as named tuples
        assert note.threadId == test["threadId"] and note.status == "COMPLETED"
        assert note.output.greeting == "Hello, generic!"
    finally:
        await asyncio.wait_for(client.shutdown_async(None), 30)
        client.exit(None)
        await asyncio.wait_for(client.stop(), 30)
    assert statuses, "no scriptum/status notification"
    assert statuses[-1].endpoint == emulator.url and statuses[-1].organization == org
