"""Scripts: create (optionally from a template), list, get, delete."""

from __future__ import annotations

from typing import Any

from scriptum_lsp.emulator import render
from scriptum_lsp.emulator import template_catalog as templates
from scriptum_lsp.emulator.errors import bad_request
from scriptum_lsp.emulator.gateway import PREFIX, SCRIPT_PATH, Ctx, RouteRow, name_param
from scriptum_lsp.emulator.wire import int64


async def create_script(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    name = name_param(ctx)
    template_id = f.string("from_template")
    dsl: str | None = None
    if template_id:
        tpl = templates.get(template_id)
        if tpl is None:
            raise bad_request(
                f"unknown template {template_id!r}; available: {', '.join(templates.ids())}",
                [("fromTemplate", "unknown template")],
            )
        dsl = tpl.source
    created = ctx.store.create_script(
        ctx.org,
        name,
        description=f.string("description"),
        tags=f.strings("tags"),
        labels=f.labels(),
        env=f.string_map("env"),
        draft_dsl=dsl,
    )
    return {"name": name, "createdAtMs": int64(created)}


async def list_scripts(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    scripts, token = ctx.store.list_scripts(
        ctx.org,
        page_size=f.int32("page_size"),
        page_token=f.string("page_token"),
        tags=f.strings("tags"),
        labels=f.labels(),
    )
    return {"scripts": [render.script(s) for s in scripts], "nextPageToken": token}


async def get_script(ctx: Ctx) -> dict[str, Any]:
    return render.script(ctx.store.get_script(ctx.org, name_param(ctx)))


async def delete_script(ctx: Ctx) -> dict[str, Any]:
    ctx.store.delete_script(ctx.org, name_param(ctx))
    return {}


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = (
    (f"{PREFIX}/scripts", "POST", "CreateScript", create_script, False),
    (f"{PREFIX}/scripts", "GET", "ListScripts", list_scripts, False),
    (SCRIPT_PATH, "GET", "GetScript", get_script, False),
    (SCRIPT_PATH, "DELETE", "DeleteScript", delete_script, False),
)
