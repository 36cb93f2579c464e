"""`scriptum.status` (connection and scripts) and `scriptum.clearCache`."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from typing import Any

from scriptum_lsp.api.errors import ApiError
from scriptum_lsp.engine import runs
from scriptum_lsp.server.commands.common import CommandState, Server, cache_dir, refresh_lenses, status_word


async def cmd_status(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    settings = ls.engine.settings
    out: dict[str, Any] = {
        "endpoint": settings.endpoint,
        "organization": settings.organization or "",
        "tokenSource": settings.token_source,
        "authenticated": False,
        "scripts": [],
        "error": None,
    }
    try:
        listing = await ls.engine.client().list_scripts(page_size=100)
    except ApiError as exc:
        out["error"] = str(exc)
        return out
    out["authenticated"] = True
    out["scripts"] = [
        {
            "name": s.get("name", ""),
            "activeVersion": runs.int_or_none(s.get("activeVersion")) or 0,
            "latestVersion": runs.int_or_none(s.get("latestVersion")) or 0,
            "draftStatus": status_word(s.get("draftStatus"), "SCRIPT_VERSION_STATUS_"),
            "status": status_word(s.get("status"), "SCRIPT_STATUS_"),
        }
        for s in listing.get("scripts") or ()
        if isinstance(s, Mapping)
    ]
    return out


async def cmd_clear_cache(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    ls.engine.clear_caches()
    ls.tool_cache.clear()
    state.outcomes.clear()
    state.script_info.clear()
    removed = []
    for sub in ("versions", "runs", "drafts"):
        folder = cache_dir(ls) / sub
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    refresh_lenses(ls)
    return {"cleared": True, "removed": removed}
