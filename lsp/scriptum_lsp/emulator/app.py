"""The ASGI app: the HTTP gateway of `dodil.scriptum.v1.ScriptumService` under `/v1/scriptum/...`."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from scriptum_lsp import __version__
from scriptum_lsp.emulator import render
from scriptum_lsp.emulator import template_catalog as templates
from scriptum_lsp.emulator.auth import authenticate, organization
from scriptum_lsp.emulator.compiling import compile_draft, count_steps
from scriptum_lsp.emulator.errors import (
    ApiError,
    Code,
    bad_request,
    failed_precondition,
    not_found,
    unimplemented,
)
from scriptum_lsp.emulator.faults import FaultRule, Faults, FaultSpecError, parse_rule
from scriptum_lsp.emulator.store import Store
from scriptum_lsp.emulator.threads import ThreadManager, new_thread_id, parse_timeout
from scriptum_lsp.emulator.wire import Fields, enum_name, int64, parse_enum, parse_json_object

log = logging.getLogger("scriptum_lsp.emulator")

PREFIX = "/v1/scriptum"
THREAD_STATUS_NUMBERS = {1: "PENDING", 2: "RUNNING", 3: "COMPLETED", 4: "FAILED", 5: "CANCELLED", 6: "PAUSED"}
MAX_BODY_BYTES = 16 * 1024 * 1024


def default_data_dir() -> Path:
    """The per-user data folder used when `--data` is not given."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "scriptum-lsp" / "emulator"


def store_path(data: str | None) -> str:
    if data == ":memory:":
        return ":memory:"
    folder = Path(data) if data else default_data_dir()
    return str(folder / "emulator.sqlite3")


class Emulator:
    """Shared state of one app: configuration, the lazily opened store and the thread manager."""

    def __init__(
        self,
        data: str | None,
        token: str | None,
        *,
        default_org: str,
        faults: Faults,
        admin: bool,
        allow_hosts: frozenset[str],
    ) -> None:
        self.data = data
        self.token = token or None
        self.default_org = default_org
        self.faults = faults
        self.admin = admin
        self.allow_hosts = allow_hosts
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._threads: ThreadManager | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    store = Store(store_path(self.data))
                    if store.recovered_threads:
                        log.warning(
                            "marked %d interrupted thread(s) FAILED after restart", store.recovered_threads
                        )
                    self._threads = ThreadManager(store, allow_hosts=self.allow_hosts)
                    self._store = store
        return self._store

    @property
    def threads(self) -> ThreadManager:
        _ = self.store
        assert self._threads is not None
        return self._threads

    async def aclose(self) -> None:
        if self._threads is not None:
            await self._threads.shutdown()
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
                self._threads = None


@dataclass
class Ctx:
    emu: Emulator
    request: Request
    org: str
    fields: Fields

    @property
    def store(self) -> Store:
        return self.emu.store


Handler = Callable[[Ctx], Awaitable[Any]]


@dataclass(frozen=True)
class Rpc:
    name: str
    handler: Handler
    public: bool = False


class PathEndpoint:
    """One gateway path; dispatches on the HTTP method to an RPC, with faults, auth and error mapping."""

    def __init__(self, emu: Emulator, methods: dict[str, Rpc]) -> None:
        self.emu = emu
        self.methods = methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        rpc = self.methods.get(request.method) or (
            self.methods.get("GET") if request.method == "HEAD" else None
        )
        if rpc is None:
            allowed = ", ".join(sorted(self.methods))
            err = ApiError(Code.UNIMPLEMENTED, f"Method Not Allowed (allowed: {allowed})", http_status=405)
            await _error_response(err)(scope, receive, send)
            return
        action = await self.emu.faults.before(rpc.name, request.url.path)
        if action.drop == "before":
            await _drop(send)
            return
        try:
            if action.error is not None:
                raise action.error
            if not rpc.public:
                authenticate(request.headers, self.emu.token)
            org = organization(request.headers, self.emu.default_org)
            body = await _json_body(request) if request.method in ("POST", "PUT", "PATCH") else {}
            query: dict[str, list[str]] = {}
            for k, v in request.query_params.multi_items():
                query.setdefault(k, []).append(v)
            ctx = Ctx(self.emu, request, org, Fields(body, request.path_params, query))
            result = await rpc.handler(ctx)
            response: Response = result if isinstance(result, Response) else JSONResponse(result)
        except ApiError as exc:
            response = _error_response(exc)
        except Exception:
            log.exception("internal error in %s", rpc.name)
            response = _error_response(
                ApiError(Code.INTERNAL, f"internal error in {rpc.name}; see the emulator log")
            )
        if action.drop == "after":
            await _drop(send)
            return
        if action.malformed:
            await _malformed(response, send)
            return
        await response(scope, receive, send)


def _error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.http_status, headers=getattr(exc, "headers", None))


async def _drop(send: Send) -> None:
    """Start a response and end without its body: servers close the connection mid-response."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", b"1024"), (b"content-type", b"application/json")],
        }
    )


async def _malformed(response: Response, send: Send) -> None:
    body = bytes(response.body) if not isinstance(response, StreamingResponse) else b'{"result": {}}'
    cut = body[: max(1, len(body) // 2)] + b"\x00<!-- injected malformed body"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(cut)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": cut})


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(Code.RESOURCE_EXHAUSTED, f"request body exceeds {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request(f"request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise bad_request("request body must be a JSON object")
    return value


class NotFoundEndpoint:
    """Any path outside the gateway's routes: NOT_FOUND in gateway style."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        await _error_response(not_found(f"no route for {request.method} {request.url.path}"))(
            scope, receive, send
        )


# -- scripts --------------------------------------------------------------------------------------------------
def _name(ctx: Ctx) -> str:
    name = ctx.fields.string("name")
    if not name:
        raise bad_request("name is required", [("name", "required")])
    return name


async def create_script(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    name = _name(ctx)
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
    return render.script(ctx.store.get_script(ctx.org, _name(ctx)))


async def delete_script(ctx: Ctx) -> dict[str, Any]:
    ctx.store.delete_script(ctx.org, _name(ctx))
    return {}


async def save_draft(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    name = _name(ctx)
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


async def compile_draft_rpc(ctx: Ctx) -> dict[str, Any]:
    name = _name(ctx)
    kind, source, rev = ctx.store.begin_compile(ctx.org, name)
    try:
        result = await anyio.to_thread.run_sync(compile_draft, kind, source)
    except BaseException:
        ctx.store.abort_compile(ctx.org, name, rev)
        raise
    ctx.store.finish_compile(ctx.org, name, rev, result)
    return render.compile_response(result)


async def publish_draft(ctx: Ctx) -> dict[str, Any]:
    return {"version": ctx.store.publish(ctx.org, _name(ctx))}


async def rollback(ctx: Ctx) -> dict[str, Any]:
    return {"activeVersion": ctx.store.rollback(ctx.org, _name(ctx), ctx.fields.int32("target_version"))}


async def list_versions(ctx: Ctx) -> dict[str, Any]:
    return {"versions": [render.version(v) for v in ctx.store.list_versions(ctx.org, _name(ctx))]}


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
    return render.version(ctx.store.get_version(ctx.org, _name(ctx), v))


async def get_code(ctx: Ctx) -> dict[str, Any]:
    name = _name(ctx)
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


async def get_draft_info(ctx: Ctx) -> dict[str, Any]:
    return render.draft_info(ctx.store.get_draft(ctx.org, _name(ctx)))


# -- threads --------------------------------------------------------------------------------------------------
def _validate_input(contract: dict[str, Any], text: str, field: str) -> dict[str, Any]:
    data = parse_json_object(text, field)
    try:
        from scriptum_lsp.language.inputs import validate_input
    except ImportError:  # pragma: no cover - the language core is part of the package
        return data
    problems = list(validate_input(contract, data))
    if problems:
        lines = "; ".join(f"{p.path or '(input)'}: {p.message}" for p in problems)
        raise bad_request(
            f"{field} does not match the script's contract ({len(problems)} problem{'s' if len(problems) != 1 else ''}): {lines}",
            [(f"{field}.{p.path}" if p.path else field, p.message) for p in problems],
        )
    return data


def _runner_available() -> None:
    try:
        import scriptum_lsp.emulator.runner as runner

        _ = runner.run_thread
    except (ImportError, AttributeError):
        raise unimplemented("the local thread runner is not available in this build") from None


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
    _runner_available()
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
    name = _name(ctx)
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
    _runner_available()
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
    return _ndjson(ctx.emu.threads.watch(ctx.org, tid))


async def watch_step(ctx: Ctx) -> StreamingResponse:
    tid = _thread_id(ctx)
    step_path = ctx.fields.string("step_path")
    ctx.store.get_thread(ctx.org, tid)
    return _ndjson(ctx.emu.threads.watch(ctx.org, tid, step_path=step_path))


def _ndjson(stream: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(stream, media_type="application/x-ndjson", headers={"cache-control": "no-store"})


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

    return _ndjson(gen())


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

    return _ndjson(gen())


async def list_artifacts(ctx: Ctx) -> dict[str, Any]:
    raise unimplemented(
        "ListArtifacts is not implemented by the local emulator (artifacts need cloud storage)"
    )


# -- tools, env, templates, health ------------------------------------------------------------------------------
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


def _env_var(e: dict[str, Any]) -> dict[str, Any]:
    return {"key": e["key"], "value": e["value"], "updatedAtMs": int64(e["updated_at_ms"])}


async def set_env_var(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    key = f.string("key")
    ctx.store.set_env(ctx.org, key, f.string("value"))
    return _env_var(ctx.store.get_env(ctx.org, key))


async def get_env_var(ctx: Ctx) -> dict[str, Any]:
    return _env_var(ctx.store.get_env(ctx.org, ctx.fields.string("key")))


async def list_env_vars(ctx: Ctx) -> dict[str, Any]:
    return {"envVars": [_env_var(e) for e in ctx.store.list_env(ctx.org)]}


async def delete_env_var(ctx: Ctx) -> dict[str, Any]:
    ctx.store.delete_env(ctx.org, ctx.fields.string("key"))
    return {}


def parse_dotenv(text: str) -> dict[str, str]:
    """`KEY=VALUE` lines; blank lines and `#` comments ignored; optional `export `; quotes stripped."""
    out: dict[str, str] = {}
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep:
            raise bad_request(
                f"line {i} of the env file is not KEY=VALUE", [(f"content:{i}", "expected KEY=VALUE")]
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


async def import_env_vars(ctx: Ctx) -> dict[str, Any]:
    f = ctx.fields
    values = parse_dotenv(f.string("content"))
    values.update(f.string_map("vars"))
    if not values:
        raise bad_request(
            "nothing to import: send content (.env text) and/or vars (a map)", [("content", "empty")]
        )
    ctx.store.import_env(ctx.org, values)
    return {"imported": len(values), "keys": sorted(values)}


async def get_script_env(ctx: Ctx) -> dict[str, Any]:
    name = _name(ctx)
    env = ctx.store.get_script_env(ctx.org, name)
    return {"name": name, "env": env, "effective": ctx.store.effective_env(ctx.org, name)}


async def update_script_env(ctx: Ctx) -> dict[str, Any]:
    name = _name(ctx)
    env = ctx.store.update_script_env(
        ctx.org, name, ctx.fields.string_map("set"), ctx.fields.strings("delete")
    )
    return {"name": name, "env": env, "effective": ctx.store.effective_env(ctx.org, name)}


async def list_templates(ctx: Ctx) -> dict[str, Any]:
    return {"templates": [t.info(with_source=False) for t in templates.all_templates()]}


async def get_template(ctx: Ctx) -> dict[str, Any]:
    tid = ctx.fields.string("id")
    tpl = templates.get(tid)
    if tpl is None:
        raise not_found(f"template {tid!r} not found; available: {', '.join(templates.ids())}")
    return tpl.info(with_source=True)


async def health(ctx: Ctx) -> dict[str, Any]:
    return {
        "status": "SERVING",
        "version": __version__,
        "server": "scriptum-lsp-emulator",
        "uptimeMs": int64(int((time.monotonic() - ctx.emu.started) * 1000)),
    }


# -- admin ----------------------------------------------------------------------------------------------------
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


S = f"{PREFIX}/scripts/{{name}}"
T = f"{PREFIX}/threads/{{thread_id}}"

ROUTES: Sequence[tuple[str, str, str, Handler, bool]] = (
    # (path, method, rpc, handler, public)
    (f"{PREFIX}/health", "GET", "HealthCheck", health, True),
    (f"{PREFIX}/templates", "GET", "ListTemplates", list_templates, True),
    (f"{PREFIX}/templates/{{id}}", "GET", "GetTemplate", get_template, True),
    (f"{PREFIX}/scripts", "POST", "CreateScript", create_script, False),
    (f"{PREFIX}/scripts", "GET", "ListScripts", list_scripts, False),
    (S, "GET", "GetScript", get_script, False),
    (S, "DELETE", "DeleteScript", delete_script, False),
    (f"{S}/draft", "POST", "SaveScriptDraft", save_draft, False),
    (f"{S}/draft", "GET", "GetDraftInfo", get_draft_info, False),
    (f"{S}/draft/compile", "POST", "CompileScriptDraft", compile_draft_rpc, False),
    (f"{S}/draft/test", "POST", "TestScriptDraft", test_draft, False),
    (f"{S}/draft/publish", "POST", "PublishScriptDraft", publish_draft, False),
    (f"{S}/rollback", "POST", "RollbackScript", rollback, False),
    (f"{S}/versions", "GET", "ListScriptVersions", list_versions, False),
    (f"{S}/versions/{{version}}", "GET", "GetScriptVersion", get_version, False),
    (f"{S}/code/versions/{{version}}", "GET", "GetScriptCode", get_code, False),
    (f"{S}/code", "GET", "GetScriptCode", get_code, False),
    (f"{S}/env", "GET", "GetScriptEnv", get_script_env, False),
    (f"{S}/env", "PATCH", "UpdateScriptEnv", update_script_env, False),
    (f"{PREFIX}/threads", "POST", "CreateThread", create_thread, False),
    (f"{PREFIX}/threads", "GET", "ListThreads", list_threads, False),
    (T, "GET", "GetThread", get_thread, False),
    (f"{T}/cancel", "POST", "CancelThread", cancel_thread, False),
    (f"{T}/resume", "POST", "ResumeThread", resume_thread, False),
    (f"{T}/watch", "GET", "WatchThread", watch_thread, False),
    (f"{T}/steps/stream", "GET", "StreamStepResult", stream_step_result, False),
    (f"{T}/steps/{{step_path}}/watch", "GET", "WatchStep", watch_step, False),
    (f"{T}/result", "GET", "GetThreadResult", get_thread_result, False),
    (f"{T}/result/stream", "GET", "StreamThreadResult", stream_thread_result, False),
    (f"{T}/artifacts", "GET", "ListArtifacts", list_artifacts, False),
    (f"{PREFIX}/tools", "GET", "ListTools", list_tools, False),
    (f"{PREFIX}/env", "GET", "ListEnvVars", list_env_vars, False),
    (f"{PREFIX}/env", "PUT", "SetEnvVar", set_env_var, False),
    (f"{PREFIX}/env/import", "POST", "ImportEnvVars", import_env_vars, False),
    (f"{PREFIX}/env/{{key}}", "GET", "GetEnvVar", get_env_var, False),
    (f"{PREFIX}/env/{{key}}", "DELETE", "DeleteEnvVar", delete_env_var, False),
)

ADMIN_ROUTES: Sequence[tuple[str, str, str, Handler, bool]] = (
    (f"{PREFIX}/admin/faults", "GET", "AdminGetFaults", admin_get_faults, False),
    (f"{PREFIX}/admin/faults", "PUT", "AdminSetFaults", admin_set_faults, False),
    (f"{PREFIX}/admin/faults", "POST", "AdminAddFaults", admin_set_faults, False),
    (f"{PREFIX}/admin/faults", "DELETE", "AdminClearFaults", admin_clear_faults, False),
)


def create_app(
    data: str | None,
    token: str | None = None,
    *,
    default_org: str = "default",
    faults: Sequence[str | FaultRule] | Faults | None = None,
    admin: bool = False,
    allow_hosts: Sequence[str] = (),
) -> Starlette:
    """The emulator as an ASGI app. The store opens lazily on the first request (no lifespan needed)."""
    if isinstance(faults, Faults):
        fault_set = faults
    else:
        fault_set = Faults([r if isinstance(r, FaultRule) else parse_rule(r) for r in (faults or ())])
    emu = Emulator(
        data,
        token,
        default_org=default_org,
        faults=fault_set,
        admin=admin,
        allow_hosts=frozenset(allow_hosts),
    )
    by_path: dict[str, dict[str, Rpc]] = {}
    for path, method, name, handler, public in (*ROUTES, *(ADMIN_ROUTES if admin else ())):
        by_path.setdefault(path, {})[method] = Rpc(name, handler, public)
    routes = [Route(path, PathEndpoint(emu, methods)) for path, methods in by_path.items()]
    routes.append(Route("/{path:path}", NotFoundEndpoint()))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        _ = emu.store  # open (and recover) at start-up when the server sends lifespan events
        try:
            yield
        finally:
            await emu.aclose()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.emulator = emu
    return app
