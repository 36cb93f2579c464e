"""Published versions: rollback, list, get, code (version 0 is the draft)."""

from __future__ import annotations

from typing import Any

from scriptum_lsp.emulator import render
from scriptum_lsp.emulator.errors import bad_request
from scriptum_lsp.emulator.gateway import SCRIPT_PATH, Ctx, RouteRow, name_param
from scriptum_lsp.emulator.wire import enum_name, int64


async def rollback(ctx: Ctx) -> dict[str, Any]:
    return {"activeVersion": ctx.store.rollback(ctx.org, name_param(ctx), ctx.fields.int32("target_version"))}


async def list_versions(ctx: Ctx) -> dict[str, Any]:
    return {"versions": [render.version(v) for v in ctx.store.list_versions(ctx.org, name_param(ctx))]}


def _version_param(ctx: Ctx, required: bool) -> int:
    if required and not ctx.fields.has("version"):
        raise bad_request("version is required", [("version", "required")])
    v = ctx.fields.int32("version")
    if v < 0:
        raise bad_request("version must be >= 0", [("version", "must be >= 0")])
    return v


async def get_version(ctx: Ctx) -> dict[str, Any]:
    v = _version_param(ctx, True)
    if v == 0:
        raise bad_request(
            "version must be >= 1 (versions are numbered from 1)", [("version", "must be >= 1")]
        )
    return render.version(ctx.store.get_version(ctx.org, name_param(ctx), v))


async def get_code(ctx: Ctx) -> dict[str, Any]:
    name = name_param(ctx)
    v = _version_param(ctx, False)
    if v == 0:
        d = ctx.store.get_draft(ctx.org, name)
        return {
            "version": 0,
            "dslContent": d["dsl_content"],
            "yamlContent": d["yaml_content"],
            "status": enum_name("SCRIPT_VERSION_STATUS", d["status"]),
            "createdAtMs": int64(d["updated_at_ms"]),
        }
    ver = ctx.store.get_version(ctx.org, name, v)
    return {
        "version": ver["version"],
        "dslContent": ver["dsl_content"],
        "yamlContent": ver["yaml_content"],
        "status": enum_name("SCRIPT_VERSION_STATUS", ver["status"]),
        "createdAtMs": int64(ver["created_at_ms"]),
    }


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = (
    (f"{SCRIPT_PATH}/rollback", "POST", "RollbackScript", rollback, False),
    (f"{SCRIPT_PATH}/versions", "GET", "ListScriptVersions", list_versions, False),
    (f"{SCRIPT_PATH}/versions/{{version}}", "GET", "GetScriptVersion", get_version, False),
    (f"{SCRIPT_PATH}/code/versions/{{version}}", "GET", "GetScriptCode", get_code, False),
    (f"{SCRIPT_PATH}/code", "GET", "GetScriptCode", get_code, False),
)
