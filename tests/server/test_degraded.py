"""Degraded modes: an outage and a 401 each produce one message, keep the last diagnostics (stale), report
`scriptum/status`, and recover without a restart (a new token arrives through didChangeConfiguration).
The token never appears in messages, statuses or logs."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.conftest import Start, change_full, doc_uri, open_doc, wait_diagnostics, wait_status
from tests.support.emulator import free_port, start_emulator

HEAD = 'script "Outage"\n\ninput\n  name : text\n\n'
SECRET = "s3cret-test-token-0042"
WRONG = "wr0ng-test-token-0042"


async def pull(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    return list(report.items)


def messages_about(client: LanguageClient, word: str) -> list[str]:
    return [m.message for m in client.messages if word in m.message]


async def test_outage_and_401_one_message_each_then_recovery(
    start_server: Start, tmp_path: Path, org: str
) -> None:
    port = free_port()
    data = tmp_path / "emu"
    emu = start_emulator(data, token=SECRET, port=port)
    log_file = tmp_path / "server.log"
    try:
        opts = {"endpoint": emu.url, "token": SECRET, "organization": org, "diagnostics": {"debounceMs": 10}}
        client = await start_server(opts, args=("--log-level", "debug", "--log-file", str(log_file)))
        uri = doc_uri(tmp_path, "outage.scriptum")
        open_doc(client, uri, HEAD + 'let a = "x {nme}"\n')
        await wait_diagnostics(client, uri, lambda ds: any(d.source == "scriptum" for d in ds))
        await wait_status(client, "ok")
        mark = len(client.statuses)  # type: ignore[attr-defined]

        # --- outage -------------------------------------------------------------------------------
        emu.kill()
        change_full(client, uri, HEAD + 'let a = "x {nme}"\n-- edit 2\n', 2)
        await wait_status(client, "offline", after=mark)
        stale = await pull(client, uri)
        assert [d.message for d in stale if d.source == "scriptum"] == [
            "unknown name 'nme' (did you mean 'name'?) [stale: offline]"
        ]
        change_full(client, uri, HEAD + 'let a = "x {nme}"\n-- edit 3\n', 3)
        await pull(client, uri)
        assert len(messages_about(client, "unreachable")) == 1

        # --- recovery: same port, same data --------------------------------------------------------
        mark = len(client.statuses)  # type: ignore[attr-defined]
        emu = start_emulator(data, token=SECRET, port=port)
        await wait_status(client, "ok", after=mark)
        fresh = await pull(client, uri)
        assert [d.message for d in fresh if d.source == "scriptum"] == [
            "unknown name 'nme' (did you mean 'name'?)"
        ]

        # --- 401 through a new token ---------------------------------------------------------------
        mark = len(client.statuses)  # type: ignore[attr-defined]
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"scriptum": {**opts, "token": WRONG}})
        )
        change_full(client, uri, HEAD + 'let a = "x {nme}"\n-- edit 4\n', 4)
        await wait_status(client, "unauthorized", after=mark)
        change_full(client, uri, HEAD + 'let a = "x {nme}"\n-- edit 5\n', 5)
        await pull(client, uri)
        assert len(messages_about(client, "credentials")) == 1

        # --- the right token again: recovery without a restart --------------------------------------
        mark = len(client.statuses)  # type: ignore[attr-defined]
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"scriptum": opts})
        )
        await wait_status(client, "ok", after=mark)
        assert len(messages_about(client, "unreachable")) == 1
        assert len(messages_about(client, "credentials")) == 1

        # --- the tokens never leak ------------------------------------------------------------------
        seen = [m.message for m in client.messages] + [m.message for m in client.log_messages]
        seen += [str(s) for s in client.statuses]  # type: ignore[attr-defined]
        seen.append(log_file.read_text(errors="replace"))
        assert log_file.stat().st_size > 0
        for text in seen:
            assert SECRET not in text and WRONG not in text
    finally:
        emu.kill()
