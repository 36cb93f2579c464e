"""End-to-end fixtures: the real `python -m scriptum_lsp` over stdio, driven by pytest-lsp's client with
the recorded capabilities of real editors, against the emulator on loopback HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.support.emulator import Emulator

STATUS = "scriptum/status"
WAIT = 30.0  # upper bound for any awaited event; tests wait on notifications, never on sleeps

CLEAN_ENV = ("DODIL_TOKEN", "SCRIPTUM_TOKEN", "DODIL_ORG", "SCRIPTUM_ORG_NAME", "SCRIPTUM_API_ENDPOINT",
             "DODIL_CONFIG_DIR")  # fmt: skip

Start = Callable[..., Awaitable[LanguageClient]]


def as_dict(params: Any) -> dict[str, Any]:
    """Custom notifications reach the client as dicts or attribute objects."""
    if isinstance(params, dict):
        return params
    if hasattr(params, "_asdict"):
        return dict(params._asdict())
    return {
        k: getattr(params, k) for k in ("state", "endpoint", "organization", "message") if hasattr(params, k)
    }


def server_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_DATA_HOME=str(home / "data"),
        HOME=str(home),
    )
    env.update(extra or {})
    return env


@pytest.fixture
async def start_server(tmp_path: Path) -> AsyncIterator[Start]:
    """`await start_server(init_options, caps="visual-studio-code")` -> an initialized client."""
    clients: list[LanguageClient] = []

    async def start(
        init_options: dict[str, Any] | None,
        caps: str = "visual-studio-code",
        env: dict[str, str] | None = None,
        configuration: dict[str, Any] | None = None,
        args: tuple[str, ...] = (),
    ) -> LanguageClient:
        config = ClientServerConfig(
            server_command=[sys.executable, "-m", "scriptum_lsp", *args],
            server_env=server_env(tmp_path / "home", env),
        )
        client = await config.start()
        assert isinstance(client, LanguageClient)
        statuses: list[dict[str, Any]] = []
        client.statuses = statuses  # type: ignore[attr-defined]

        @client.feature(STATUS)  # type: ignore[untyped-decorator]
        def on_status(params: Any) -> None:
            statuses.append(as_dict(params))

        if configuration is not None:
            client.set_configuration(configuration, section="scriptum")
        clients.append(client)
        await client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities(caps),
                initialization_options=init_options,
                root_uri=(tmp_path / "ws").as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=(tmp_path / "ws").as_uri(), name="ws")],
            )
        )
        return client

    yield start
    for client in clients:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), 10)
        await client.stop()  # type: ignore[no-untyped-call]


def options(emulator: Emulator, org: str, **extra: Any) -> dict[str, Any]:
    return {"endpoint": emulator.url, "token": emulator.token, "organization": org, **extra}


def doc_uri(tmp_path: Path, name: str) -> str:
    folder = tmp_path / "ws"
    folder.mkdir(parents=True, exist_ok=True)
    return (folder / name).as_uri()


async def wait_diagnostics(
    client: LanguageClient,
    uri: str,
    predicate: Callable[[list[types.Diagnostic]], bool],
    timeout: float = WAIT,
) -> list[types.Diagnostic]:
    """Wait (on publishDiagnostics notifications) until the client's diagnostics for `uri` satisfy `predicate`."""

    async def loop() -> list[types.Diagnostic]:
        while True:
            current = list(client.diagnostics.get(uri, []))
            if uri in client.diagnostics and predicate(current):
                return current
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(loop(), timeout)


async def wait_notification(
    client: LanguageClient, method: str, predicate: Callable[[Any], bool], timeout: float = WAIT
) -> Any:
    async def loop() -> Any:
        while True:
            params = await client.wait_for_notification(method)
            if predicate(params):
                return params

    return await asyncio.wait_for(loop(), timeout)


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="scriptum", version=version, text=text)
        )
    )


def change_full(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def change_range(
    client: LanguageClient, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str
) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(*start), types.Position(*end)), text=text
                )
            ],
        )
    )


def render(diags: list[types.Diagnostic]) -> list[str]:
    """`line:char-line:char severity message` (0-based, client units), sorted."""
    sev = {1: "error", 2: "warning", 3: "information", 4: "hint"}
    out = []
    for d in diags:
        r = d.range
        out.append(
            f"{r.start.line}:{r.start.character}-{r.end.line}:{r.end.character} "
            f"{sev.get(int(d.severity or 2), '?')} {d.message}"
        )
    return sorted(out)


async def wait_status(
    client: LanguageClient, state: str, after: int = 0, timeout: float = WAIT
) -> dict[str, Any]:
    """Wait until a `scriptum/status` with `state` arrives (looking at statuses from index `after`)."""

    async def loop() -> dict[str, Any]:
        while True:
            for st in client.statuses[after:]:  # type: ignore[attr-defined]
                if st.get("state") == state:
                    return dict(st)
            await client.wait_for_notification(STATUS)

    return await asyncio.wait_for(loop(), timeout)
