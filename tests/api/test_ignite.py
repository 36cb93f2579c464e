"""IgniteClient request shapes (no emulator exists for Ignite: httpx.MockTransport only)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from scriptum_lsp.api import IgniteClient, NotFound


async def test_draft_rpcs_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/publish"):
            return httpx.Response(
                200, json={"app": {"name": "my-app", "activeVersion": 4}, "publishedVersion": 4}
            )
        return httpx.Response(200, json={"draft": {"status": "VERSION_STATUS_DRAFT"}})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="https://api.example")
    async with IgniteClient(http, organization="acme corp") as ig:
        await ig.save_rust_source("my-app", b"fn main() {}", toolchain="1.82")
        await ig.get_draft_info("my-app")
        await ig.compile_draft("my-app")
        published = await ig.publish_draft("my-app")
        await ig.test_draft("my-app", {"name": "world"})
    assert published["publishedVersion"] == 4
    assert [(r.method, r.url.raw_path.decode()) for r in seen] == [
        ("POST", "/v1/ignite/app/acme%20corp/my-app/draft"),
        ("GET", "/v1/ignite/app/acme%20corp/my-app/draft"),
        ("POST", "/v1/ignite/app/acme%20corp/my-app/draft/compile"),
        ("POST", "/v1/ignite/app/acme%20corp/my-app/draft/publish"),
        ("POST", "/v1/ignite/app/acme%20corp/my-app/draft/test"),
    ]
    save = json.loads(seen[0].read())
    rust = save["code"]["compile"]["runtime"]["rust"]
    assert rust == {"target": "RUST_COMPILATION_TARGET_NATIVE", "toolchainVersion": "1.82"}
    assert base64.b64decode(save["code"]["compile"]["sourceCode"]) == b"fn main() {}"
    assert json.loads(base64.b64decode(json.loads(seen[4].read())["payload"])) == {"name": "world"}


async def test_errors_share_the_scriptum_layer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"code": 5, "message": "app not found", "details": []})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="https://api.example")
    async with IgniteClient(http, organization="o") as ig:
        with pytest.raises(NotFound) as info:
            await ig.get_draft_info("nope")
    assert "app not found" in info.value.message
