"""Code lenses on the `script` line: Publish, Test, Versions (active vN) and the draft status.

Every lens calls a server command (see docs/commands.md), so a lens does the same thing in every editor.
The active version comes from GetScript, cached for `INFO_TTL` seconds per script and dropped by the
commands that change it (publish, rollback, create); a failed lookup only leaves the count out.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from scriptum_lsp.api.errors import ApiError, NotFound
from scriptum_lsp.core.text import split_lines
from scriptum_lsp.server import ignite
from scriptum_lsp.server.commands import CommandState, state_of

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer as Server
else:
    Server = Any

log = logging.getLogger(__name__)

INFO_TTL = 30.0
LOOKUP_TIMEOUT = 3.0
_SCRIPT_LINE = re.compile(r"^\s*script\b")
_COMMENT = re.compile(r"^\s*(--|$)")


def script_line(text: str) -> int | None:
    """0-based line of the `script` header (the first line that is neither blank nor a comment)."""
    for number, line in enumerate(split_lines(text)):
        if _COMMENT.match(line):
            continue
        return number if _SCRIPT_LINE.match(line) else None
    return None


async def active_version(ls: Server, state: CommandState, name: str) -> tuple[bool, int | None]:
    """(known, active version or None when the script does not exist remotely)."""
    cached = state.script_info.get(name)
    if cached is not None and time.monotonic() - cached[0] < INFO_TTL:
        return True, cached[1]
    try:
        async with asyncio.timeout(LOOKUP_TIMEOUT):
            script = await ls.engine.client().get_script(name)
    except NotFound:
        state.script_info[name] = (time.monotonic(), None)
        return True, None
    except (ApiError, TimeoutError) as exc:
        log.info("code lens: GetScript %s failed: %s", name, exc)
        return False, None
    try:
        active = int(str(script.get("activeVersion") or 0))
    except ValueError:
        active = 0
    state.script_info[name] = (time.monotonic(), active)
    return True, active


def _draft_status(ls: Server, uri: str) -> str:
    status = ls.engine.last_draft_status(uri)
    text = str(getattr(status, "value", status) or "").upper().removeprefix("SCRIPT_VERSION_STATUS_")
    return text.lower()


def _lens(line: int, title: str, command: str, uri: str) -> types.CodeLens:
    zero = types.Position(line, 0)
    return types.CodeLens(
        range=types.Range(zero, zero),
        command=types.Command(title=title, command=command, arguments=[{"uri": uri}]),
    )


async def code_lenses(ls: Server, uri: str) -> list[types.CodeLens]:
    snap = ls.engine.snapshot(uri)
    if snap is None:
        return []
    line = script_line(snap.text)
    if line is None:
        return []
    try:
        name = ls.engine.script_name(uri)
    except (ValueError, KeyError):
        return []
    state = state_of(ls)
    lenses = [
        _lens(line, "Publish", "scriptum.publish", uri),
        _lens(line, "Test", "scriptum.test", uri),
    ]
    known, active = await active_version(ls, state, name)
    if known and active is None:
        lenses.append(_lens(line, "Create script on the server", "scriptum.createScript", uri))
        return lenses
    versions = (
        "Versions"
        if not known
        else (f"Versions (active v{active})" if active else "Versions (none published)")
    )
    lenses.append(_lens(line, versions, "scriptum.listVersions", uri))
    if ls.engine.is_conflicted(uri):
        lenses.append(_lens(line, "Remote draft changed: open it", "scriptum.openRemoteDraft", uri))
        lenses.append(_lens(line, "Overwrite remote draft", "scriptum.overwriteDraft", uri))
    elif status := _draft_status(ls, uri):
        lenses.append(_lens(line, f"Draft: {status}", "scriptum.status", uri))
    return lenses


def register(ls: Server) -> None:
    """Register the code lens provider."""

    @ls.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def _code_lens(ls: Server, params: types.CodeLensParams) -> list[types.CodeLens]:
        uri = params.text_document.uri
        try:
            if uri in ignite.state_of(ls).docs:
                return await ignite.lenses(ls, uri)
            return await code_lenses(ls, uri)
        except Exception:  # a lens failure must not break the editor
            log.exception("code lens failed for %s", uri)
            return []
