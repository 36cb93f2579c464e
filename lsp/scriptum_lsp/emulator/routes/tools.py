"""The tool catalog (ListTools), from the language's catalog."""

from __future__ import annotations

from typing import Any

from scriptum_lsp.emulator.errors import bad_request
from scriptum_lsp.emulator.gateway import PREFIX, Ctx, RouteRow


async def list_tools(ctx: Ctx) -> dict[str, Any]:
    from scriptum_lsp.language.catalog import TOOLS

    f = ctx.fields
    size = f.int32("page_size") or 100
    if size < 0:
        raise bad_request("pageSize must not be negative", [("pageSize", "must be >= 0")])
    names = sorted(TOOLS)
    token = f.string("page_token")
    start = 0
    if token:
        if token not in TOOLS:
            raise bad_request("invalid pageToken", [("pageToken", "not a token returned by this API")])
        start = names.index(token)
    page = names[start : start + size]
    nxt = names[start + size] if start + size < len(names) else ""
    tools = []
    for n in page:
        spec = TOOLS[n]
        tools.append(
            {
                "toolId": f"{spec.kind}/{spec.name}",
                "name": spec.name,
                "version": "1.0.0",
                "description": spec.description,
                "kind": spec.kind,
                "source": "native",
                "runsLocally": spec.runs_locally,
                "inputSchema": spec.input_schema,
                "outputSchema": spec.output_schema,
            }
        )
    return {"tools": tools, "nextPageToken": nxt}


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = ((f"{PREFIX}/tools", "GET", "ListTools", list_tools, False),)
