"""The ASGI app: the HTTP gateway of `dodil.scriptum.v1.ScriptumService` under `/v1/scriptum/...`.

`gateway` holds the dispatch (`PathEndpoint`: faults, auth, body, errors) and the shared `Emulator` state;
`routes/` holds the handlers, one module per resource; this module builds the Starlette app from them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.routing import Route

from scriptum_lsp.emulator.faults import FaultRule, Faults, parse_rule
from scriptum_lsp.emulator.gateway import (
    MAX_BODY_BYTES,
    PREFIX,
    Ctx,
    Emulator,
    NotFoundEndpoint,
    PathEndpoint,
    Rpc,
    default_data_dir,
    store_path,
)
from scriptum_lsp.emulator.routes import ADMIN_ROUTES, ROUTES
from scriptum_lsp.emulator.routes.env import parse_dotenv
from scriptum_lsp.emulator.routes.threads import THREAD_STATUS_NUMBERS

__all__ = [
    "ADMIN_ROUTES",
    "MAX_BODY_BYTES",
    "PREFIX",
    "ROUTES",
    "THREAD_STATUS_NUMBERS",
    "Ctx",
    "Emulator",
    "create_app",
    "default_data_dir",
    "parse_dotenv",
    "store_path",
]


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
