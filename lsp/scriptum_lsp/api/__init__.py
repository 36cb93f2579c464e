"""scriptum_lsp.api: httpx clients for the Scriptum API (and Ignite drafts) with typed errors.

The names are imported on first use (PEP 562), so `scriptum_lsp.api.errors` alone does not import httpx:
the language server answers `initialize` before it needs a client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scriptum_lsp.api.errors import (
        AlreadyExists,
        ApiError,
        BadResponse,
        FailedPrecondition,
        Internal,
        InvalidArgument,
        NotFound,
        PermissionDenied,
        RateLimited,
        Timeout,
        Unauthenticated,
        Unavailable,
        Unimplemented,
    )
    from scriptum_lsp.api.ignite import IgniteClient
    from scriptum_lsp.api.scriptum import ScriptumClient
    from scriptum_lsp.api.transport import Endpoint, EndpointError, parse_endpoint

_HOME = {
    "IgniteClient": "ignite",
    "ScriptumClient": "scriptum",
    "Endpoint": "transport",
    "EndpointError": "transport",
    "parse_endpoint": "transport",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'scriptum_lsp.api' has no attribute {name!r}")
    module = importlib.import_module(f"scriptum_lsp.api.{_HOME.get(name, 'errors')}")
    value = getattr(module, name)
    globals()[name] = value
    return value


__all__ = [
    "AlreadyExists",
    "ApiError",
    "BadResponse",
    "Endpoint",
    "EndpointError",
    "FailedPrecondition",
    "IgniteClient",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ScriptumClient",
    "Timeout",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "parse_endpoint",
]
