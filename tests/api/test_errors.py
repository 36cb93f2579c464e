"""Mapping of gateway responses to typed errors, and redaction of secrets."""

from __future__ import annotations

import json

import pytest

from scriptum_lsp.api import errors as E


def body(code: int, message: str = "boom") -> bytes:
    return json.dumps({"code": code, "message": message, "details": []}).encode()


@pytest.mark.parametrize(
    ("status", "payload", "headers", "cls", "code"),
    [
        (404, body(5, "script 'x' not found"), {}, E.NotFound, "NOT_FOUND"),
        (409, body(6), {}, E.AlreadyExists, "ALREADY_EXISTS"),
        (400, body(3), {}, E.InvalidArgument, "INVALID_ARGUMENT"),
        (400, body(9), {}, E.FailedPrecondition, "FAILED_PRECONDITION"),
        (401, body(16), {}, E.Unauthenticated, "UNAUTHENTICATED"),
        (403, body(7), {}, E.PermissionDenied, "PERMISSION_DENIED"),
        (429, body(8), {"retry-after": "3"}, E.RateLimited, "RESOURCE_EXHAUSTED"),
        (501, body(12), {}, E.Unimplemented, "UNIMPLEMENTED"),
        (500, body(13), {}, E.Internal, "INTERNAL"),
        (503, body(14), {}, E.Unavailable, "UNAVAILABLE"),
        (502, b"<html>bad gateway</html>", {}, E.Unavailable, "UNAVAILABLE"),
        (504, b"", {}, E.Unavailable, "DEADLINE_EXCEEDED"),
        (401, b"", {}, E.Unauthenticated, "UNAUTHENTICATED"),
        (404, b"not json", {}, E.NotFound, "NOT_FOUND"),
        (500, b"", {}, E.Internal, "INTERNAL"),
        (418, b"", {}, E.ApiError, "UNKNOWN"),
        # the code in the body wins over a generic status
        (400, body(5), {}, E.NotFound, "NOT_FOUND"),
        (400, json.dumps({"code": "NOT_FOUND", "message": "m"}).encode(), {}, E.NotFound, "NOT_FOUND"),
        (
            400,
            json.dumps({"error": {"code": 6, "message": "m"}}).encode(),
            {},
            E.AlreadyExists,
            "ALREADY_EXISTS",
        ),
    ],
)
def test_error_from_response(
    status: int, payload: bytes, headers: dict[str, str], cls: type[E.ApiError], code: str
) -> None:
    err = E.error_from_response(status, payload, headers, context="GetScript")
    assert type(err) is cls
    assert err.code == code
    assert err.http_status == status
    assert err.message.startswith("GetScript: ")


def test_message_and_retry_after() -> None:
    err = E.error_from_response(429, body(8, "slow down"), {"Retry-After": "2.5"})
    assert err.message == "slow down"
    assert err.retry_after == 2.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0", 0.0), ("-4", 0.0), ("", None), (None, None), ("soon", None),
     ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0)],
)  # fmt: skip
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    # the HTTP-date case is evaluated against a fixed "now" 10 s earlier
    assert E.parse_retry_after(value, now=1445412480.0) == expected


def test_redaction_of_registered_secret_and_bearer() -> None:
    E.register_secret("s3cr3t-token-value")
    err = E.ApiError("request with s3cr3t-token-value failed; Authorization: Bearer abcdef")
    assert "s3cr3t" not in err.message
    assert "abcdef" not in err.message
    assert "***" in str(err)
    assert E.redact("x", extra=["x"]) == "x"  # secrets shorter than 4 chars are not redacted
    assert E.redact("pre-zzzz-post", extra=["zzzz"]) == "pre-***-post"


def test_kinds_group_failure_classes() -> None:
    assert E.Unauthenticated.kind == E.PermissionDenied.kind == "auth"
    assert E.Unavailable.kind != E.Timeout.kind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{'token': 'abcdef123', 'organization': 'o'}", "{'token': '***', 'organization': 'o'}"),
        ('{"token": "abcdef123"}', '{"token": "***"}'),
        ("token=abcdef123 next", "token=*** next"),
        ("Authorization: Bearer abc.def-123", "Authorization: Bearer ***"),
        ("invalid bearer token", "invalid bearer token"),
        ('"tokenSource": "setting"', '"tokenSource": "setting"'),
    ],
)
def test_redacts_token_fields(text: str, expected: str) -> None:
    assert E.redact(text) == expected
