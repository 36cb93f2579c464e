"""scriptum_lsp.api: httpx clients for the Scriptum API (and Ignite drafts) with typed errors."""

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
