"""gRPC-gateway style errors: `{"code": <grpc code>, "message": "...", "details": []}` with the usual HTTP status."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Any


class Code(enum.IntEnum):
    """gRPC status codes (google.rpc.Code)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


# The mapping grpc-gateway uses (runtime.HTTPStatusFromCode); FAILED_PRECONDITION -> 400 like grpc-gateway v2.
HTTP_STATUS: dict[Code, int] = {
    Code.OK: 200,
    Code.CANCELLED: 499,
    Code.UNKNOWN: 500,
    Code.INVALID_ARGUMENT: 400,
    Code.DEADLINE_EXCEEDED: 504,
    Code.NOT_FOUND: 404,
    Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403,
    Code.RESOURCE_EXHAUSTED: 429,
    Code.FAILED_PRECONDITION: 400,
    Code.ABORTED: 409,
    Code.OUT_OF_RANGE: 400,
    Code.UNIMPLEMENTED: 501,
    Code.INTERNAL: 500,
    Code.UNAVAILABLE: 503,
    Code.DATA_LOSS: 500,
    Code.UNAUTHENTICATED: 401,
}

# HTTP status -> gRPC code, for fault injection given as an HTTP status.
CODE_FOR_STATUS: dict[int, Code] = {
    400: Code.INVALID_ARGUMENT,
    401: Code.UNAUTHENTICATED,
    403: Code.PERMISSION_DENIED,
    404: Code.NOT_FOUND,
    409: Code.ABORTED,
    412: Code.FAILED_PRECONDITION,
    429: Code.RESOURCE_EXHAUSTED,
    499: Code.CANCELLED,
    500: Code.INTERNAL,
    501: Code.UNIMPLEMENTED,
    503: Code.UNAVAILABLE,
    504: Code.DEADLINE_EXCEEDED,
}


class ApiError(Exception):
    """An RPC failure; rendered as the gateway's JSON error body."""

    def __init__(
        self,
        code: Code,
        message: str,
        details: Sequence[dict[str, Any]] = (),
        *,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = list(details)
        self.http_status = http_status if http_status is not None else HTTP_STATUS[code]

    def body(self) -> dict[str, Any]:
        return {"code": int(self.code), "message": self.message, "details": self.details}


def bad_request(message: str, violations: Iterable[tuple[str, str]] = ()) -> ApiError:
    """INVALID_ARGUMENT with a google.rpc.BadRequest detail listing every field violation."""
    fv = [{"field": f, "description": d} for f, d in violations]
    details = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": fv}] if fv else []
    return ApiError(Code.INVALID_ARGUMENT, message, details)


def not_found(message: str) -> ApiError:
    return ApiError(Code.NOT_FOUND, message)


def already_exists(message: str) -> ApiError:
    return ApiError(Code.ALREADY_EXISTS, message)


def failed_precondition(message: str, details: Sequence[dict[str, Any]] = ()) -> ApiError:
    return ApiError(Code.FAILED_PRECONDITION, message, details)


def unauthenticated(message: str) -> ApiError:
    return ApiError(Code.UNAUTHENTICATED, message)


def unimplemented(message: str) -> ApiError:
    return ApiError(Code.UNIMPLEMENTED, message)
