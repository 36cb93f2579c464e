"""HealthCheck (public)."""

from __future__ import annotations

import time
from typing import Any

from scriptum_lsp import __version__
from scriptum_lsp.emulator.gateway import PREFIX, Ctx, RouteRow
from scriptum_lsp.emulator.wire import int64


async def health(ctx: Ctx) -> dict[str, Any]:
    return {
        "status": "SERVING",
        "version": __version__,
        "server": "scriptum-lsp-emulator",
        "uptimeMs": int64(int((time.monotonic() - ctx.emu.started) * 1000)),
    }


# (path, method, rpc, handler, public)
ROUTES: tuple[RouteRow, ...] = ((f"{PREFIX}/health", "GET", "HealthCheck", health, True),)
