"""The draft of a script: save, get, compile, publish (testing a draft starts a thread: see threads)."""

from __future__ import annotations

from typing import Any

import anyio

from scriptum_lsp.emulator import render
from scriptum_lsp.emulator.compiling import compile_draft
from scriptum_lsp.emulator.errors import bad_request
from scriptum_lsp.emulator.gateway import SCRIPT_PATH, Ctx, RouteRow, name_param
from scriptum_lsp.emulator.wire import enum_name, int64


async def save_draft(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    name = name_param(ctx)
    dsl = f.string("dsl_content")
    yaml = f.string("yaml_content")
    if dsl and yaml:
        raise bad_request(
            "provide either dslContent or yamlContent, not both",
            [("dslContent", "conflicts with yamlContent")],
        )
    if not dsl and not yaml:
        raise bad_request(
            "dslContent or yamlContent is required", [("dslContent", "required (or yamlContent)")]
        )
    updated = ctx.store.save_draft(ctx.org, name, dsl=dsl, yaml=yaml)
    return {"status": enum_name("SCRIPT_VERSION_STATUS", "DRAFT"), "updatedAtMs": int64(updated)}


async def get_draft_info(ctx: Ctx) -> dict[str, Any]:
    return render.draft_info(ctx.store.get_draft(ctx.org, name_param(ctx)))


async def compile_draft_rpc(ctx: Ctx) -> dict[str, Any]:
    name = name_param(ctx)
    kind, source, rev = ctx.store.begin_compile(ctx.org, name)
    try:
        result = await anyio.to_thread.run_sync(compile_draft, kind, source)
    except BaseException:
        ctx.store.abort_compile(ctx.org, name, rev)
        raise
    ctx.store.finish_compile(ctx.org, name, rev, result)
    return render.compile_response(result)


async def publish_draft(ctx: Ctx) -> dict[str, Any]:
    return {"version": ctx.store.publish(ctx.org, name_param(ctx))}


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = (
    (f"{SCRIPT_PATH}/draft", "POST", "SaveScriptDraft", save_draft, False),
    (f"{SCRIPT_PATH}/draft", "GET", "GetDraftInfo", get_draft_info, False),
    (f"{SCRIPT_PATH}/draft/compile", "POST", "CompileScriptDraft", compile_draft_rpc, False),
    (f"{SCRIPT_PATH}/draft/publish", "POST", "PublishScriptDraft", publish_draft, False),
)
