"""Typed errors of the API layer.

Every failure of a call to the Scriptum (or Ignite) HTTP gateway becomes one `ApiError` subclass:
transport failures (connection refused, reset, timeouts), HTTP statuses and the gateway's error body
`{"code": <grpc code int>, "message": ..., "details": []}`. Messages never contain a secret: every
message goes through `redact()` before it is stored.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

# gRPC status code numbers -> names (google.rpc.Code)
GRPC_CODE_NAMES: dict[int, str] = {
    0: "OK",
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}

_SECRETS: set[str] = set()
_BEARER = re.compile(r"(?i)(bearer\s+)(?!token\b)[A-Za-z0-9._~+/=-]{4,}")
# `"token": "..."`, `'token': '...'`, `token=...` in dumped settings, JSON or reprs
_TOKEN_FIELD = re.compile(
    r"""(?i)(["']?(?:token|access_token|accessToken|authorization)["']?\s*[:=]\s*["']?)(?!\*\*\*|bearer\b)([^"'\s,}]{4,})"""
)


def register_secret(secret: str | None) -> None:
    """Remember a secret (a token) so that `redact` removes it from any text."""
    if secret and len(secret) >= 4:
        _SECRETS.add(secret)


def redact(text: str, extra: Iterable[str | None] = ()) -> str:
    """Replace every known secret and any `Bearer <value>` in `text` with `***`."""
    out = _BEARER.sub(r"\1***", text)
    out = _TOKEN_FIELD.sub(r"\1***", out)
    for s in sorted({*_SECRETS, *(e for e in extra if e)}, key=len, reverse=True):
        if s and len(s) >= 4:
            out = out.replace(s, "***")
    return out


class ApiError(Exception):
    """A failed API call. `code` is the gRPC code name (e.g. "NOT_FOUND")."""

    default_code: ClassVar[str] = "UNKNOWN"
    kind: ClassVar[str] = "error"  # failure class for user-facing messages

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
        details: list[Any] | None = None,
    ) -> None:
        self.message = redact(message)
        self.code = code or self.default_code
        self.http_status = http_status
        self.retry_after = retry_after
        self.details = details or []
        super().__init__(self.message)

    def __str__(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status else ""
        return f"{self.code}{status}: {self.message}"


class InvalidArgument(ApiError):
    default_code = "INVALID_ARGUMENT"
    kind = "invalid-argument"


class Unauthenticated(ApiError):
    default_code = "UNAUTHENTICATED"
    kind = "auth"


class PermissionDenied(ApiError):
    default_code = "PERMISSION_DENIED"
    kind = "auth"


class NotFound(ApiError):
    default_code = "NOT_FOUND"
    kind = "not-found"


class AlreadyExists(ApiError):
    default_code = "ALREADY_EXISTS"
    kind = "conflict"


class FailedPrecondition(ApiError):
    default_code = "FAILED_PRECONDITION"
    kind = "conflict"


class RateLimited(ApiError):
    default_code = "RESOURCE_EXHAUSTED"
    kind = "rate-limited"


class Unavailable(ApiError):
    default_code = "UNAVAILABLE"
    kind = "unavailable"


class Timeout(ApiError):
    default_code = "DEADLINE_EXCEEDED"
    kind = "timeout"


class BadResponse(ApiError):
    default_code = "INTERNAL"
    kind = "bad-response"


class Internal(ApiError):
    default_code = "INTERNAL"
    kind = "server-error"


class Unimplemented(ApiError):
    default_code = "UNIMPLEMENTED"
    kind = "unimplemented"


_BY_CODE: dict[str, type[ApiError]] = {
    "INVALID_ARGUMENT": InvalidArgument,
    "OUT_OF_RANGE": InvalidArgument,
    "UNAUTHENTICATED": Unauthenticated,
    "PERMISSION_DENIED": PermissionDenied,
    "NOT_FOUND": NotFound,
    "ALREADY_EXISTS": AlreadyExists,
    "ABORTED": FailedPrecondition,
    "FAILED_PRECONDITION": FailedPrecondition,
    "RESOURCE_EXHAUSTED": RateLimited,
    "UNAVAILABLE": Unavailable,
    "DEADLINE_EXCEEDED": Timeout,
    "INTERNAL": Internal,
    "UNKNOWN": Internal,
    "DATA_LOSS": Internal,
    "UNIMPLEMENTED": Unimplemented,
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidArgument,
    401: Unauthenticated,
    403: PermissionDenied,
    404: NotFound,
    409: AlreadyExists,
    412: FailedPrecondition,
    429: RateLimited,
    501: Unimplemented,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}

_STATUS_CODE_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def code_name(code: object) -> str | None:
    """Normalise a gRPC code given as int, numeric string or name."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return GRPC_CODE_NAMES.get(code)
    if isinstance(code, str):
        if code.isdigit():
            return GRPC_CODE_NAMES.get(int(code))
        upper = code.upper()
        return upper if upper in _BY_CODE or upper in GRPC_CODE_NAMES.values() else None
    return None


def error_from_response(
    status: int, body: bytes, headers: Mapping[str, str] | None = None, *, context: str = ""
) -> ApiError:
    """Build the typed error for a non-2xx HTTP response."""
    headers = headers or {}
    message = ""
    code: str | None = None
    details: list[Any] = []
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        data = None
    if isinstance(data, dict):
        inner = data.get("error")
        err: dict[str, Any] = inner if isinstance(inner, dict) else data
        code = code_name(err.get("code"))
        if code is None and isinstance(err.get("status"), str):
            code = code_name(err.get("status"))
        raw_message = err.get("message")
        if isinstance(raw_message, str):
            message = raw_message
        raw_details = err.get("details")
        if isinstance(raw_details, list):
            details = raw_details
    if not message:
        text = body.decode("utf-8", errors="replace").strip()
        message = text[:300] if text and data is None else f"HTTP {status}"
    if context:
        message = f"{context}: {message}"
    retry_after = parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
    cls: type[ApiError]
    if status == 429:
        cls = RateLimited
    elif status in (502, 503, 504):
        cls = Unavailable
    elif code is not None and code in _BY_CODE:
        cls = _BY_CODE[code]
    else:
        cls = _BY_STATUS.get(status, Internal if status >= 500 else ApiError)
    if code is None:
        code = _STATUS_CODE_NAMES.get(status, cls.default_code)
    return cls(message, code=code, http_status=status, retry_after=retry_after, details=details)
