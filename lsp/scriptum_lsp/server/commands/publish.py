"""`scriptum.publish`: compile the buffer, refuse on errors, publish the draft that holds exactly it."""

from __future__ import annotations

from typing import Any

from scriptum_lsp.engine import runs
from scriptum_lsp.server.cmd_args import require_str
from scriptum_lsp.server.commands.common import (
    CommandState,
    Server,
    draft_holds,
    info,
    refresh_lenses,
    require_compiled,
    save_and_compile,
    script_name,
    snapshot,
)


async def cmd_publish(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = script_name(ls, uri)
    text = snapshot(ls, uri).text
    outcome = await save_and_compile(ls, uri, verify=True)
    require_compiled(outcome, "Publish", name)
    async with draft_holds(ls, name, text, "Publish"):
        response = await ls.engine.client().publish_draft(name)
    version = runs.int_or_none(response.get("version")) or 0
    state.forget_script(name)
    info(ls, f"Published {name} v{version}")
    refresh_lenses(ls)
    return {"version": version}
