"""`ScriptumClient`: one async method per ScriptumService RPC over the HTTP gateway.

Methods return the decoded JSON objects exactly as the API sends them (pbjson, camelCase; int64 as
strings). Request bodies use camelCase. Every failure raises an `ApiError` subclass. Cancelling the
awaiting task cancels the HTTP request (httpx is cancellation-safe).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, Unpack

import httpx

from scriptum_lsp.api._http import HttpApi, JsonDict, seg
from scriptum_lsp.api.transport import Endpoint, HttpOptions, build_http_client

P = "/v1/scriptum"


class ScriptumClient(HttpApi):
    """Client for `dodil.scriptum.v1.ScriptumService`."""

    endpoint: str = ""

    @classmethod
    def connect(cls, endpoint: str | Endpoint, **options: Unpack[HttpOptions]) -> ScriptumClient:
        """A client with its own httpx client; `options` are those of `build_http_client`."""
        client = cls(build_http_client(endpoint, **options), timeout=options.get("timeout", 30.0))
        client.endpoint = str(endpoint)
        return client

    @classmethod
    def from_http(cls, http: httpx.AsyncClient, *, timeout: float | None = None) -> ScriptumClient:
        return cls(http, timeout=timeout, owns_client=False)

    # -- scripts -----------------------------------------------------------------------------------
    async def create_script(
        self,
        name: str,
        *,
        description: str = "",
        tags: Iterable[str] = (),
        from_template: str | None = None,
        labels: Iterable[Mapping[str, Any]] = (),
        env: Mapping[str, str] | None = None,
    ) -> JsonDict:
        body: dict[str, Any] = {"name": name, "description": description, "tags": list(tags)}
        if from_template:
            body["fromTemplate"] = from_template
        if labels:
            body["labels"] = [dict(label) for label in labels]
        if env:
            body["env"] = dict(env)
        return await self.call("POST", f"{P}/scripts", json_body=body, rpc="CreateScript")

    async def list_scripts(
        self,
        *,
        page_size: int | None = None,
        page_token: str | None = None,
        tags: Iterable[str] = (),
    ) -> JsonDict:
        params: dict[str, Any] = {"pageSize": page_size, "pageToken": page_token or None}
        tag_list = list(tags)
        if tag_list:
            params["tags"] = tag_list
        return await self.call("GET", f"{P}/scripts", params=params, rpc="ListScripts")

    async def get_script(self, name: str) -> JsonDict:
        return await self.call("GET", f"{P}/scripts/{seg(name)}", rpc="GetScript")

    async def delete_script(self, name: str) -> JsonDict:
        return await self.call("DELETE", f"{P}/scripts/{seg(name)}", rpc="DeleteScript")

    # -- draft lifecycle ---------------------------------------------------------------------------
    async def save_draft(
        self, name: str, dsl_content: str, *, request_timeout: float | None = None
    ) -> JsonDict:
        return await self.call(
            "POST",
            f"{P}/scripts/{seg(name)}/draft",
            json_body={"dslContent": dsl_content},
            request_timeout=request_timeout,
            rpc="SaveScriptDraft",
        )

    async def save_draft_yaml(self, name: str, yaml_content: str) -> JsonDict:
        return await self.call(
            "POST",
            f"{P}/scripts/{seg(name)}/draft",
            json_body={"yamlContent": yaml_content},
            rpc="SaveScriptDraft",
        )

    async def compile_draft(self, name: str, *, request_timeout: float | None = None) -> JsonDict:
        return await self.call(
            "POST", f"{P}/scripts/{seg(name)}/draft/compile", json_body={}, request_timeout=request_timeout,
            rpc="CompileScriptDraft",
        )  # fmt: skip

    async def test_draft(self, name: str, input_json: str = "{}", load_env: bool = False) -> JsonDict:
        return await self.call(
            "POST",
            f"{P}/scripts/{seg(name)}/draft/test",
            json_body={"inputJson": input_json, "loadEnv": load_env},
            rpc="TestScriptDraft",
        )

    async def publish_draft(self, name: str) -> JsonDict:
        return await self.call(
            "POST", f"{P}/scripts/{seg(name)}/draft/publish", json_body={}, rpc="PublishScriptDraft"
        )

    async def rollback(self, name: str, target_version: int = 0) -> JsonDict:
        return await self.call(
            "POST",
            f"{P}/scripts/{seg(name)}/rollback",
            json_body={"targetVersion": target_version},
            rpc="RollbackScript",
        )

    async def list_versions(self, name: str) -> JsonDict:
        return await self.call("GET", f"{P}/scripts/{seg(name)}/versions", rpc="ListScriptVersions")

    async def get_version(self, name: str, version: int) -> JsonDict:
        return await self.call(
            "GET", f"{P}/scripts/{seg(name)}/versions/{seg(version)}", rpc="GetScriptVersion"
        )

    async def get_code(self, name: str, version: int = 0) -> JsonDict:
        return await self.call(
            "GET", f"{P}/scripts/{seg(name)}/code/versions/{seg(version)}", rpc="GetScriptCode"
        )

    async def get_draft_info(self, name: str, *, request_timeout: float | None = None) -> JsonDict:
        return await self.call(
            "GET", f"{P}/scripts/{seg(name)}/draft", request_timeout=request_timeout, rpc="GetDraftInfo"
        )

    # -- threads -----------------------------------------------------------------------------------
    async def create_thread(
        self,
        script_name: str,
        *,
        version: int = 0,
        input_json: str = "{}",
        load_env: bool = False,
        thread_timeout: str | None = None,
        metadata: Mapping[str, str] | None = None,
        callback_url: str | None = None,
    ) -> JsonDict:
        body: dict[str, Any] = {
            "scriptName": script_name,
            "version": version,
            "inputJson": input_json,
            "loadEnv": load_env,
        }
        if thread_timeout:
            body["timeout"] = thread_timeout
        if metadata:
            body["metadata"] = dict(metadata)
        if callback_url:
            body["callbackUrl"] = callback_url
        return await self.call("POST", f"{P}/threads", json_body=body, rpc="CreateThread")

    async def get_thread(self, thread_id: str) -> JsonDict:
        return await self.call("GET", f"{P}/threads/{seg(thread_id)}", rpc="GetThread")

    async def list_threads(
        self,
        *,
        page_size: int | None = None,
        page_token: str | None = None,
        status_filter: str | None = None,
        script_name_filter: str | None = None,
    ) -> JsonDict:
        params = {
            "pageSize": page_size,
            "pageToken": page_token or None,
            "statusFilter": status_filter or None,
            "scriptNameFilter": script_name_filter or None,
        }
        return await self.call("GET", f"{P}/threads", params=params, rpc="ListThreads")

    async def cancel_thread(self, thread_id: str) -> JsonDict:
        return await self.call(
            "POST", f"{P}/threads/{seg(thread_id)}/cancel", json_body={}, rpc="CancelThread"
        )

    async def resume_thread(self, thread_id: str, step_input_override_json: str = "") -> JsonDict:
        body = {"stepInputOverrideJson": step_input_override_json} if step_input_override_json else {}
        return await self.call(
            "POST", f"{P}/threads/{seg(thread_id)}/resume", json_body=body, rpc="ResumeThread"
        )

    async def get_thread_result(
        self,
        thread_id: str,
        *,
        step_path: str | None = None,
        output_only: bool = False,
        metadata_only: bool = False,
    ) -> JsonDict:
        params = {
            "stepPath": step_path or None,
            "outputOnly": "true" if output_only else None,
            "metadataOnly": "true" if metadata_only else None,
        }
        return await self.call(
            "GET", f"{P}/threads/{seg(thread_id)}/result", params=params, rpc="GetThreadResult"
        )

    def watch_thread(self, thread_id: str) -> AsyncIterator[JsonDict]:
        """WatchThread: newline-delimited JSON events until the server ends the stream."""
        return self.stream_lines("GET", f"{P}/threads/{seg(thread_id)}/watch", rpc="WatchThread")

    def watch_step(self, thread_id: str, step_path: str) -> AsyncIterator[JsonDict]:
        return self.stream_lines(
            "GET", f"{P}/threads/{seg(thread_id)}/steps/{seg(step_path)}/watch", rpc="WatchStep"
        )

    def stream_thread_result(
        self, thread_id: str, *, max_chunk_bytes: int | None = None
    ) -> AsyncIterator[JsonDict]:
        return self.stream_lines(
            "GET",
            f"{P}/threads/{seg(thread_id)}/result/stream",
            params={"maxChunkBytes": max_chunk_bytes},
            rpc="StreamThreadResult",
        )

    # -- tools, templates, health ------------------------------------------------------------------
    async def list_tools(self, *, page_size: int | None = None, page_token: str | None = None) -> JsonDict:
        return await self.call(
            "GET",
            f"{P}/tools",
            params={"pageSize": page_size, "pageToken": page_token or None},
            rpc="ListTools",
        )

    async def health(self, *, request_timeout: float | None = None) -> JsonDict:
        return await self.call("GET", f"{P}/health", request_timeout=request_timeout, rpc="HealthCheck")

    async def list_templates(self) -> JsonDict:
        return await self.call("GET", f"{P}/templates", rpc="ListTemplates")

    async def get_template(self, template_id: str) -> JsonDict:
        return await self.call("GET", f"{P}/templates/{seg(template_id)}", rpc="GetTemplate")

    # -- env ---------------------------------------------------------------------------------------
    async def set_env_var(self, key: str, value: str) -> JsonDict:
        return await self.call("PUT", f"{P}/env", json_body={"key": key, "value": value}, rpc="SetEnvVar")

    async def get_env_var(self, key: str) -> JsonDict:
        return await self.call("GET", f"{P}/env/{seg(key)}", rpc="GetEnvVar")

    async def list_env_vars(self) -> JsonDict:
        return await self.call("GET", f"{P}/env", rpc="ListEnvVars")

    async def delete_env_var(self, key: str) -> JsonDict:
        return await self.call("DELETE", f"{P}/env/{seg(key)}", rpc="DeleteEnvVar")

    async def import_env_vars(self, variables: Mapping[str, str]) -> JsonDict:
        return await self.call(
            "POST", f"{P}/env/import", json_body={"vars": dict(variables)}, rpc="ImportEnvVars"
        )

    async def get_script_env(self, name: str) -> JsonDict:
        return await self.call("GET", f"{P}/scripts/{seg(name)}/env", rpc="GetScriptEnv")

    async def update_script_env(
        self, name: str, *, set_vars: Mapping[str, str] | None = None, delete: Iterable[str] = ()
    ) -> JsonDict:
        body = {"name": name, "set": dict(set_vars or {}), "delete": list(delete)}
        return await self.call("PATCH", f"{P}/scripts/{seg(name)}/env", json_body=body, rpc="UpdateScriptEnv")
