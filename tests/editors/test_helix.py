"""Helix is not packaged for Debian bookworm: check editors/helix/languages.toml as Helix reads it, and start
the real server exactly as Helix would from that file (command + args from PATH, `config` as
initializationOptions, workspace/configuration answered by Helix's section lookup, positional
`workspace/executeCommand` arguments as `:lsp-workspace-command` sends them)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from tests.editors.support import (
    BROKEN_SCRIPT,
    FIXED_SCRIPT,
    HELIX_LANGUAGES,
    TYPO,
    doc_snippets,
    isolated_env,
    localize_snippet,
    typo_range,
)
from tests.support.emulator import Emulator

# keys of Helix's `[[language]]` and `[language-server.*]` tables (book/src/languages.md)
LANGUAGE_KEYS = {
    "name", "language-id", "scope", "injection-regex", "file-types", "shebangs", "roots", "auto-format",
    "diagnostic-severity", "comment-token", "comment-tokens", "block-comment-tokens", "indent",
    "grammar", "formatter", "soft-wrap", "text-width", "workspace-lsp-roots", "persistent-diagnostic-sources",
    "language-servers", "auto-pairs", "rulers", "path-completion", "word-completion", "debugger",
}  # fmt: skip
# `[language.debugger]` and its templates (book/src/languages.md, "Debug adapter configuration")
DEBUGGER_KEYS = {"name", "transport", "command", "args", "port-arg", "templates", "quirks"}
TEMPLATE_KEYS = {"name", "request", "completion", "args"}
SERVER_KEYS = {"command", "args", "config", "timeout", "environment", "required-root-patterns"}


def all_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in all_keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in all_keys(v)]
    return []


def load() -> dict[str, Any]:
    return tomllib.loads(HELIX_LANGUAGES.read_text(encoding="utf-8"))


def test_languages_toml_is_a_valid_helix_language() -> None:
    data = load()
    (lang,) = data["language"]
    assert set(lang) <= LANGUAGE_KEYS, set(lang) - LANGUAGE_KEYS
    assert lang["name"] == "scriptum"
    assert lang["file-types"] == ["scriptum"]
    assert lang["comment-token"] == "--"
    assert lang["indent"] == {"tab-width": 2, "unit": "  "}
    servers = data["language-server"]
    assert lang["language-servers"] == list(servers) == ["scriptum-lsp"]
    server = servers["scriptum-lsp"]
    assert set(server) <= SERVER_KEYS
    assert server["command"] == "scriptum-lsp"
    assert set(server["config"]) == {"scriptum"}
    assert set(server["config"]["scriptum"]) == {"endpoint", "organization"}
    assert "token" not in all_keys(data)  # the token stays in the environment (DODIL_TOKEN)
    assert "environment" not in server


def test_debugger_templates_launch_the_adapter(tmp_path: Path) -> None:
    """Helix fills `{0}`, `{1}` of a template's args with the completions and sends `launch` to the adapter."""
    from tests.debug.conftest import SCRIPT
    from tests.debug.dapclient import DapClient

    dbg = load()["language"][0]["debugger"]
    assert set(dbg) <= DEBUGGER_KEYS and dbg["transport"] == "stdio"
    assert [dbg["command"], *dbg["args"]] == ["scriptum-lsp", "debug"]
    templates = {t["name"]: t for t in dbg["templates"]}
    assert set(templates) == {"launch", "replay"}
    for t in templates.values():
        assert set(t) <= TEMPLATE_KEYS and t["request"] == "launch"
    script = tmp_path / "s.scriptum"
    script.write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "in.json").write_text('{"items": ["x"]}', encoding="utf-8")
    filled = {k: v.replace("{0}", str(script)).replace("{1}", str(tmp_path / "in.json"))
              for k, v in templates["launch"]["args"].items()}  # fmt: skip
    dap = DapClient()
    try:
        started = dap.start(filled, [])
        assert started["launch"]["success"], started
        assert dap.event("exited")["body"]["exitCode"] == 0
        # the optional input left at its default ("") means no input file
        empty = {
            k: v.replace("{0}", str(script)).replace("{1}", "")
            for k, v in templates["launch"]["args"].items()
        }
        assert empty["input"] == ""
    finally:
        dap.close()


def test_languages_toml_matches_the_docs() -> None:
    documented = doc_snippets()["helix-languages"]
    assert tomllib.loads(documented) == load()
    body = HELIX_LANGUAGES.read_text(encoding="utf-8")
    assert body.endswith(documented)


def helix_configuration(config: dict[str, Any], section: str | None) -> Any:
    """Helix's answer to one workspace/configuration item: `config` walked by the dotted section."""
    value: Any = config
    for part in (section or "").split(".") if section else []:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


@pytest.mark.e2e
async def test_server_starts_from_languages_toml_like_helix(
    tmp_path: Path, emulator: Emulator, org: str
) -> None:
    text = localize_snippet(HELIX_LANGUAGES.read_text(encoding="utf-8"), emulator.url, org)
    server = tomllib.loads(text)["language-server"]["scriptum-lsp"]
    config = server["config"]
    env = isolated_env(tmp_path / "home", DODIL_TOKEN=emulator.token)
    exe = shutil.which(server["command"], path=env["PATH"])
    if exe is None:
        pytest.skip("the scriptum-lsp console script is not installed (pip install -e .)")
    work = tmp_path / "work"
    work.mkdir()
    doc = work / "greeter.scriptum"
    doc.write_text(BROKEN_SCRIPT, encoding="utf-8")
    uri = doc.as_uri()

    client = LanguageClient("helix-like", "25.07")
    diagnostics: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()
    asked: list[str | None] = []

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(_ls: LanguageClient, params: types.ConfigurationParams) -> list[Any]:
        asked.extend(item.section for item in params.items)
        return [helix_configuration(config, item.section) for item in params.items]

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(_ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        diagnostics.put_nowait(params)

    @client.feature(types.WINDOW_SHOW_DOCUMENT)
    def show_document(_ls: LanguageClient, params: types.ShowDocumentParams) -> types.ShowDocumentResult:
        return types.ShowDocumentResult(success=True)

    await client.start_io(exe, *server["args"], env=env, cwd=str(work))
    try:
        init = await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    process_id=os.getpid(),
                    root_uri=work.as_uri(),
                    workspace_folders=[types.WorkspaceFolder(uri=work.as_uri(), name="work")],
                    initialization_options=config,
                    capabilities=types.ClientCapabilities(
                        workspace=types.WorkspaceClientCapabilities(configuration=True),
                        window=types.WindowClientCapabilities(
                            show_document=types.ShowDocumentClientCapabilities(support=True)
                        ),
                        general=types.GeneralClientCapabilities(
                            position_encodings=[
                                types.PositionEncodingKind.Utf8,
                                types.PositionEncodingKind.Utf32,
                            ]
                        ),
                    ),
                )
            ),
            60,
        )
        assert init.capabilities.execute_command_provider is not None
        assert "scriptum.publish" in init.capabilities.execute_command_provider.commands
        client.initialized(types.InitializedParams())
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="scriptum", version=0, text=BROKEN_SCRIPT
                )
            )
        )
        negotiated = init.capabilities.position_encoding
        unit = {"utf-8": "utf-8", "utf-32": "codepoints"}.get(str(negotiated), "utf-16")
        assert unit == "utf-8"  # Helix offers utf-8 first
        line, col, _, end = typo_range(unit)
        while True:
            params = await asyncio.wait_for(diagnostics.get(), 60)
            found = [d for d in params.diagnostics if TYPO in d.message]
            if params.uri == uri and found:
                break
        r = found[0].range
        assert (r.start.line, r.start.character, r.end.line, r.end.character) == (line, col, line, end)
        # `:lsp-workspace-command scriptum.status` and a positional publish, as Helix sends them
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="scriptum.status", arguments=[])
        )
        assert status is not None
        assert status["organization"] == org and status["tokenSource"] == "DODIL_TOKEN"
        fixed = FIXED_SCRIPT
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=1),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
            )
        )
        published = await asyncio.wait_for(
            client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="scriptum.publish", arguments=[uri])
            ),
            120,
        )
        assert published is not None
        assert int(published["version"]) == 1
    finally:
        await asyncio.wait_for(client.shutdown_async(None), 30)
        client.exit(None)
        await asyncio.wait_for(client.stop(), 30)
    if asked:  # the server pulled settings: Helix's lookup found the `scriptum` section
        assert all(
            section in (None, "", "scriptum") or str(section).startswith("scriptum") for section in asked
        )
    with emulator.client(org) as http:
        code = http.get("/v1/scriptum/scripts/greeter/code/versions/1").json()
    assert code["dslContent"] == fixed
