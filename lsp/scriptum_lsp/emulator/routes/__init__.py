"""The emulator's routes, one module per resource; each module ends with its `ROUTES` rows
(path, method, RPC name, handler, public). To add a resource: a new module with its handlers and `ROUTES`,
and one entry in `RESOURCES` below. Within a module, a literal path comes before a `{param}` path it would
also match (`/env/import` before `/env/{key}`)."""

from __future__ import annotations

from scriptum_lsp.emulator.gateway import RouteRow
from scriptum_lsp.emulator.routes import (
    admin,
    drafts,
    env,
    health,
    ignite,
    scripts,
    templates,
    threads,
    tools,
    versions,
)

RESOURCES = (health, templates, scripts, drafts, versions, threads, tools, env, ignite)

ROUTES: tuple[RouteRow, ...] = tuple(row for module in RESOURCES for row in module.ROUTES)
ADMIN_ROUTES: tuple[RouteRow, ...] = admin.ROUTES
