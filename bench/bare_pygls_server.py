"""The reference server of the benchmarks: a bare pygls 2 server with nothing of ours.

Start-up: it imports pygls and lsprotocol only, so `initialize` is answered as fast as pygls can.
Per edit: when `initializationOptions` carry an `endpoint` (an emulator URL), `token` and `organization`, every
didOpen/didChange sends SaveScriptDraft + CompileScriptDraft with one shared httpx.AsyncClient (imported on
first use) and publishes the compile diagnostics at once, for that version, with the simplest possible mapping
(1-based line/col -> a one-line range). No debounce, no local analysis, no state: the floor a real server can
be compared with.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("bare-pygls", "1")
state: dict[str, Any] = {}


async def http() -> Any:
    client = state.get("http")
    if client is None:
        import httpx

        opts = state.get("options") or {}
        headers = {"Authorization": f"Bearer {opts.get('token', '')}"}
        if opts.get("organization"):
            headers["x-organization-name"] = str(opts["organization"])
        client = state["http"] = httpx.AsyncClient(
            base_url=str(opts["endpoint"]), headers=headers, timeout=30
        )
    return client


async def check(uri: str, version: int, text: str) -> None:
    opts = state.get("options") or {}
    if not opts.get("endpoint"):
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, [], version))
        return
    client = await http()
    name = uri.rsplit("/", 1)[-1].removesuffix(".scriptum")
    if name not in state.setdefault("created", set()):
        await client.post("/v1/scriptum/scripts", json={"name": name})
        state["created"].add(name)
    r1 = await client.post(f"/v1/scriptum/scripts/{name}/draft", json={"dslContent": text})
    r1.json()
    r2 = await client.post(f"/v1/scriptum/scripts/{name}/draft/compile", json={})
    body = r2.json()
    diags = []
    for d in body.get("diagnostics") or []:
        line = max(0, int(d.get("line", 1)) - 1)
        col = max(0, int(d.get("col", 1)) - 1)
        diags.append(
            types.Diagnostic(
                range=types.Range(types.Position(line, col), types.Position(line + 1, 0)),
                message=str(d.get("message", "")),
                source="bare",
            )
        )
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, diags, version))


@server.feature(types.INITIALIZE)
def initialize(ls: LanguageServer, params: types.InitializeParams) -> None:
    state["options"] = params.initialization_options


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    await check(doc.uri, doc.version, doc.text)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    doc = ls.workspace.get_text_document(uri)
    await check(uri, params.text_document.version, doc.source)


if __name__ == "__main__":
    asyncio.set_event_loop(asyncio.new_event_loop())
    server.start_io()
