"""`IgniteClient`: the Drafts, Apps, Versions and Executions RPCs of `dodil.ignite.v1.ComputeService` over
the HTTP gateway.

Same transport and error layer as Scriptum. The organization is part of the path
(`/v1/ignite/app/{organization_name}/{app_name}/draft...`). The emulator serves the same routes (`emulator/routes/ignite.py`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Mapping
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

    def _app(self, app: str, suffix: str = "") -> str:
        return f"/v1/ignite/app/{seg(self.organization)}/{seg(app)}{suffix}"

    def _draft(self, app: str, suffix: str = "") -> str:
        return self._app(app, f"/draft{suffix}")

    # -- apps ------------------------------------------------------------------------------------------------
    async def create_app(self, name: str, *, description: str = "") -> JsonDict:
        """CreateApp: the metadata shell (the code comes with SaveDraft)."""
        body: dict[str, Any] = {"name": name}
        if description:
            body["description"] = description
        path = f"/v1/ignite/app/{seg(self.organization)}"
        return await self.call("POST", path, json_body=body, rpc="CreateApp")

    async def get_app(self, app: str) -> JsonDict:
        return await self.call("GET", self._app(app), rpc="GetApp")

    # -- versions --------------------------------------------------------------------------------------------
    async def list_versions(self, app: str) -> JsonDict:
        return await self.call("GET", self._app(app, "/versions"), rpc="ListAppVersions")

    async def get_code(self, app: str, version: int) -> JsonDict:
        return await self.call("GET", self._app(app, f"/code/versions/{seg(version)}"), rpc="GetAppCode")

    async def rollback(self, app: str, version: int) -> JsonDict:
        """RollbackApp; the body's field name is not documented: `version` (docs/ignite.md)."""
        body = {"version": version}
        return await self.call("POST", self._app(app, "/rollback"), json_body=body, rpc="RollbackApp")

    # -- executions and compile logs -------------------------------------------------------------------------
    async def get_execution(self, execution_id: str) -> JsonDict:
        return await self.call("GET", f"/v1/ignite/executions/{seg(execution_id)}", rpc="GetExecution")

    def compile_logs(self, deploy_id: str) -> AsyncIterator[JsonDict]:
        """StreamCompileLogs: one object per log line, until the compile ends."""
        path = f"/v1/ignite/compile/{seg(deploy_id)}/logs"
        return self.stream_lines("GET", path, rpc="StreamCompileLogs")

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
            raw = json.dumps(dict(payload)).encode()
        elif isinstance(payload, str):
            raw = payload.encode()
        else:
            raw = payload
        body = {"payload": base64.b64encode(raw).decode("ascii")}
        return await self.call("POST", self._draft(app, "/test"), json_body=body, rpc="TestDraft")
