"""Ignite's `dodil.ignite.v1.ComputeService` routes: apps, the draft, versions, executions, compile logs.

Paths carry `{organization_name}/{app_name}`; the shapes are in `emulator/ignite/service.py`."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.responses import StreamingResponse

from scriptum_lsp.emulator import render
from scriptum_lsp.emulator.errors import bad_request
from scriptum_lsp.emulator.gateway import Ctx, RouteRow, ndjson
from scriptum_lsp.emulator.ignite import service as svc
from scriptum_lsp.emulator.ignite.store import check_app_name
from scriptum_lsp.emulator.store import clamp_page_size

IGNITE = "/v1/ignite"
ORG_PATH = f"{IGNITE}/app/{{organization_name}}"
APP_PATH = f"{ORG_PATH}/{{app_name}}"


def _org(ctx: Ctx) -> str:
    org = ctx.fields.string("organization_name")
    if not org:
        raise bad_request("organization_name is required", [("organizationName", "required")])
    return org


def _app(ctx: Ctx) -> tuple[str, str]:
    name = ctx.fields.string("app_name")
    check_app_name(name)
    return _org(ctx), name


def _version(ctx: Ctx, field: str = "version") -> int:
    if not ctx.fields.has(field):
        raise bad_request(f"{field} is required", [(field, "required")])
    v = ctx.fields.int32(field)
    if v < 1:
        raise bad_request(f"{field} must be a published version (1 or more)", [(field, "must be >= 1")])
    return v


# --- apps ----------------------------------------------------------------------------------------------------


async def create_app(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    org = _org(ctx)
    name = f.string("name")
    tier = (f.string("resource_tier") or "MEDIUM").upper().removeprefix("RESOURCE_TIER_")
    if tier not in svc.TIERS:
        raise bad_request(f"unknown resourceTier {tier!r}", [("resourceTier", "unknown tier")])
    limits = f.raw("limits") if isinstance(f.raw("limits"), dict) else {}
    env = f.raw("env") if isinstance(f.raw("env"), dict) else {}
    timeout = limits.get("timeoutSecs", limits.get("timeout_secs", 0)) or 0
    memory = limits.get("memoryMb", limits.get("memory_mb", 0)) or 0
    try:
        timeout_s, memory_mb = float(timeout), int(memory)
    except (TypeError, ValueError):
        raise bad_request(
            "limits.timeoutSecs and limits.memoryMb must be numbers", [("limits", "numbers")]
        ) from None
    app = ctx.emu.ignite.records.create_app(
        org,
        name,
        description=f.string("description"),
        tier=tier,
        timeout_s=timeout_s,
        memory_mb=memory_mb,
        env={str(k): str(v) for k, v in env.items()},
    )
    code = f.raw("code")
    if code:
        runtime, kind, source = svc.runtime_of(code)
        ctx.emu.ignite.records.save_draft(org, name, runtime, kind, source)
    memory_default, cpu = svc.TIERS[tier]
    return {
        "appId": f"{org}/{name}",
        "deploymentState": "DEPLOYMENT_STATE_CREATED",
        "appliedTier": f"RESOURCE_TIER_{tier}",
        "appliedLimits": {"memoryMb": app["memory_mb"] or memory_default, "cpuMillicores": cpu},
    }


async def get_app(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    return {"app": svc.app_message(ctx.emu.ignite.records.get_app(org, name))}


async def list_apps(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    limit = clamp_page_size(f.int32("limit"))
    cursor = f.string("cursor")
    rows = ctx.emu.ignite.records.list_apps(_org(ctx), limit + 1, cursor)
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "apps": [svc.app_message({**r, "draft": None}) for r in rows],
        "nextCursor": rows[-1]["name"] if more and rows else "",
    }


async def delete_app(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    ctx.emu.ignite.records.delete_app(org, name)
    return {}


# --- the draft -----------------------------------------------------------------------------------------------


async def save_draft(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    runtime, kind, source = svc.runtime_of(ctx.fields.raw("code"))
    d = ctx.emu.ignite.records.save_draft(org, name, runtime, kind, source)
    return {"draft": svc.draft_message(d, full=False)}


async def get_draft_info(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    return {"draft": svc.draft_message(ctx.emu.ignite.records.get_draft(org, name))}


async def compile_draft(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    d = ctx.emu.ignite.compile(org, name)
    return {
        "draft": {
            "status": f"VERSION_STATUS_{d['status']}",
            "deployId": d["deploy_id"],
            "codeKind": d["code_kind"],
        },
        "deployId": d["deploy_id"],
    }


async def test_draft(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    raw = ctx.fields.raw("payload")
    if raw is None or raw == "":
        payload = b""
    elif isinstance(raw, str):
        try:
            payload = base64.b64decode(raw, validate=True)
        except (ValueError, binascii.Error):
            raise bad_request("payload is not valid base64", [("payload", "expected base64 bytes")]) from None
    else:
        raise bad_request("payload must be base64-encoded bytes", [("payload", "expected base64 bytes")])
    eid = ctx.emu.ignite.test(org, name, payload)
    return {"executionId": eid, "appId": f"{org}/{name}"}


async def publish_draft(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    version = ctx.emu.ignite.records.publish(org, name)
    return {
        "app": {"id": f"{org}/{name}", "name": name, "activeVersion": version},
        "publishedVersion": version,
    }


# --- versions ------------------------------------------------------------------------------------------------


async def list_versions(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    return {"versions": [svc.version_message(v) for v in ctx.emu.ignite.records.list_versions(org, name)]}


async def get_version(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    v = ctx.emu.ignite.records.get_version(org, name, _version(ctx))
    app = ctx.emu.ignite.records.get_app(org, name)
    meta = svc.app_message(
        {**app, "version": v["version"], "tier": v["tier"], "draft": {"runtime": v["runtime"]}}
    )
    return {"app": meta}


async def get_code(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    v = ctx.emu.ignite.records.get_version(org, name, _version(ctx))
    return {
        "version": v["version"],
        "codeHash": v["code_hash"],
        "runtime": json.loads(v["runtime"] or "{}"),
        "sourceCode": render.b64(bytes(v["source"])),
    }


async def rollback(ctx: Ctx) -> dict[str, Any]:
    org, name = _app(ctx)
    field = "target_version" if ctx.fields.has("target_version") else "version"
    active = ctx.emu.ignite.records.rollback(org, name, _version(ctx, field))
    return {"app": {"id": f"{org}/{name}", "name": name, "activeVersion": active}, "activeVersion": active}


# --- executions and logs -------------------------------------------------------------------------------------


async def get_execution(ctx: Ctx) -> dict[str, Any]:
    return {
        "execution": svc.execution_message(
            ctx.emu.ignite.records.get_execution(ctx.fields.string("execution_id"))
        )
    }


async def watch_execution(ctx: Ctx) -> StreamingResponse:
    eid = ctx.fields.string("execution_id")
    ctx.emu.ignite.records.get_execution(eid)  # NOT_FOUND before the stream starts
    return ndjson(ctx.emu.ignite.watch(eid))


async def compile_logs(ctx: Ctx) -> StreamingResponse:
    return ndjson(ctx.emu.ignite.compile_logs(ctx.fields.string("deploy_id")))


async def health(ctx: Ctx) -> dict[str, Any]:
    return {"status": "SERVING"}


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = (
    (f"{IGNITE}/health", "GET", "HealthCheck", health, True),
    (f"{IGNITE}/executions/{{execution_id}}/watch", "GET", "WatchExecution", watch_execution, False),
    (f"{IGNITE}/executions/{{execution_id}}", "GET", "GetExecution", get_execution, False),
    (f"{IGNITE}/compile/{{deploy_id}}/logs", "GET", "StreamCompileLogs", compile_logs, False),
    (ORG_PATH, "POST", "CreateApp", create_app, False),
    (ORG_PATH, "GET", "ListApps", list_apps, False),
    (APP_PATH, "GET", "GetApp", get_app, False),
    (APP_PATH, "DELETE", "DeleteApp", delete_app, False),
    (f"{APP_PATH}/draft", "POST", "SaveDraft", save_draft, False),
    (f"{APP_PATH}/draft", "GET", "GetDraftInfo", get_draft_info, False),
    (f"{APP_PATH}/draft/compile", "POST", "CompileDraft", compile_draft, False),
    (f"{APP_PATH}/draft/test", "POST", "TestDraft", test_draft, False),
    (f"{APP_PATH}/draft/publish", "POST", "PublishDraft", publish_draft, False),
    (f"{APP_PATH}/versions", "GET", "ListAppVersions", list_versions, False),
    (f"{APP_PATH}/versions/{{version}}", "GET", "GetAppVersion", get_version, False),
    (f"{APP_PATH}/code/versions/{{version}}", "GET", "GetAppCode", get_code, False),
    (f"{APP_PATH}/code", "GET", "GetAppCode", get_code, False),
    (f"{APP_PATH}/rollback", "POST", "RollbackApp", rollback, False),
)
