"""The gateway of the emulator: its shared state (`Emulator`), the request context (`Ctx`), and
`PathEndpoint`, which runs one RPC per path and method with faults, auth, body parsing and error mapping."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from scriptum_lsp.dirs import emulator_data_dir
from scriptum_lsp.emulator.auth import authenticate, organization
from scriptum_lsp.emulator.errors import ApiError, Code, bad_request, not_found
from scriptum_lsp.emulator.faults import Faults
from scriptum_lsp.emulator.ignite.service import IgniteService
from scriptum_lsp.emulator.store import Store
from scriptum_lsp.emulator.threads import ThreadManager
from scriptum_lsp.emulator.wire import Fields

log = logging.getLogger("scriptum_lsp.emulator")

PREFIX = "/v1/scriptum"
SCRIPT_PATH = f"{PREFIX}/scripts/{{name}}"
THREAD_PATH = f"{PREFIX}/threads/{{thread_id}}"
MAX_BODY_BYTES = 16 * 1024 * 1024


def default_data_dir() -> Path:
    """The per-user data folder used when `--data` is not given (the same as the embedded emulator's)."""
    return emulator_data_dir(os.environ)


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
        self._ignite: IgniteService | None = None

    @property
    def ignite(self) -> IgniteService:
        """Ignite's records and background work, in the same store file."""
        store = self.store
        if self._ignite is None:
            with self._lock:
                if self._ignite is None:
                    self._ignite = IgniteService(store, self.data)
        return self._ignite

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
        if self._ignite is not None:
            await self._ignite.aclose()
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
                self._threads = None
                self._ignite = None


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
# (path, method, rpc name, handler, public: no token needed)
RouteRow = tuple[str, str, str, Handler, bool]


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


def ndjson(stream: AsyncIterator[bytes]) -> StreamingResponse:
    """A server stream: newline-delimited JSON, one `{"result": ...}` message a line."""
    return StreamingResponse(stream, media_type="application/x-ndjson", headers={"cache-control": "no-store"})


def name_param(ctx: Ctx) -> str:
    """The `name` of the script a request is about (path or body); INVALID_ARGUMENT when missing."""
    name = ctx.fields.string("name")
    if not name:
        raise bad_request("name is required", [("name", "required")])
    return name
