"""Bearer-token authentication and organization resolution.

With a configured token only `Bearer <token>` is accepted; without one, any non-empty bearer token is.
The organization comes from `x-organization-name`, else `x-organization-id`, else the default.
Tokens are never logged.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from scriptum_lsp.emulator.errors import ApiError, Code, unauthenticated

MAX_ORG_LEN = 200


def authenticate(headers: Mapping[str, str], token: str | None) -> None:
    """Raise UNAUTHENTICATED unless the Authorization header carries an acceptable bearer token."""
    header = headers.get("authorization", "")
    if not header:
        raise unauthenticated("missing Authorization header; send 'Authorization: Bearer <token>'")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise unauthenticated("malformed Authorization header; expected 'Bearer <token>'")
    if token is not None and not hmac.compare_digest(value.encode(), token.encode()):
        raise unauthenticated("invalid bearer token")


def organization(headers: Mapping[str, str], default_org: str) -> str:
    """The organization a request acts for: data is isolated per organization."""
    org = (
        headers.get("x-organization-name", "").strip()
        or headers.get("x-organization-id", "").strip()
        or default_org
    )
    if len(org) > MAX_ORG_LEN or any(ord(c) < 32 for c in org):
        raise ApiError(Code.INVALID_ARGUMENT, "invalid organization header")
    return org
