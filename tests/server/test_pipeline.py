"""The pipeline under stress: a slowed emulator with fast edits never publishes a stale result, a burst of
edits sends one compile, identical content is not sent again, remote drafts are never overwritten silently."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.conftest import (
    Start,
    change_full,
    change_range,
    doc_uri,
    open_doc,
    options,
    wait_diagnostics,
    wait_status,
)
from tests.support.emulator import Emulator, start_emulator

HEAD = 'script "Race"\n\ninput\n  name : text\n\n'


def version_text(v: int) -> str:
    return HEAD + f'let a = "x {{wrong{v}}}"\n'


def record_publications(client: LanguageClient) -> list[types.PublishDiagnosticsParams]:
    """Every publishDiagnostics the client receives, in order (wraps pytest-lsp's handler)."""
    seen: list[types.PublishDiagnosticsParams] = []
    fm = client.protocol.fm
    original = fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def wrapped(params: types.PublishDiagnosticsParams) -> Any:
        seen.append(params)
        return original(params)

    fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = wrapped
    return seen


@pytest.fixture
def slow_emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = start_emulator(
        tmp_path / "slow", extra_args=["--fault", "CompileScriptDraft=latency=300ms", "--log-level", "debug"]
    )
    try:
        yield emu
    finally:
        emu.kill()


def compile_requests(emu: Emulator, script: str) -> int:
    return emu.log().count(f"/v1/scriptum/scripts/{script}/draft/compile")


def save_requests(emu: Emulator, script: str) -> int:
    return emu.log().count(f'"POST /v1/scriptum/scripts/{script}/draft HTTP')


async def test_fast_edits_never_publish_a_stale_result(
    start_server: Start, slow_emulator: Emulator, org: str, tmp_path: Path
) -> None:
    client = await start_server(options(slow_emulator, org, diagnostics={"debounceMs": 20}))
    published = record_publications(client)
    uri = doc_uri(tmp_path, "race.scriptum")
    texts = {1: version_text(1)}
    open_doc(client, uri, texts[1])
    await wait_diagnostics(client, uri, lambda ds: any("wrong1" in d.message for d in ds))
    # edits faster than a compile (300 ms): each new version cancels the request of the previous one
    for v in range(2, 8):
        texts[v] = version_text(v)
        change_full(client, uri, texts[v], v)
        await asyncio.sleep(0)  # yield to the transport only; the server sees edits back to back
    await wait_diagnostics(client, uri, lambda ds: any("wrong7" in d.message for d in ds))
    for p in published:
        assert p.version in texts, p.version
        for d in p.diagnostics:
            if d.source == "scriptum":
                name = d.message.split("'")[1]
                assert name in texts[p.version], (p.version, d.message)
    assert published[-1].version == 7


async def test_burst_of_keystrokes_sends_one_compile(
    start_server: Start, slow_emulator: Emulator, org: str, tmp_path: Path
) -> None:
    client = await start_server(options(slow_emulator, org, diagnostics={"debounceMs": 1000}))
    uri = doc_uri(tmp_path, "burst.scriptum")
    base = HEAD + 'let a = "x {name}"\n'
    open_doc(client, uri, base)
    await wait_status(client, "ok")
    before = compile_requests(slow_emulator, "burst")
    assert before == 1
    # 50 keystrokes typing a comment at the end of line 5, one incremental change each
    typed = "-- " + "k" * 47
    for i, ch in enumerate(typed):
        change_range(client, uri, 2 + i, (5, 18 + i), (5, 18 + i), ch)
    final = 2 + len(typed) - 1
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert compile_requests(slow_emulator, "burst") - before == 1
    with slow_emulator.client(org) as http:
        draft = http.get("/v1/scriptum/scripts/burst/draft").json()
    assert draft["dslContent"] == HEAD + 'let a = "x {name}"' + typed + "\n"
    assert final == 51
    # saving identical content again sends nothing
    saves = save_requests(slow_emulator, "burst")
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert save_requests(slow_emulator, "burst") == saves
    assert compile_requests(slow_emulator, "burst") - before == 1


async def test_remote_draft_changed_is_never_overwritten(
    start_server: Start, emulator: Emulator, org: str, tmp_path: Path
) -> None:
    client = await start_server(options(emulator, org))
    uri = doc_uri(tmp_path, "shared.scriptum")
    mine = HEAD + 'let a = "x {name}"\n'
    open_doc(client, uri, mine)
    await wait_status(client, "ok")
    theirs = HEAD + 'let b = "someone else"\n'
    with emulator.client(org) as http:
        assert http.post("/v1/scriptum/scripts/shared/draft", json={"dslContent": theirs}).status_code == 200
    mine2 = mine + 'let c = "more"\n'
    change_full(client, uri, mine2, 2)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    diags = await wait_diagnostics(client, uri, lambda ds: any(d.code == "remote-draft-changed" for d in ds))
    assert diags[0].severity == types.DiagnosticSeverity.Warning
    status = await wait_status(client, "conflict")
    assert "shared" in status["message"]
    with emulator.client(org) as http:
        assert http.get("/v1/scriptum/scripts/shared/draft").json()["dslContent"] == theirs
    # further edits do not save either
    change_full(client, uri, mine2 + "-- again\n", 3)
    await client.text_document_diagnostic_async(  # returns once the run for version 3 is settled
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 1)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    titles = [a.title for a in actions or []]
    assert "Overwrite the remote draft with this buffer" in titles
    assert "Open the remote draft" in titles
    with emulator.client(org) as http:
        assert http.get("/v1/scriptum/scripts/shared/draft").json()["dslContent"] == theirs
