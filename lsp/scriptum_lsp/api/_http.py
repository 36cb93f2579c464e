"""The request layer shared by the Scriptum and Ignite clients: JSON in, JSON out, typed errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any, Self
from urllib.parse import quote

import httpx

from scriptum_lsp.api.errors import (
    ApiError,
    BadResponse,
    Timeout,
    Unavailable,
    error_from_response,
    redact,
)

JsonDict = dict[str, Any]


def seg(value: str | int) -> str:
    """One URL path segment, percent-encoded (slashes included)."""
    return quote(str(value), safe="")


def transport_error(exc: httpx.HTTPError, context: str) -> ApiError:
    """Map an httpx transport failure to a typed error."""
    text = redact(str(exc) or type(exc).__name__)
    if isinstance(exc, httpx.TimeoutException):
        return Timeout(f"{context}: request timed out ({type(exc).__name__})")
    if isinstance(exc, httpx.TransportError):
        return Unavailable(f"{context}: cannot reach the endpoint ({type(exc).__name__}: {text})")
    return ApiError(f"{context}: {type(exc).__name__}: {text}")


def decode_body(response: httpx.Response, context: str) -> JsonDict:
    body = response.content
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadResponse(
            f"{context}: malformed JSON response ({exc.__class__.__name__})", http_status=response.status_code
        ) from None
    if not isinstance(data, dict):
        raise BadResponse(
            f"{context}: expected a JSON object, got {type(data).__name__}", http_status=response.status_code
        )
    return data


class HttpApi:
    """Thin JSON layer over an httpx.AsyncClient. Owns the client unless `owns_client=False`."""

    def __init__(self, http: httpx.AsyncClient, *, timeout: float | None = None, owns_client: bool = True):
        self.http = http
        self.timeout = timeout
        self._owns = owns_client

    async def aclose(self) -> None:
        if self._owns:
            await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _timeout(self, timeout: float | None) -> Any:
        t = timeout if timeout is not None else self.timeout
        return httpx.USE_CLIENT_DEFAULT if t is None else t

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        request_timeout: float | None = None,
        rpc: str = "",
    ) -> JsonDict:
        context = rpc or f"{method} {path}"
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = await self.http.request(
                method,
                path,
                json=dict(json_body) if json_body is not None else None,
                params=clean_params or None,
                timeout=self._timeout(request_timeout),
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, context) from None
        if response.status_code >= 400:
            raise error_from_response(
                response.status_code, response.content, response.headers, context=context
            )
        return decode_body(response, context)

    async def stream_lines(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        rpc: str = "",
    ) -> AsyncIterator[JsonDict]:
        """A server stream: newline-delimited JSON objects, unwrapped from `{"result": ...}`."""
        context = rpc or f"{method} {path}"
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        # no read timeout on a stream: events may be minutes apart
        timeout = httpx.Timeout(self.timeout or 30.0, read=None)
        try:
            async with self.http.stream(
                method, path, params=clean_params or None, timeout=timeout
            ) as response:
                if response.status_code >= 400:
                    body = await response.aread()
                    raise error_from_response(response.status_code, body, response.headers, context=context)
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    try:
                        item = json.loads(line)
                    except ValueError:
                        raise BadResponse(f"{context}: malformed stream line") from None
                    if not isinstance(item, dict):
                        raise BadResponse(f"{context}: stream item is not an object")
                    if isinstance(item.get("error"), dict) and len(item) == 1:
                        err = item["error"]
                        raise error_from_response(
                            int(err.get("httpStatus", 500) or 500),
                            json.dumps(err).encode(),
                            context=context,
                        )
                    if set(item) == {"result"} and isinstance(item["result"], dict):
                        item = item["result"]
                    yield item
        except httpx.HTTPError as exc:
            raise transport_error(exc, context) from None
