"""Script templates (public): list and get."""

from __future__ import annotations

from typing import Any

from scriptum_lsp.emulator import template_catalog as templates
from scriptum_lsp.emulator.errors import not_found
from scriptum_lsp.emulator.gateway import PREFIX, Ctx, RouteRow


async def list_templates(ctx: Ctx) -> dict[str, Any]:
    return {"templates": [t.info(with_source=False) for t in templates.all_templates()]}


async def get_template(ctx: Ctx) -> dict[str, Any]:
    tid = ctx.fields.string("id")
    tpl = templates.get(tid)
    if tpl is None:
        raise not_found(f"template {tid!r} not found; available: {', '.join(templates.ids())}")
    return tpl.info(with_source=True)


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = (
    (f"{PREFIX}/templates", "GET", "ListTemplates", list_templates, True),
    (f"{PREFIX}/templates/{{id}}", "GET", "GetTemplate", get_template, True),
)
