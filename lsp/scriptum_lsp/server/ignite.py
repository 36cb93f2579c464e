"""Ignite app files in the language server: the `.py`/`.rs` documents an editor sends us (kept out of the
Scriptum engine), the diagnostics of compiles and test runs on them, and the code lenses on a handler.

An editor may send us every Python or Rust file it opens; we answer only inside app folders (see
`engine/ignite_apps.find_app`) and offer nothing but lenses and diagnostics there, so the user's own Python
or Rust language server keeps everything else. `scriptum/igniteLenses {uri}` serves the same lenses for a
file the editor never sent (VS Code asks for them that way, without attaching us to every Python file).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from scriptum_lsp.api.errors import ApiError, NotFound
from scriptum_lsp.core.ignite import draft_status, handler_line
from scriptum_lsp.engine.ignite_apps import App, find_app
from scriptum_lsp.engine.session import uri_to_path

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer as Server
else:
    Server = Any

log = logging.getLogger(__name__)

IGNITE_LENSES = "scriptum/igniteLenses"
SOURCE = "ignite"
SUFFIXES = (".py", ".rs")
LANGUAGES = ("python", "rust")
INFO_TTL = 30.0
LOOKUP_TIMEOUT = 3.0


@dataclass
class IgniteDoc:
    version: int | None
    text: str


@dataclass
class IgniteState:
    """Open app files, the diagnostics we show on app files, and recent draft statuses (for lenses)."""

    docs: dict[str, IgniteDoc] = field(default_factory=dict)
    diagnostics: dict[str, list[types.Diagnostic]] = field(default_factory=dict)
    # app name -> (monotonic time, status word or "" when unknown/none)
    status: dict[str, tuple[float, str]] = field(default_factory=dict)

    def owns(self, uri: str) -> bool:
        return uri in self.docs or uri in self.diagnostics


def is_app_file(uri: str, language_id: str | None = None) -> bool:
    """Documents that go to Ignite instead of the Scriptum engine: Python and Rust files."""
    if language_id in LANGUAGES:
        return True
    path = uri_to_path(uri) or uri
    return path.endswith(SUFFIXES)


def state_of(ls: Server) -> IgniteState:
    state = getattr(ls, "ignite", None)
    if not isinstance(state, IgniteState):
        state = IgniteState()
        setattr(ls, "ignite", state)  # noqa: B010 - an attribute the server class does not declare
    return state


def app_of(ls: Server, uri: str) -> App | None:
    path = uri_to_path(uri)
    if not path:
        return None
    return find_app(Path(path), ls.engine.workspace_root, ls.engine.ignite_apps)


def text_of(ls: Server, uri: str) -> str | None:
    doc = state_of(ls).docs.get(uri)
    if doc is not None:
        return doc.text
    path = uri_to_path(uri)
    try:
        return Path(path).read_text(encoding="utf-8") if path else None
    except (OSError, UnicodeDecodeError):
        return None


def buffers(ls: Server) -> dict[Path, str]:
    """The open app files' editor text, by path (an archive uses them instead of the files on disk)."""
    out = {}
    for uri, doc in state_of(ls).docs.items():
        path = uri_to_path(uri)
        if path:
            out[Path(path)] = doc.text
    return out


def set_diagnostics(ls: Server, by_uri: dict[str, list[types.Diagnostic]], *, replace_in: App) -> None:
    """Show `by_uri` on the app's files, clearing what an earlier compile or run showed on the app."""
    state = state_of(ls)
    folder = replace_in.folder.resolve()
    for uri in list(state.diagnostics):
        path = uri_to_path(uri)
        if path and Path(path).resolve().is_relative_to(folder) and uri not in by_uri:
            state.diagnostics[uri] = []
            push(ls, uri)
            del state.diagnostics[uri]
    for uri, items in by_uri.items():
        state.diagnostics[uri] = items
        push(ls, uri)


def push(ls: Server, uri: str) -> None:
    """Show a file's Ignite diagnostics (the server's one publication path: push, or a pull refresh)."""
    ls.publish(uri)


# --- code lenses ---------------------------------------------------------------------------------------------


async def draft_word(ls: Server, app: App) -> str:
    """The draft's status for the lens ("" when unknown), from GetDraftInfo cached for INFO_TTL seconds."""
    from scriptum_lsp.server.commands.ignite import client

    state = state_of(ls)
    cached = state.status.get(app.name)
    if cached is not None and time.monotonic() - cached[0] < INFO_TTL:
        return cached[1]
    try:
        async with asyncio.timeout(LOOKUP_TIMEOUT):
            info = await client(ls).get_draft_info(app.name)
        word = draft_status(info).lower()
    except NotFound:
        word = "not on the server"
    except (ApiError, TimeoutError, ValueError) as exc:
        log.info("ignite lens: GetDraftInfo %s failed: %s", app.name, exc)
        return ""
    except Exception:
        log.exception("ignite lens lookup failed")
        return ""
    state.status[app.name] = (time.monotonic(), word)
    return word


def _lens(line: int, title: str, command: str, uri: str) -> types.CodeLens:
    zero = types.Position(line, 0)
    return types.CodeLens(
        range=types.Range(zero, zero),
        command=types.Command(title=title, command=command, arguments=[{"uri": uri}]),
    )


async def lenses(ls: Server, uri: str) -> list[types.CodeLens]:
    app = app_of(ls, uri)
    if app is None:
        return []
    text = text_of(ls, uri)
    line = handler_line(text, app.runtime) if text is not None else None
    if line is None:
        return []
    out = [_lens(line, f"Ignite {app.name}: Save draft", "ignite.saveDraft", uri)]
    if app.runtime == "rust":
        out.append(_lens(line, "Compile", "ignite.compileDraft", uri))
    out += [
        _lens(line, "Test", "ignite.testDraft", uri),
        _lens(line, "Publish", "ignite.publishDraft", uri),
        _lens(line, "Versions", "ignite.listVersions", uri),
    ]
    if word := await draft_word(ls, app):
        out.append(_lens(line, f"Draft: {word}", "ignite.status", uri))
    return out


def register(ls: Server) -> None:
    @ls.feature(IGNITE_LENSES)
    async def _ignite_lenses(ls: Server, params: Any) -> list[types.CodeLens]:
        from scriptum_lsp.server.commands.common import params_dict

        uri = str(params_dict(params).get("uri") or "")
        try:
            return await lenses(ls, uri) if uri else []
        except Exception:  # a lens failure must not break the editor
            log.exception("ignite lenses failed for %s", uri)
            return []
