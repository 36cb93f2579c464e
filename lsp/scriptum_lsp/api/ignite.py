"""`IgniteClient`: the five Drafts RPCs of `dodil.ignite.v1.ComputeService` over the HTTP gateway.

Same transport and error layer as Scriptum. The organization is part of the path
(`/v1/ignite/app/{organization_name}/{app_name}/draft...`). The emulator serves the same routes (`emulator/routes/ignite.py`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import httpx

from scriptum_lsp.api._http import HttpApi, JsonDict, seg
from scriptum_lsp.api.transport import Endpoint, build_http_client


class IgniteClient(HttpApi):
    """Client for the Drafts part of Ignite's ComputeService."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        organization: str,
        timeout: float | None = None,
        owns_client: bool = True,
    ) -> None:
        super().__init__(http, timeout=timeout, owns_client=owns_client)
        self.organization = organization

    @classmethod
    def connect(
        cls, endpoint: str | Endpoint, *, token: str | None, organization: str, timeout: float = 30.0
    ) -> IgniteClient:
        http = build_http_client(endpoint, token=token, organization=organization, timeout=timeout)
        return cls(http, organization=organization, timeout=timeout)

    def _draft(self, app: str, suffix: str = "") -> str:
        return f"/v1/ignite/app/{seg(self.organization)}/{seg(app)}/draft{suffix}"

    async def save_draft(self, app: str, code: Mapping[str, Any]) -> JsonDict:
        """SaveDraft with a CodeSource (`{"compile": {...}}` or `{"image": {...}}`)."""
        return await self.call("POST", self._draft(app), json_body={"code": dict(code)}, rpc="SaveDraft")

    async def save_rust_source(
        self, app: str, source: bytes, *, target: str = "RUST_COMPILATION_TARGET_NATIVE", toolchain: str = ""
    ) -> JsonDict:
        rust: dict[str, Any] = {"target": target}
        if toolchain:
            rust["toolchainVersion"] = toolchain
        code = {
            "compile": {"runtime": {"rust": rust}, "sourceCode": base64.b64encode(source).decode("ascii")}
        }
        return await self.save_draft(app, code)

    async def get_draft_info(self, app: str) -> JsonDict:
        return await self.call("GET", self._draft(app), rpc="GetDraftInfo")

    async def compile_draft(self, app: str) -> JsonDict:
        return await self.call("POST", self._draft(app, "/compile"), json_body={}, rpc="CompileDraft")

    async def publish_draft(self, app: str) -> JsonDict:
        return await self.call("POST", self._draft(app, "/publish"), json_body={}, rpc="PublishDraft")

    async def test_draft(self, app: str, payload: bytes | str | Mapping[str, Any] = b"{}") -> JsonDict:
        """TestDraft; `payload` is the JSON input (bytes, text or an object), sent base64-encoded."""
        if isinstance(payload, Mapping):
            import json

            raw = json.dumps(dict(payload)).encode()
        elif isinstance(payload, str):
            raw = payload.encode()
        else:
            raw = payload
        body = {"payload": base64.b64encode(raw).decode("ascii")}
        return await self.call("POST", self._draft(app, "/test"), json_body=body, rpc="TestDraft")
