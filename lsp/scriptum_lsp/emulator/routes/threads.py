"""Threads: start (TestScriptDraft, CreateThread), get, list, cancel, resume, watch, results, artifacts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.responses import StreamingResponse

from scriptum_lsp.emulator import render
from scriptum_lsp.emulator.compiling import compile_draft, count_steps
from scriptum_lsp.emulator.errors import bad_request, failed_precondition, not_found, unimplemented
from scriptum_lsp.emulator.gateway import PREFIX, SCRIPT_PATH, THREAD_PATH, Ctx, RouteRow, name_param, ndjson
from scriptum_lsp.emulator.threads import new_thread_id, parse_timeout
from scriptum_lsp.emulator.wire import enum_name, int64, parse_enum, parse_json_object

THREAD_STATUS_NUMBERS = {1: "PENDING", 2: "RUNNING", 3: "COMPLETED", 4: "FAILED", 5: "CANCELLED", 6: "PAUSED"}


def _validate_input(contract: dict[str, Any], text: str, field: str) -> dict[str, Any]:
    data = parse_json_object(text, field)
    from scriptum_lsp.language.inputs import validate_input

    problems = list(validate_input(contract, data))
    if problems:
        lines = "; ".join(f"{p.path or '(input)'}: {p.message}" for p in problems)
        raise bad_request(
            f"{field} does not match the script's contract ({len(problems)} problem{'s' if len(problems) != 1 else ''}): {lines}",
            [(f"{field}.{p.path}" if p.path else field, p.message) for p in problems],
        )
    return data


async def _start_thread(
    ctx: Ctx,
    *,
    script_name: str,
    version: int,
    is_test: bool,
    ir: dict[str, Any],
    contract: dict[str, Any],
) -> dict[str, Any]:
    f = ctx.fields
    input_json = f.string("input_json")
    data = _validate_input(contract, input_json, "inputJson")
    timeout_text = f.string("timeout")
    timeout_s = parse_timeout(timeout_text)
    load_env = f.boolean("load_env")
    env = ctx.store.effective_env(ctx.org, script_name) if load_env else {}
    callback_url = f.string("callback_url")
    if callback_url and urlsplit(callback_url).scheme not in ("http", "https"):
        raise bad_request("callbackUrl must be an http or https URL", [("callbackUrl", "not an http(s) URL")])
    if f.has("execution_mode"):
        parse_enum("EXECUTION_MODE", f.raw("execution_mode"), {1: "LOCAL", 2: "CLOUD"}, "executionMode")
    thread_id = new_thread_id()
    ctx.store.create_thread(
        ctx.org,
        thread_id,
        script_name=script_name,
        version=version,
        is_test=is_test,
        input_json=input_json or "{}",
        metadata=f.string_map("metadata"),
        load_env=load_env,
        ir=ir,
        total_steps=count_steps(ir),
        timeout=timeout_text,
        callback_url=callback_url,
    )
    ctx.emu.threads.start(ctx.org, thread_id, ir=ir, input_data=data, env=env, timeout_s=timeout_s)
    status = ctx.store.get_thread(ctx.org, thread_id)["status"]
    return {"threadId": thread_id, "status": enum_name("THREAD_STATUS", status)}


async def test_draft(ctx: Ctx) -> dict[str, Any]:
    name = name_param(ctx)
    d = ctx.store.get_draft(ctx.org, name)
    if d["draft_state"] == "COMPILED" and d["compiled_rev"] == d["rev"] and d["ir"] is not None:
        ir, contract = d["ir"], d["contract"]
    else:
        kind = d["kind"]
        source = d["dsl_content"] if kind == "dsl" else d["yaml_content"]
        result = await anyio.to_thread.run_sync(compile_draft, kind, source)
        if not result["success"] or result["ir"] is None:
            raise failed_precondition(
                f"the draft of {name!r} does not compile: {result['error']}",
                [
                    {
                        "@type": "type.googleapis.com/dodil.scriptum.v1.CompileScriptDraftResponse",
                        **render.compile_response(result),
                    }
                ],
            )
        ir, contract = result["ir"], result["contract"]
    return await _start_thread(ctx, script_name=name, version=0, is_test=True, ir=ir, contract=contract)


async def create_thread(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    name = f.string("script_name")
    if not name:
        raise bad_request("scriptName is required", [("scriptName", "required")])
    version = f.int32("version")
    if version < 0:
        raise bad_request("version must be >= 0", [("version", "must be >= 0")])
    if version == 0:
        script = ctx.store.get_script(ctx.org, name)
        version = script["active_version"]
        if not version:
            raise failed_precondition(
                f"script {name!r} has no active version; publish the draft first (or use TestScriptDraft)"
            )
    v = ctx.store.get_version(ctx.org, name, version)
    if v["ir"] is None:
        raise failed_precondition(f"version {version} of {name!r} has no executable IR")
    return await _start_thread(
        ctx, script_name=name, version=version, is_test=False, ir=v["ir"], contract=v["contract"]
    )


def _thread_id(ctx: Ctx) -> str:
    tid = ctx.fields.string("thread_id")
    if not tid:
        raise bad_request("threadId is required", [("threadId", "required")])
    return tid


async def get_thread(ctx: Ctx) -> dict[str, Any]:
    return render.thread(ctx.store.get_thread(ctx.org, _thread_id(ctx)))


async def list_threads(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    status = parse_enum("THREAD_STATUS", f.raw("status_filter"), THREAD_STATUS_NUMBERS, "statusFilter")
    threads, token = ctx.store.list_threads(
        ctx.org,
        page_size=f.int32("page_size"),
        page_token=f.string("page_token"),
        status=status,
        script_name=f.string("script_name_filter"),
    )
    return {"threads": [render.thread(t) for t in threads], "nextPageToken": token}


async def cancel_thread(ctx: Ctx) -> dict[str, Any]:
    tid = _thread_id(ctx)
    await ctx.emu.threads.cancel(ctx.org, tid)
    return render.thread(ctx.store.get_thread(ctx.org, tid))


async def resume_thread(ctx: Ctx) -> dict[str, Any]:
    tid = _thread_id(ctx)
    t = ctx.store.get_thread(ctx.org, tid)
    if t["status"] != "PAUSED":
        raise failed_precondition(
            f"thread {tid} is {enum_name('THREAD_STATUS', t['status'])}; only paused threads can be resumed"
        )
    text = ctx.fields.string("step_input_override_json")
    override: Any = None
    if text.strip():
        try:
            override = json.loads(text)
        except json.JSONDecodeError as exc:
            raise bad_request(
                f"stepInputOverrideJson is not valid JSON: {exc}",
                [("stepInputOverrideJson", "not valid JSON")],
            ) from None
    pause = t["pause"] or {}
    if pause.get("kind") == "ask":
        _check_ask_override(pause, override)
    data = parse_json_object(t["input_json"], "inputJson")
    env = ctx.store.effective_env(ctx.org, t["script_name"]) if t["load_env"] else {}
    ctx.emu.threads.start(
        ctx.org,
        tid,
        ir=t["ir"],
        input_data=data,
        env=env,
        timeout_s=parse_timeout(t["timeout"]),
        resume_state=t["state"] or {},
        override=override,
        resuming=True,
    )
    return {
        "threadId": tid,
        "status": enum_name("THREAD_STATUS", ctx.store.get_thread(ctx.org, tid)["status"]),
    }


def _check_ask_override(pause: dict[str, Any], override: Any) -> None:
    """The answer to an ask: `{"value": v, ...}` or a bare `v`, of the asked type, among the options."""
    if override is None:
        raise bad_request(
            'this thread waits for an answer: send stepInputOverrideJson like {"value": ...}',
            [("stepInputOverrideJson", "required for an ask pause")],
        )
    if isinstance(override, dict) and "value" not in override:
        raise bad_request(
            "stepInputOverrideJson for an ask must be an object with a 'value' field (or a bare value)",
            [("stepInputOverrideJson.value", "required")],
        )
    value = override["value"] if isinstance(override, dict) else override
    checks = {
        "text": lambda v: isinstance(v, str),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    kind = pause.get("type")
    if isinstance(kind, str) and kind in checks and not checks[kind](value):
        raise bad_request(
            f"the answer must be {kind}, got {json.dumps(value)}",
            [("stepInputOverrideJson.value", f"expected {kind}")],
        )
    options = pause.get("options") or []
    if options and value not in options:
        raise bad_request(
            f"value {value!r} is not one of the allowed options: {', '.join(map(str, options))}",
            [("stepInputOverrideJson.value", "not an allowed option")],
        )


async def get_thread_result(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    t = ctx.store.get_thread(ctx.org, _thread_id(ctx))
    output_only = f.boolean("output_only")
    metadata_only = f.boolean("metadata_only")
    step_path = f.string("step_path")
    data = render.output_bytes(t)
    truncated = len(data) > render.OUTPUT_CAP_BYTES
    steps = [] if output_only else ctx.store.steps(t["thread_id"])
    yields, total = ctx.store.yields(t["thread_id"], render.YIELDS_CAP)
    details = [render.step_detail(s) for s in steps if s["path"] == step_path] if step_path else []
    if step_path and not details and not output_only:
        raise not_found(f"no step {step_path!r} in thread {t['thread_id']}")
    return {
        "threadId": t["thread_id"],
        "status": enum_name("THREAD_STATUS", t["status"]),
        "error": t["error"],
        "outputData": "" if metadata_only else render.b64(data[: render.OUTPUT_CAP_BYTES]),
        "outputTotalBytes": int64(len(data)),
        "outputTruncated": truncated and not metadata_only,
        "steps": [render.step_summary(s) for s in steps],
        "stepDetails": details,
        "yieldedValues": [] if output_only else [render.yielded(y) for y in yields],
        "totalYielded": total,
        "yieldsTruncated": total > len(yields),
    }


async def watch_thread(ctx: Ctx) -> StreamingResponse:
    tid = _thread_id(ctx)
    ctx.store.get_thread(ctx.org, tid)  # NOT_FOUND before the stream starts
    return ndjson(ctx.emu.threads.watch(ctx.org, tid))


async def watch_step(ctx: Ctx) -> StreamingResponse:
    tid = _thread_id(ctx)
    step_path = ctx.fields.string("step_path")
    ctx.store.get_thread(ctx.org, tid)
    return ndjson(ctx.emu.threads.watch(ctx.org, tid, step_path=step_path))


async def stream_thread_result(ctx: Ctx) -> StreamingResponse:
    f = ctx.fields
    t = ctx.store.get_thread(ctx.org, _thread_id(ctx))
    chunk = f.int32("max_chunk_bytes") or 2 * 1024 * 1024
    chunk = max(64 * 1024, min(chunk, 16 * 1024 * 1024))
    data = render.output_bytes(t)

    async def gen() -> AsyncIterator[bytes]:
        meta = {
            "meta": {
                "threadId": t["thread_id"],
                "status": enum_name("THREAD_STATUS", t["status"]),
                "error": t["error"],
                "outputTotalBytes": int64(len(data)),
                "contentType": "application/json",
                "totalChunks": (len(data) + chunk - 1) // chunk,
            }
        }
        yield (json.dumps({"result": meta}) + "\n").encode()
        n = (len(data) + chunk - 1) // chunk
        for i in range(n):
            piece = data[i * chunk : (i + 1) * chunk]
            msg = {"chunk": {"chunkIndex": i, "data": render.b64(piece), "isFinal": i == n - 1}}
            yield (json.dumps({"result": msg}) + "\n").encode()

    return ndjson(gen())


async def stream_step_result(ctx: Ctx) -> StreamingResponse:
    f = ctx.fields
    t = ctx.store.get_thread(ctx.org, _thread_id(ctx))
    step_path = f.string("step_path")
    steps = [s for s in ctx.store.steps(t["thread_id"]) if not step_path or s["path"] == step_path]

    async def gen() -> AsyncIterator[bytes]:
        for s in steps:
            yield (
                json.dumps({"result": {"step": render.step_detail(s)}}, ensure_ascii=False) + "\n"
            ).encode()

    return ndjson(gen())


async def list_artifacts(ctx: Ctx) -> dict[str, Any]:
    raise unimplemented(
        "ListArtifacts is not implemented by the local emulator (artifacts need cloud storage)"
    )


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = (
    (f"{SCRIPT_PATH}/draft/test", "POST", "TestScriptDraft", test_draft, False),
    (f"{PREFIX}/threads", "POST", "CreateThread", create_thread, False),
    (f"{PREFIX}/threads", "GET", "ListThreads", list_threads, False),
    (THREAD_PATH, "GET", "GetThread", get_thread, False),
    (f"{THREAD_PATH}/cancel", "POST", "CancelThread", cancel_thread, False),
    (f"{THREAD_PATH}/resume", "POST", "ResumeThread", resume_thread, False),
    (f"{THREAD_PATH}/watch", "GET", "WatchThread", watch_thread, False),
    (f"{THREAD_PATH}/steps/stream", "GET", "StreamStepResult", stream_step_result, False),
    (f"{THREAD_PATH}/steps/{{step_path}}/watch", "GET", "WatchStep", watch_step, False),
    (f"{THREAD_PATH}/result", "GET", "GetThreadResult", get_thread_result, False),
    (f"{THREAD_PATH}/result/stream", "GET", "StreamThreadResult", stream_thread_result, False),
    (f"{THREAD_PATH}/artifacts", "GET", "ListArtifacts", list_artifacts, False),
)
