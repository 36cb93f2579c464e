"""Tool descriptions and schemas: ListTools from the endpoint (cached per connection on the server instance,
`ToolCache`), else the catalog."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

log = logging.getLogger(__name__)
LIST_TOOLS_TIMEOUT = 3.0
RETRY_AFTER_FAILURE_S = 60.0


class ToolCache:
    """ListTools answers per connection (endpoint, token, organization), and when a connection last failed.
    One per server instance (`ScriptumLanguageServer.tool_cache`); `scriptum.clearCache` clears it."""

    def __init__(self) -> None:
        self.remote: dict[tuple[Any, ...], dict[str, dict[str, Any]]] = {}
        self.failed_at: dict[tuple[Any, ...], float] = {}

    def clear(self) -> None:
        self.remote.clear()
        self.failed_at.clear()


def _schema(value: object) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def catalog_tools() -> dict[str, dict[str, Any]]:
    from scriptum_lsp.language.catalog import TOOLS

    return {
        name: {
            "name": name,
            "description": spec.description,
            "inputSchema": spec.input_schema,
            "outputSchema": spec.output_schema,
            "kind": spec.kind,
        }
        for name, spec in TOOLS.items()
    }


def cached_tools(ls: ScriptumLanguageServer) -> dict[str, dict[str, Any]]:
    """What is known right now, without waiting: remote tools if fetched, merged over the catalog."""
    remote = ls.tool_cache.remote.get(ls.engine.settings.connection_key(), {})
    return {**catalog_tools(), **remote}


async def tools(ls: ScriptumLanguageServer) -> dict[str, dict[str, Any]]:
    key = ls.engine.settings.connection_key()
    cache = ls.tool_cache
    failed_at = cache.failed_at.get(key)
    if failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER_FAILURE_S:
        return catalog_tools()  # offline: do not make every hover wait for the timeout
    if key not in cache.remote:
        remote: dict[str, dict[str, Any]] = {}
        try:
            async with asyncio.timeout(LIST_TOOLS_TIMEOUT):
                page = await ls.engine.client().list_tools(page_size=500)
            for t in page.get("tools") or []:
                if isinstance(t, dict) and isinstance(t.get("name"), str):
                    remote[t["name"]] = {
                        **t,
                        "inputSchema": _schema(t.get("inputSchema")),
                        "outputSchema": _schema(t.get("outputSchema")),
                    }
        except Exception as exc:  # offline: the catalog is enough
            log.info("ListTools unavailable: %s", type(exc).__name__)
            cache.failed_at[key] = time.monotonic()
            return catalog_tools()
        cache.remote[key] = remote
    return cached_tools(ls)
