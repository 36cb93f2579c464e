"""The local Scriptum API emulator: an ASGI app of the documented HTTP gateway with a SQLite store.

`create_app(data, token)` returns the app; serve it with uvicorn (`scriptum-lsp emulator`) or call it
in-process through `httpx.ASGITransport`. See docs/emulator.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scriptum_lsp.emulator.app import create_app as create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # lazy, so importing the runner sub-package does not pull in Starlette
    if name == "create_app":
        from scriptum_lsp.emulator.app import create_app

        return create_app
    raise AttributeError(name)
