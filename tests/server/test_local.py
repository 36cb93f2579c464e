"""Local mode and settings: no initializationOptions at all (embedded emulator, said once), bad settings
(one warning each), and the offline editor features built on the language core."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.conftest import Start, doc_uri, open_doc, wait_diagnostics, wait_status

SAMPLE = (Path(__file__).parent / "sample.scriptum").read_text(encoding="utf-8")
BAD = 'script "Local"\n\ninput\n  name : text\n\nlet a = "x {nme}"\n'


def tdi(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def test_no_initialization_options_uses_the_embedded_emulator(
    start_server: Start, tmp_path: Path
) -> None:
    client = await start_server(None)
    uri = doc_uri(tmp_path, "local-one.scriptum")
    open_doc(client, uri, BAD)
    diags = await wait_diagnostics(client, uri, lambda ds: any(d.source == "scriptum" for d in ds))
    # the local compiler and the embedded emulator agree: the error is shown once
    assert [d.message for d in diags] == ["unknown name 'nme' (did you mean 'name'?)"]
    await wait_status(client, "ok")
    local_notes = [m for m in client.messages if "embedded local emulator" in m.message]
    assert len(local_notes) == 1
    assert local_notes[0].type == types.MessageType.Info
    # the draft really went to the per-user data folder of the embedded emulator
    assert any((tmp_path / "home" / "data" / "scriptum-lsp").rglob("*"))


async def test_bad_settings_warn_once_each_and_defaults_apply(start_server: Start, tmp_path: Path) -> None:
    client = await start_server(
        {"endpoint": "http://example.com", "diagnostics": {"trigger": "sometimes", "debounceMs": "soon"}}
    )
    uri = doc_uri(tmp_path, "settings.scriptum")
    open_doc(client, uri, BAD)
    await wait_diagnostics(client, uri, lambda ds: any(d.source == "scriptum" for d in ds))
    warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert len(warnings) == 3, warnings
    assert any("plain http is only allowed on loopback" in w for w in warnings)
    assert any("diagnostics.trigger" in w for w in warnings)
    assert any("diagnostics.debounceMs" in w for w in warnings)


async def offline_client(
    start_server: Start, tmp_path: Path, caps: str = "visual-studio-code"
) -> tuple[LanguageClient, str]:
    client = await start_server({"diagnostics": {"trigger": "off"}}, caps=caps)
    uri = doc_uri(tmp_path, "sample.scriptum")
    open_doc(client, uri, SAMPLE)
    return client, uri


async def test_outline_folding_and_semantic_tokens(start_server: Start, tmp_path: Path) -> None:
    client, uri = await offline_client(start_server, tmp_path)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=tdi(uri))
    )
    assert symbols is not None
    (script,) = symbols
    assert isinstance(script, types.DocumentSymbol)
    assert script.name == "Fetch Demo"
    assert [c.name for c in script.children or []] == [
        "Mode", "input", "output", "import tools", "Fetch page", "let size", "Done",
    ]  # fmt: skip
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=tdi(uri)))
    assert folds is not None
    assert (15, 18) in [(f.start_line, f.end_line) for f in folds]
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=tdi(uri))
    )
    assert tokens is not None
    data = list(tokens.data)
    assert len(data) % 5 == 0 and len(data) > 50
    assert data[:5] == [0, 0, 6, 0, 0]  # `script`: keyword at 0:0


async def test_hover_completion_navigation_rename_formatting(start_server: Start, tmp_path: Path) -> None:
    client, uri = await offline_client(start_server, tmp_path)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=tdi(uri), position=types.Position(15, 24))  # http_request
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "http_request" in hover.contents.value and "`url`" in hover.contents.value
    hover2 = await client.text_document_hover_async(
        types.HoverParams(text_document=tdi(uri), position=types.Position(23, 27))  # size
    )
    assert hover2 is not None and isinstance(hover2.contents, types.MarkupContent)
    assert "size: integer" in hover2.contents.value

    # completion of the tool's remaining input fields inside the `do` block
    completion = await client.text_document_completion_async(
        types.CompletionParams(text_document=tdi(uri), position=types.Position(17, 2))
    )
    assert completion is not None
    labels = {
        i.label for i in (completion.items if isinstance(completion, types.CompletionList) else completion)
    }
    assert "url" not in labels and "method" not in labels
    assert "headers" in labels or "body" in labels

    definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=tdi(uri), position=types.Position(23, 15))  # page
    )
    assert isinstance(definition, types.Location)
    assert (definition.range.start.line, definition.range.start.character) == (18, 3)
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=tdi(uri),
            position=types.Position(18, 4),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None
    assert sorted((r.range.start.line, r.range.start.character) for r in refs) == [
        (18, 3),
        (20, 11),
        (23, 14),
    ]
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=tdi(uri), position=types.Position(20, 12), new_name="response")
    )
    assert edit is not None and edit.changes is not None
    assert sorted((e.range.start.line, e.range.start.character, e.new_text) for e in edit.changes[uri]) == [
        (18, 3, "response"), (20, 11, "response"), (23, 14, "response"),
    ]  # fmt: skip

    messy = SAMPLE.replace("  url = url", "      url = url")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=messy)],
        )
    )
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=tdi(uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)
        )
    )
    assert edits and len(edits) == 1
    assert edits[0].new_text == SAMPLE


async def test_settings_from_workspace_configuration(start_server: Start, tmp_path: Path) -> None:
    """The `scriptum` section of workspace/configuration overrides initializationOptions."""
    from tests.support.emulator import free_port

    unused = f"http://127.0.0.1:{free_port()}"
    client = await start_server(
        {"endpoint": unused, "diagnostics": {"trigger": "off"}},
        configuration={"endpoint": "local", "organization": "from-config"},
    )
    status = await wait_status(client, "ok")
    assert status["endpoint"] == "local"
    assert status["organization"] == "from-config"
