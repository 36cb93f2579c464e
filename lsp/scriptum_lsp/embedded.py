"""The composition root of the embedded emulator: endpoint `local` served in process.

The API client (`scriptum_lsp.api`) knows nothing of the emulator: for `local` it needs an ASGI app, and
this module provides it. `client_factory` is what the language server hands to its engine; `connect` is
the same for the other entry points (doctor, debugger). One app per data folder per process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Unpack

from scriptum_lsp.dirs import emulator_data_dir

if TYPE_CHECKING:  # imported on first use: the server answers `initialize` without httpx
    from scriptum_lsp.api.scriptum import ScriptumClient
    from scriptum_lsp.api.transport import Endpoint, HttpOptions
    from scriptum_lsp.core.settings import Settings

LOCAL_DATA_ENV = "SCRIPTUM_LSP_LOCAL_DATA"

_APPS: dict[str, Any] = {}


def local_data_folder(environ: Mapping[str, str] | None = None) -> str:
    """The data folder of the embedded emulator: `$SCRIPTUM_LSP_LOCAL_DATA`, else the per-user folder."""
    env = os.environ if environ is None else environ
    return env.get(LOCAL_DATA_ENV) or str(emulator_data_dir(env))


def local_app(data: str | None = None) -> Any:
    """The embedded emulator ASGI app for a data folder (created on first use)."""
    if data is None:
        folder = emulator_data_dir(os.environ)
        folder.mkdir(parents=True, exist_ok=True)
        data = str(folder)
    app = _APPS.get(data)
    if app is None:
        from scriptum_lsp.emulator import create_app

        app = create_app(data=data)
        _APPS[data] = app
    return app


def connect(
    endpoint: str | Endpoint, *, local_data: str | None = None, **options: Unpack[HttpOptions]
) -> ScriptumClient:
    """`ScriptumClient.connect`, with the embedded emulator mounted when `endpoint` is `local`."""
    from scriptum_lsp.api.scriptum import ScriptumClient
    from scriptum_lsp.api.transport import Endpoint, parse_endpoint

    ep = endpoint if isinstance(endpoint, Endpoint) else parse_endpoint(endpoint)
    if ep.is_local and options.get("local_app") is None:
        options["local_app"] = local_app(local_data)
    return ScriptumClient.connect(endpoint, **options)


def client_factory(environ: Mapping[str, str] | None = None) -> Callable[[Settings], ScriptumClient]:
    """The engine's client factory: the configured endpoint, `local` served by the embedded emulator."""
    env = os.environ if environ is None else environ

    def factory(s: Settings) -> ScriptumClient:
        return connect(
            s.endpoint,
            token=None if s.is_local else s.token,
            organization=s.organization,
            timeout=s.request_timeout,
            local_data=env.get(LOCAL_DATA_ENV) or None,
        )

    return factory
