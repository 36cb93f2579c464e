"""An LSP session over stdio (`python -m scriptum_lsp`) against the real emulator, with recorded client
capabilities, for the end-to-end command tests."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

from tests.support.emulator import Emulator

VSCODE = "visual-studio-code"
NEOVIM = "neovim"


@dataclass
class Session:
    client: LanguageClient
    root: Path
    org: str
    emulator: Emulator
    finished: list[dict[str, Any]] = field(default_factory=list)
    edits: list[types.ApplyWorkspaceEditParams] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    init: types.InitializeResult | None = None

    @property
    def encoding(self) -> str:
        enc = self.init.capabilities.position_encoding if self.init else None
        return str(getattr(enc, "value", enc) or "utf-16")

    def open(self, name: str, text: str) -> str:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        self.texts[uri] = text
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="scriptum", version=1, text=text)
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def run(self, command: str, *arguments: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command, arguments=list(arguments))
        )

    async def fails(self, command: str, *arguments: Any) -> JsonRpcException:
        """Run a command that must fail; return the JSON-RPC error."""
        try:
            result = await self.run(command, *arguments)
        except JsonRpcException as exc:
            return exc
        raise AssertionError(f"{command} succeeded unexpectedly: {result!r}")

    def http(self) -> Any:
        return self.emulator.client(self.org)


SessionFactory = Callable[..., Any]


def _fix_code_action_union(client: LanguageClient) -> None:
    """lsprotocol structures any `(Command | CodeAction)` that has a `command` key as a Command, so a
    CodeAction carrying a command loses its kind on the test client; decide on the key's type instead."""
    converter = client.protocol._converter

    def hook(obj: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


def plain(value: Any) -> Any:
    """pygls hands unknown notification params over as (nested) namedtuples: back to JSON values."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _units(ch: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(ch) > 0xFFFF else 1


def _apply(text: str, edit: types.TextEdit, encoding: str) -> str:
    """Apply one edit whose positions are in the negotiated encoding (lines split on \n, \r\n, \r)."""
    lines = re.split(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)", text)

    def offset(pos: types.Position) -> int:
        before = sum(len(line) for line in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= pos.character or ch in "\r\n":
                return before + i
            units += _units(ch, encoding)
        return before + len(line)

    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]


@pytest.fixture
async def lsp_session(emulator: Emulator, org: str, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """A factory: `await lsp_session(client="neovim", token=...)` -> a started, initialized Session."""
    sessions: list[Session] = []

    async def start(
        client: str = VSCODE,
        *,
        token: str | None = None,
        experimental: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
    ) -> Session:
        root = tmp_path / f"ws{len(sessions)}"
        root.mkdir()
        lc = make_test_lsp_client()
        _fix_code_action_union(lc)
        session = Session(client=lc, root=root, org=org, emulator=emulator)

        @lc.feature("scriptum/threadFinished")  # type: ignore[untyped-decorator]
        def _finished(params: Any) -> None:
            session.finished.append(plain(params))

        @lc.feature(types.WORKSPACE_APPLY_EDIT)  # type: ignore[untyped-decorator]
        def _apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            session.edits.append(params)
            for change in params.edit.document_changes or []:
                assert isinstance(change, types.TextDocumentEdit)
                uri = change.text_document.uri
                assert change.text_document.version == session.versions[uri], "edit for a stale version"
                text = session.texts[uri]
                for e in change.edits:
                    assert isinstance(e, types.TextEdit)
                    text = _apply(text, e, session.encoding)
                session.change(uri, text)
            for uri, edits in (params.edit.changes or {}).items():
                text = session.texts[uri]
                for e in edits:
                    text = _apply(text, e, session.encoding)
                session.change(uri, text)
            return types.ApplyWorkspaceEditResult(applied=True)

        env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
        env.pop("SCRIPTUM_TOKEN", None)
        await lc.start_io(sys.executable, "-m", "scriptum_lsp", env=env)
        caps = client_capabilities(client)
        if experimental is not None:
            caps.experimental = experimental
        init_options = {
            "endpoint": emulator.url,
            "token": emulator.token if token is None else token,
            "organization": org,
            **(options or {}),
        }
        session.init = await lc.initialize_session(
            types.InitializeParams(
                capabilities=caps,
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                initialization_options=init_options,
            )
        )
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        await session.client.shutdown_session()
