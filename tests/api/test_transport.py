"""Endpoint validation and the headers the client sends."""

from __future__ import annotations

import httpx
import pytest

from scriptum_lsp.api import ScriptumClient
from scriptum_lsp.api.transport import EndpointError, parse_endpoint


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("local", "local"),
        (" LOCAL ", "local"),
        ("https://api.dev.dodil.io", "https://api.dev.dodil.io"),
        ("https://api.dodil.io/", "https://api.dodil.io"),
        ("https://api.dev.dodil.io:443", "https://api.dev.dodil.io:443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9", "http://localhost:9"),
        ("http://[::1]:9000/", "http://[::1]:9000"),
    ],
)
def test_valid_endpoints(raw: str, url: str) -> None:
    assert parse_endpoint(raw).url == url


@pytest.mark.parametrize(
    "raw",
    ["http://api.dodil.io", "ftp://x", "api.dodil.io", "https://", "https://u:p@host", "http://10.0.0.1:80",
     "https://host:notaport"],
)  # fmt: skip
def test_invalid_endpoints(raw: str) -> None:
    with pytest.raises(EndpointError):
        parse_endpoint(raw)


async def test_headers_and_paths_on_the_wire() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    http = httpx.AsyncClient(
        transport=httpx.MockTransport(handler),
        base_url="https://api.example",
        headers={"Authorization": "Bearer tkn", "x-organization-name": "acme"},
    )
    client = ScriptumClient(http)
    await client.save_draft("my script/x", 'script "a"\n')
    await client.get_code("s", 3)
    await client.list_threads(script_name_filter="s", page_size=5)
    await client.aclose()
    save, code, threads = seen
    assert save.method == "POST"
    assert save.url.raw_path == b"/v1/scriptum/scripts/my%20script%2Fx/draft"
    assert save.headers["authorization"] == "Bearer tkn"
    assert save.headers["x-organization-name"] == "acme"
    assert save.read() == b'{"dslContent":"script \\"a\\"\\n"}'
    assert code.url.path == "/v1/scriptum/scripts/s/code/versions/3"
    assert dict(threads.url.params) == {"pageSize": "5", "scriptNameFilter": "s"}


@pytest.mark.parametrize(
    ("response", "cls"),
    [
        (httpx.Response(200, content=b"{not json"), "BadResponse"),
        (httpx.Response(200, json=[1, 2]), "BadResponse"),
        (httpx.Response(503, json={"code": 14, "message": "down"}), "Unavailable"),
    ],
)
async def test_malformed_and_failed_responses(response: httpx.Response, cls: str) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: response), base_url="https://x")
    client = ScriptumClient(http)
    with pytest.raises(Exception) as info:
        await client.get_draft_info("s")
    assert type(info.value).__name__ == cls
    await client.aclose()


async def test_timeout_and_connection_errors_are_typed() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    from scriptum_lsp.api import Timeout, Unavailable

    async with ScriptumClient(
        httpx.AsyncClient(transport=httpx.MockTransport(slow), base_url="https://x")
    ) as c:
        with pytest.raises(Timeout):
            await c.health()
    async with ScriptumClient(
        httpx.AsyncClient(transport=httpx.MockTransport(refused), base_url="https://x")
    ) as c:
        with pytest.raises(Unavailable):
            await c.health()
