"""`scriptum.publish`: compile the buffer, refuse on errors, publish the draft that holds exactly it.

Publishing never mints a duplicate: when the buffer is exactly the source of the script's active (or latest)
version, nothing is saved or published and the user is told which version already holds it. This is checked
with the documented GetScript and GetScriptCode, so it holds whatever the API does with an identical save.
"""

from __future__ import annotations

from typing import Any

from scriptum_lsp.api.errors import ApiError
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
    already = await published_as(ls, name, text)
    if already:
        info(ls, f"{name}: this source is already published as v{already}; nothing to publish")
        return {"version": already, "alreadyPublished": True}
    outcome = await save_and_compile(ls, uri, verify=True)
    require_compiled(outcome, "Publish", name)
    async with draft_holds(ls, name, text, "Publish"):
        response = await ls.engine.client().publish_draft(name)
    version = runs.int_or_none(response.get("version")) or 0
    state.forget_script(name)
    info(ls, f"Published {name} v{version}")
    refresh_lenses(ls)
    return {"version": version, "alreadyPublished": False}


async def published_as(ls: Server, name: str, text: str) -> int | None:
    """The version (active first, then latest) whose source is exactly `text`, or None (also when the
    script does not exist yet or the versions cannot be read: then the publish itself says what is wrong)."""
    client = ls.engine.client()
    try:
        script = await client.get_script(name)
    except ApiError:
        return None
    candidates = []
    for key in ("activeVersion", "latestVersion"):
        v = runs.int_or_none(script.get(key))
        if v and v not in candidates:
            candidates.append(v)
    for v in candidates:
        try:
            code = await client.get_code(name, v)
        except ApiError:
            continue
        if code.get("dslContent") == text:
            return v
    return None
