"""Tool descriptions and schemas: ListTools from the endpoint (cached per connection), else the catalog."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

log = logging.getLogger(__name__)
_CACHE: dict[tuple[Any, ...], dict[str, dict[str, Any]]] = {}
_FAILED: dict[tuple[Any, ...], float] = {}
LIST_TOOLS_TIMEOUT = 3.0
RETRY_AFTER_FAILURE_S = 60.0


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
    remote = _CACHE.get(ls.engine.settings.connection_key(), {})
    return {**catalog_tools(), **remote}


async def tools(ls: ScriptumLanguageServer) -> dict[str, dict[str, Any]]:
    key = ls.engine.settings.connection_key()
    failed_at = _FAILED.get(key)
    if failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER_FAILURE_S:
        return catalog_tools()  # offline: do not make every hover wait for the timeout
    if key not in _CACHE:
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
            _FAILED[key] = time.monotonic()
            return catalog_tools()
        _CACHE[key] = remote
    return cached_tools(ls)
