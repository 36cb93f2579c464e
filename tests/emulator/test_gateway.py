"""Auth, organizations, gateway-style errors, env, tools, templates and health over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.conftest import assert_error, hello, make_script, publish
from tests.support.emulator import Emulator

PUBLIC = ["/v1/scriptum/health", "/v1/scriptum/templates", "/v1/scriptum/templates/hello_world"]
PROTECTED = [
    ("GET", "/v1/scriptum/scripts"),
    ("POST", "/v1/scriptum/scripts"),
    ("GET", "/v1/scriptum/scripts/x"),
    ("DELETE", "/v1/scriptum/scripts/x"),
    ("POST", "/v1/scriptum/scripts/x/draft"),
    ("GET", "/v1/scriptum/scripts/x/draft"),
    ("POST", "/v1/scriptum/scripts/x/draft/compile"),
    ("POST", "/v1/scriptum/scripts/x/draft/test"),
    ("POST", "/v1/scriptum/scripts/x/draft/publish"),
    ("POST", "/v1/scriptum/scripts/x/rollback"),
    ("GET", "/v1/scriptum/scripts/x/versions"),
    ("GET", "/v1/scriptum/scripts/x/versions/1"),
    ("GET", "/v1/scriptum/scripts/x/code"),
    ("GET", "/v1/scriptum/scripts/x/code/versions/1"),
    ("GET", "/v1/scriptum/scripts/x/env"),
    ("PATCH", "/v1/scriptum/scripts/x/env"),
    ("POST", "/v1/scriptum/threads"),
    ("GET", "/v1/scriptum/threads"),
    ("GET", "/v1/scriptum/threads/thr_1"),
    ("POST", "/v1/scriptum/threads/thr_1/cancel"),
    ("POST", "/v1/scriptum/threads/thr_1/resume"),
    ("GET", "/v1/scriptum/threads/thr_1/watch"),
    ("GET", "/v1/scriptum/threads/thr_1/result"),
    ("GET", "/v1/scriptum/threads/thr_1/result/stream"),
    ("GET", "/v1/scriptum/threads/thr_1/steps/stream"),
    ("GET", "/v1/scriptum/threads/thr_1/steps/0/watch"),
    ("GET", "/v1/scriptum/tools"),
    ("GET", "/v1/scriptum/env"),
    ("PUT", "/v1/scriptum/env"),
    ("POST", "/v1/scriptum/env/import"),
    ("GET", "/v1/scriptum/env/K"),
    ("DELETE", "/v1/scriptum/env/K"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}],
)
def test_protected_routes_need_the_token(
    emulator: Emulator, method: str, path: str, headers: dict[str, str]
) -> None:
    r = httpx.request(method, emulator.url + path, headers=headers, json={} if method != "GET" else None)
    body = assert_error(r, 401, 16)
    assert emulator.token not in str(body["message"])


@pytest.mark.parametrize("path", PUBLIC)
def test_public_routes_need_no_token(emulator: Emulator, path: str) -> None:
    assert httpx.get(emulator.url + path).status_code == 200


def test_token_never_logged(emulator: Emulator, api: httpx.Client) -> None:
    api.get("/v1/scriptum/scripts")
    httpx.get(emulator.url + "/v1/scriptum/scripts", headers={"Authorization": "Bearer leaked-secret-xyz"})
    log = emulator.log()
    assert emulator.token not in log and "leaked-secret-xyz" not in log


def test_organizations_are_isolated(emulator: Emulator, org: str) -> None:
    a = {"Authorization": f"Bearer {emulator.token}", "x-organization-name": org}
    b = {"Authorization": f"Bearer {emulator.token}", "x-organization-id": org + "-other"}
    assert (
        httpx.post(emulator.url + "/v1/scriptum/scripts", json={"name": "shared"}, headers=a).status_code
        == 200
    )
    assert httpx.get(emulator.url + "/v1/scriptum/scripts/shared", headers=b).status_code == 404
    assert (
        httpx.post(emulator.url + "/v1/scriptum/scripts", json={"name": "shared"}, headers=b).status_code
        == 200
    )
    assert (
        httpx.put(emulator.url + "/v1/scriptum/env", json={"key": "K", "value": "a"}, headers=a).status_code
        == 200
    )
    assert httpx.get(emulator.url + "/v1/scriptum/env/K", headers=b).status_code == 404
    # x-organization-id alone names the organization too
    c = {"Authorization": f"Bearer {emulator.token}", "x-organization-id": org}
    assert httpx.get(emulator.url + "/v1/scriptum/scripts/shared", headers=c).status_code == 200


def test_unknown_routes_and_methods_are_gateway_errors(api: httpx.Client) -> None:
    assert_error(api.get("/v1/scriptum/nope"), 404, 5, "no route")
    assert_error(api.get("/elsewhere"), 404, 5)
    assert_error(api.put("/v1/scriptum/scripts", json={}), 405, 12, "not allowed")
    assert_error(api.get("/v1/scriptum/threads/thr_x/artifacts"), 501, 12, "not implemented")


def test_health(emulator: Emulator) -> None:
    body = httpx.get(emulator.url + "/v1/scriptum/health").json()
    assert body["status"] == "SERVING"
    assert body["version"] and body["uptimeMs"].isdigit()


def test_templates(emulator: Emulator, api: httpx.Client) -> None:
    listed = httpx.get(emulator.url + "/v1/scriptum/templates").json()["templates"]
    ids = [t["id"] for t in listed]
    assert {"hello_world", "http_fetch", "text_pipeline"} <= set(ids)
    from scriptum_lsp.language import compile_source

    for t in listed:
        assert set(t) >= {"id", "name", "description", "contract"} and t["description"]
        full = httpx.get(f"{emulator.url}/v1/scriptum/templates/{t['id']}").json()
        assert full["contract"] == t["contract"]
        result = compile_source(full["dslContent"])
        assert result.success, (t["id"], [d.to_api() for d in result.diagnostics])
        assert [d for d in result.diagnostics if d.severity == "warning"] == [], t["id"]
    assert_error(httpx.get(emulator.url + "/v1/scriptum/templates/nope"), 404, 5, "hello_world")
    # every template bootstraps a script that compiles and publishes
    for tid in ids:
        assert (
            api.post("/v1/scriptum/scripts", json={"name": f"from-{tid}", "fromTemplate": tid}).status_code
            == 200
        )
        assert api.post(f"/v1/scriptum/scripts/from-{tid}/draft/compile", json={}).json()["success"]
        assert api.post(f"/v1/scriptum/scripts/from-{tid}/draft/publish", json={}).json() == {"version": 1}


def test_list_tools_with_schemas_and_pages(api: httpx.Client) -> None:
    from scriptum_lsp.language.catalog import TOOLS

    body = api.get("/v1/scriptum/tools").json()
    tools = {t["name"]: t for t in body["tools"]}
    assert set(tools) == set(TOOLS)
    echo = tools["echo"]
    assert echo["inputSchema"]["required"] == ["message"]
    assert echo["runsLocally"] is True and tools["llm"]["runsLocally"] is False
    assert set(echo) >= {"toolId", "name", "version", "description", "inputSchema", "outputSchema"}
    names: list[str] = []
    token = ""
    while True:
        page = api.get("/v1/scriptum/tools", params={"pageSize": 7, "pageToken": token}).json()
        names += [t["name"] for t in page["tools"]]
        token = page["nextPageToken"]
        if not token:
            break
    assert names == sorted(TOOLS)


def test_tenant_env_crud_and_import(api: httpx.Client) -> None:
    r = api.put("/v1/scriptum/env", json={"key": "API_KEY", "value": "s3cret"})
    assert r.status_code == 200 and r.json()["key"] == "API_KEY" and r.json()["value"] == "s3cret"
    assert api.get("/v1/scriptum/env/API_KEY").json()["value"] == "s3cret"
    api.put("/v1/scriptum/env", json={"key": "API_KEY", "value": "v2"})
    dotenv = "# comment\n\nMODEL=gpt-4o\nexport REGION='eu-west'\nAPI_KEY=v3\n"
    r = api.post("/v1/scriptum/env/import", json={"content": dotenv})
    assert r.json() == {"imported": 3, "keys": ["API_KEY", "MODEL", "REGION"]}
    listed = api.get("/v1/scriptum/env").json()["envVars"]
    assert {e["key"]: e["value"] for e in listed} == {"API_KEY": "v3", "MODEL": "gpt-4o", "REGION": "eu-west"}
    assert api.delete("/v1/scriptum/env/MODEL").json() == {}
    assert_error(api.get("/v1/scriptum/env/MODEL"), 404, 5)
    assert_error(api.delete("/v1/scriptum/env/MODEL"), 404, 5)
    assert_error(api.put("/v1/scriptum/env", json={"key": "1bad", "value": "x"}), 400, 3, "env key")
    assert_error(api.post("/v1/scriptum/env/import", json={"content": "NOEQUALS"}), 400, 3, "line 1")


def test_script_env_overlay_empty_defers(api: httpx.Client) -> None:
    make_script(api, "e")
    api.put("/v1/scriptum/env", json={"key": "LLM_MODEL", "value": "tenant-model"})
    api.put("/v1/scriptum/env", json={"key": "TEMPERATURE", "value": "0.7"})
    body = {"name": "e", "set": {"LLM_MODEL": "gpt-4o", "TEMPERATURE": "", "LEGACY_MODEL": "x"}, "delete": []}
    assert api.patch("/v1/scriptum/scripts/e/env", json=body).status_code == 200
    r = api.patch("/v1/scriptum/scripts/e/env", json={"set": {}, "delete": ["LEGACY_MODEL"]}).json()
    assert r["env"] == {"LLM_MODEL": "gpt-4o", "TEMPERATURE": ""}
    got = api.get("/v1/scriptum/scripts/e/env").json()
    assert got["env"] == {"LLM_MODEL": "gpt-4o", "TEMPERATURE": ""}
    assert got["effective"] == {"LLM_MODEL": "gpt-4o", "TEMPERATURE": "0.7"}
    assert_error(api.get("/v1/scriptum/scripts/nope/env"), 404, 5)


def test_create_script_with_env_overlay(api: httpx.Client) -> None:
    r = api.post("/v1/scriptum/scripts", json={"name": "withenv", "env": {"A": "1"}})
    assert r.status_code == 200
    assert api.get("/v1/scriptum/scripts/withenv/env").json()["env"] == {"A": "1"}
    assert publish(api, "withenv", hello("env")) == 1
