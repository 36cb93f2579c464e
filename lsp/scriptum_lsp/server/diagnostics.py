"""Pull diagnostics (`textDocument/diagnostic`); push happens through `ScriptumLanguageServer.publish`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="scriptum", inter_file_dependencies=False, workspace_diagnostics=False
        ),
    )
    async def pull(
        ls: ScriptumLanguageServer, params: types.DocumentDiagnosticParams
    ) -> types.RelatedFullDocumentDiagnosticReport:
        uri = params.text_document.uri
        ls.mark_pulled(uri)
        s = ls.engine.settings
        # answer with the result for the current version: wait for the run in progress (bounded)
        await ls.engine.wait_settled(uri, s.debounce + s.request_timeout * 2 + 1.0)
        items = ls.current_diagnostics(uri)
        ls._published[uri] = items
        return types.RelatedFullDocumentDiagnosticReport(items=items)
