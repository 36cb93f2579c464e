"""httpx client factory: a real gateway URL, or the embedded emulator in process (`"local"`).

The API client code is identical in both cases; only the transport differs. The bearer token is
registered as a secret so that `errors.redact` removes it from every message, and the request log
never prints headers.
"""

from __future__ import annotations

import logging
from typing import Any, TypedDict

import httpx

from scriptum_lsp import __version__
from scriptum_lsp.api.errors import redact, register_secret
from scriptum_lsp.core.endpoints import (
    LOCAL,
    PRODUCTION_URL,
    STAGING_URL,
    Endpoint,
    EndpointError,
    is_loopback_host,
    parse_endpoint,
)

__all__ = [
    "LOCAL",
    "PRODUCTION_URL",
    "STAGING_URL",
    "Endpoint",
    "EndpointError",
    "HttpOptions",
    "build_http_client",
    "is_loopback_host",
    "parse_endpoint",
]

log = logging.getLogger("scriptum_lsp.api")

LOCAL_BASE_URL = "http://scriptum.local"
USER_AGENT = f"scriptum-lsp/{__version__}"


def auth_headers(token: str | None, organization: str | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if organization:
        headers["x-organization-name"] = organization
    return headers


async def _log_request(request: httpx.Request) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug("-> %s %s", request.method, redact(str(request.url)))


async def _log_response(response: httpx.Response) -> None:
    if log.isEnabledFor(logging.DEBUG):
        req = response.request
        log.debug("<- %s %s %s", response.status_code, req.method, redact(str(req.url)))


class HttpOptions(TypedDict, total=False):
    """The keyword options of `build_http_client`, for clients that pass them through."""

    token: str | None
    organization: str | None
    timeout: float
    local_app: Any


def build_http_client(
    endpoint: str | Endpoint,
    *,
    token: str | None = None,
    organization: str | None = None,
    timeout: float = 30.0,
    local_app: Any = None,
) -> httpx.AsyncClient:
    """Build the AsyncClient for `endpoint`.

    `local` mounts `local_app`, the embedded emulator's ASGI app, through `httpx.ASGITransport` (no
    socket); the composition root provides it (`scriptum_lsp.embedded`): this layer never builds it.
    """
    ep = endpoint if isinstance(endpoint, Endpoint) else parse_endpoint(endpoint)
    register_secret(token)
    headers = auth_headers(token, organization)
    hooks: dict[str, list[Any]] = {"request": [_log_request], "response": [_log_response]}
    if ep.is_local:
        if local_app is None:
            raise EndpointError(
                "endpoint 'local' needs the embedded emulator; build the client with scriptum_lsp.embedded.connect"
            )
        app = local_app
        if not token:  # the embedded emulator accepts any bearer token when it has none configured
            headers["Authorization"] = "Bearer local"
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url=LOCAL_BASE_URL,
            headers=headers,
            timeout=timeout,
            event_hooks=hooks,
        )
    return httpx.AsyncClient(
        base_url=ep.url,
        headers=headers,
        timeout=timeout,
        event_hooks=hooks,
        follow_redirects=False,
    )
