"""Fault injection (`--admin` only): get, set, add, clear the fault rules."""

from __future__ import annotations

from typing import Any

from scriptum_lsp.emulator.errors import bad_request
from scriptum_lsp.emulator.faults import FaultSpecError, parse_rule
from scriptum_lsp.emulator.gateway import PREFIX, Ctx, RouteRow


async def admin_get_faults(ctx: Ctx) -> dict[str, Any]:
    return {"faults": [r.to_json() for r in ctx.emu.faults.rules]}


async def admin_set_faults(ctx: Ctx) -> dict[str, Any]:
    specs = ctx.fields.strings("faults")
    try:
        rules = [parse_rule(s) for s in specs]
    except FaultSpecError as exc:
        raise bad_request(str(exc), [("faults", str(exc))]) from None
    if ctx.request.method == "POST":
        for r in rules:
            ctx.emu.faults.add(r)
    else:
        ctx.emu.faults.set_rules(rules)
    return await admin_get_faults(ctx)


async def admin_clear_faults(ctx: Ctx) -> dict[str, Any]:
    ctx.emu.faults.set_rules([])
    return {"faults": []}


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = (
    (f"{PREFIX}/admin/faults", "GET", "AdminGetFaults", admin_get_faults, False),
    (f"{PREFIX}/admin/faults", "PUT", "AdminSetFaults", admin_set_faults, False),
    (f"{PREFIX}/admin/faults", "POST", "AdminAddFaults", admin_set_faults, False),
    (f"{PREFIX}/admin/faults", "DELETE", "AdminClearFaults", admin_clear_faults, False),
)
