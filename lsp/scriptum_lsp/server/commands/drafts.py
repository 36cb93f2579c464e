"""Draft commands: compile now, create the missing script, overwrite or open the remote draft."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scriptum_lsp.server import cmd_docs
from scriptum_lsp.server.cmd_args import require_str
from scriptum_lsp.server.commands.common import (
    CommandState,
    Server,
    cache_dir,
    organization,
    refresh_lenses,
    save_and_compile,
    script_name,
    show_document,
    snapshot,
)


async def cmd_compile(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    snapshot(ls, uri)
    outcome = await save_and_compile(ls, uri, force=bool(values.get("force", False)))
    return {"success": bool(outcome.success), "diagnostics": list(outcome.diagnostics)}


async def cmd_create_script(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = script_name(ls, uri)
    response = await ls.engine.create_script(uri)
    state.forget_script(name)
    refresh_lenses(ls)
    created = response if isinstance(response, Mapping) else {}
    return {"name": str(created.get("name") or name), "created": True}


async def cmd_overwrite_draft(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = script_name(ls, uri)
    snapshot(ls, uri)
    result = await ls.engine.overwrite_remote(uri)
    refresh_lenses(ls)
    out: dict[str, Any] = {"name": name, "overwritten": True}
    out["success"] = bool(result.success)
    out["diagnostics"] = list(result.diagnostics)
    return out


async def cmd_open_remote_draft(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = script_name(ls, uri)
    text = await ls.engine.open_remote_draft(uri)
    folder = cache_dir(ls) / "drafts" / cmd_docs.safe_name(organization(ls) or "default")
    target = cmd_docs.write_readonly(folder / f"{cmd_docs.safe_name(name)}.draft.scriptum", text).as_uri()
    shown = show_document(ls, target)
    return {"uri": target, "script": name, "shown": shown}
