"""A huge buffer never stalls the server: no live save+compile, no local analysis, one clear warning,
and everything comes back when the buffer is small again. The remote draft is never touched by the
automatic pipeline while the buffer is large."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from scriptum_lsp.core.limits import LARGE_DOCUMENT_CHARS
from tests.server.conftest import Start, change_full, doc_uri, open_doc, options, wait_diagnostics
from tests.support.emulator import Emulator

SMALL = 'script "Big"\n\ninput\n  name : text\n\nlet greeting = "hi {nmae}"\n'


def large_text() -> str:
    filler = "".join(f'let v{i} = "filler line {i}"\n' for i in range(LARGE_DOCUMENT_CHARS // 25))
    text = SMALL + filler
    assert len(text) > LARGE_DOCUMENT_CHARS
    return text


async def test_large_document_is_not_sent_and_recovers(
    start_server: Start, emulator: Emulator, org: str, tmp_path: Path
) -> None:
    client = await start_server(options(emulator, org))
    uri = doc_uri(tmp_path, "big.scriptum")

    open_doc(client, uri, large_text())
    diags = await wait_diagnostics(client, uri, lambda ds: any(d.code == "large-document" for d in ds))
    assert len(diags) == 1, [d.message for d in diags]
    warning = diags[0]
    assert warning.severity == types.DiagnosticSeverity.Warning
    assert "live save+compile and local checks are off" in warning.message
    assert warning.range.start == types.Position(0, 0)

    # local features answer at once, with nothing, instead of parsing half a megabyte
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert not symbols

    # the automatic pipeline never saved the large buffer: the script does not even exist remotely
    with emulator.client(org) as http:
        assert http.get("/v1/scriptum/scripts/big").status_code == 404

    # small again: live compile comes back, with the platform's diagnostic on the typo
    change_full(client, uri, SMALL, version=2)
    diags = await wait_diagnostics(
        client, uri, lambda ds: any("nmae" in d.message and d.source == "scriptum" for d in ds)
    )
    assert not any(d.code == "large-document" for d in diags)
    with emulator.client(org) as http:
        draft = http.get("/v1/scriptum/scripts/big/draft").json()
    assert draft["dslContent"] == SMALL
