"""initialize / initialized / workspace/didChangeConfiguration / shutdown: the configuration service."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from scriptum_lsp.core.positions import Encoding

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

log = logging.getLogger(__name__)
SECTION = "scriptum"


def _encoding(value: object) -> Encoding:
    text = str(value).lower()
    return "utf-8" if text == "utf-8" else "utf-32" if text == "utf-32" else "utf-16"


def merge(base: Mapping[str, Any] | None, overlay: object) -> dict[str, Any]:
    """initializationOptions overlaid with the client's `scriptum` configuration (null/empty values skipped)."""
    out: dict[str, Any] = dict(base) if isinstance(base, Mapping) else {}
    if isinstance(out.get(SECTION), Mapping):
        out = {**out, **out.pop(SECTION)}
    if isinstance(overlay, Mapping):
        for key, value in overlay.items():
            # an empty token is a sign-out: it must replace the token from initializationOptions
            if value is None or (value == "" and key != "token"):
                continue
            if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
                out[key] = merge(out[key], value)
            else:
                out[key] = value
    return out


def register(ls: ScriptumLanguageServer) -> None:
    @ls.feature(types.INITIALIZE)
    def initialize(ls: ScriptumLanguageServer, params: types.InitializeParams) -> None:
        ls.initialization_options = params.initialization_options
        ls.engine.position_encoding = _encoding(ls.workspace.position_encoding)
        root = None
        if params.workspace_folders:
            root = to_fs_path(params.workspace_folders[0].uri)
        elif params.root_uri:
            root = to_fs_path(params.root_uri)
        elif params.root_path:
            root = params.root_path
        ls.engine.set_workspace(root)
        with contextlib.suppress(Exception):
            # the same analysis the local features use: one current analysis per document
            ls.engine.local_compiler = ls.analyses.local_compile
        opts = params.initialization_options
        ls.engine.configure(merge(opts if isinstance(opts, Mapping) else None, None))

    @ls.feature(types.INITIALIZED)
    async def initialized(ls: ScriptumLanguageServer, params: types.InitializedParams) -> None:
        preimport()
        caps = ls.client_capabilities.workspace
        if caps and caps.did_change_configuration and caps.did_change_configuration.dynamic_registration:
            with contextlib.suppress(Exception):
                await ls.client_register_capability_async(
                    types.RegistrationParams(
                        registrations=[
                            types.Registration(
                                id="scriptum-configuration",
                                method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                                register_options=types.DidChangeConfigurationRegistrationOptions(
                                    section=SECTION
                                ),
                            )
                        ]
                    )
                )
        if await reload_configuration(ls):
            ls.engine.refresh_all()
        ls.engine.announce("ok" if ls.engine.settings.is_local else "connecting", describe(ls))

    @ls.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: ScriptumLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        pushed = params.settings.get(SECTION) if isinstance(params.settings, Mapping) else None
        if isinstance(pushed, Mapping):
            ls.engine.configure(merge(ls.initialization_options, pushed))
        else:
            await reload_configuration(ls)
        ls.engine.reset_status("ok" if ls.engine.settings.is_local else "connecting", describe(ls))
        ls.engine.refresh_all()

    @ls.feature(types.SHUTDOWN)
    async def shutdown(ls: ScriptumLanguageServer, params: Any) -> None:
        await ls.engine.aclose()


def describe(ls: ScriptumLanguageServer) -> str:
    s = ls.engine.settings
    org = f", organization {s.organization}" if s.organization else ""
    return f"{s.endpoint}{org} (token: {s.token_source})"


async def reload_configuration(ls: ScriptumLanguageServer) -> bool:
    """Pull the `scriptum` section through workspace/configuration if the client supports it."""
    caps = ls.client_capabilities.workspace
    if not (caps and caps.configuration):
        return False
    try:
        result = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        )
    except Exception as exc:
        log.info("workspace/configuration failed: %s", type(exc).__name__)
        return False
    section = result[0] if result else None
    if not isinstance(section, Mapping):
        return False
    ls.engine.configure(merge(ls.initialization_options, section))
    return True


# imported on first use, not before `initialize` is answered; `initialized` loads them on a background
# thread so the first open document does not wait for them (docs/performance.md)
PREIMPORT = (
    "scriptum_lsp.language.analysis",
    "scriptum_lsp.language.formatter",
    "scriptum_lsp.api.scriptum",
    "scriptum_lsp.embedded",  # the composition root of `local` (server never imports the emulator)
)


def preimport() -> None:
    import threading

    def run() -> None:
        import importlib

        for name in PREIMPORT:
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    threading.Thread(target=run, name="scriptum-preimport", daemon=True).start()
