"""Scripts & Versioning over real HTTP: every route, and every example of the seed document (same shapes)."""

from __future__ import annotations

import re

import httpx

from tests.emulator.conftest import BROKEN, assert_error, hello, make_script, publish

INT64 = re.compile(r"^\d+$")
SCRIPT_KEYS = {
    "name", "description", "tags", "activeVersion", "latestVersion", "draftStatus", "createdAtMs", "updatedAtMs",
    "status", "labels", "contract",
}  # fmt: skip
VERSION_KEYS = {"version", "status", "toolsRequired", "createdAtMs", "publishedAtMs", "contract"}


def test_seed_create_script_from_template(api: httpx.Client) -> None:
    r = api.post(
        "/v1/scriptum/scripts",
        json={
            "name": "my-etl-pipeline",
            "description": "ETL pipeline that ingests CSV files and writes to S3",
            "tags": ["etl"],
            "fromTemplate": "hello_world",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"name", "createdAtMs"}
    assert body["name"] == "my-etl-pipeline"
    assert INT64.match(body["createdAtMs"])
    # fromTemplate auto-saves the template's DSL as the draft
    tpl = httpx.get(f"{api.base_url}/v1/scriptum/templates/hello_world").json()
    draft = api.get("/v1/scriptum/scripts/my-etl-pipeline/draft").json()
    assert draft["dslContent"] == tpl["dslContent"] and draft["dslContent"]
    assert draft["status"] == "SCRIPT_VERSION_STATUS_DRAFT"


def test_seed_list_scripts_with_tags_and_pagination(api: httpx.Client) -> None:
    for i in range(5):
        r = api.post(
            "/v1/scriptum/scripts", json={"name": f"s{i}", "tags": ["etl"] if i % 2 == 0 else ["web"]}
        )
        assert r.status_code == 200
    r = api.get("/v1/scriptum/scripts?pageSize=20&tags=etl")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"scripts", "nextPageToken"}
    assert [s["name"] for s in body["scripts"]] == ["s0", "s2", "s4"]
    assert body["nextPageToken"] == ""
    assert all(set(s) == SCRIPT_KEYS for s in body["scripts"])
    # pagination walks every script exactly once (snake_case query spelling accepted too)
    seen: list[str] = []
    token = ""
    while True:
        page = api.get("/v1/scriptum/scripts", params={"page_size": 2, "page_token": token}).json()
        assert len(page["scripts"]) <= 2
        seen += [s["name"] for s in page["scripts"]]
        token = page["nextPageToken"]
        if not token:
            break
    assert seen == [f"s{i}" for i in range(5)]
    assert_error(api.get("/v1/scriptum/scripts?pageToken=garbage!"), 400, 3, "pageToken")


def test_list_scripts_label_filter_any_pair_matches(api: httpx.Client) -> None:
    api.post("/v1/scriptum/scripts", json={"name": "a", "labels": [{"key": "team", "values": ["data"]}]})
    api.post("/v1/scriptum/scripts", json={"name": "b", "labels": [{"key": "team", "values": ["web"]}]})
    api.post("/v1/scriptum/scripts", json={"name": "c"})
    names = [
        s["name"] for s in api.get("/v1/scriptum/scripts?labels=team=data&labels=team=ops").json()["scripts"]
    ]
    assert names == ["a"]
    got = api.get("/v1/scriptum/scripts/a").json()
    assert got["labels"] == [{"key": "team", "values": ["data"]}]


def test_seed_get_script_shape_and_lifecycle_status(api: httpx.Client) -> None:
    make_script(api, "my-etl-pipeline")
    s = api.get("/v1/scriptum/scripts/my-etl-pipeline").json()
    assert set(s) == SCRIPT_KEYS
    assert s["status"] == "SCRIPT_STATUS_CREATED"
    assert s["draftStatus"] == "SCRIPT_VERSION_STATUS_UNSPECIFIED"
    assert (s["activeVersion"], s["latestVersion"]) == (0, 0)
    assert INT64.match(s["createdAtMs"]) and INT64.match(s["updatedAtMs"])
    assert set(s["contract"]) >= {"inputs", "outputs", "enums"}
    api.post("/v1/scriptum/scripts/my-etl-pipeline/draft", json={"dslContent": hello("a")})
    assert api.get("/v1/scriptum/scripts/my-etl-pipeline").json()["status"] == "SCRIPT_STATUS_DRAFT"
    publish(api, "my-etl-pipeline", hello("b"))
    s = api.get("/v1/scriptum/scripts/my-etl-pipeline").json()
    assert s["status"] == "SCRIPT_STATUS_ACTIVE"
    assert (s["activeVersion"], s["latestVersion"]) == (1, 1)
    assert s["draftStatus"] == "SCRIPT_VERSION_STATUS_ACTIVE"
    assert [f["name"] for f in s["contract"]["inputs"]] == ["name"]


def test_seed_delete_script(api: httpx.Client) -> None:
    make_script(api, "my-etl-pipeline")
    publish(api, "my-etl-pipeline", hello("x"))
    r = api.delete("/v1/scriptum/scripts/my-etl-pipeline")
    assert r.status_code == 200 and r.json() == {}
    assert_error(api.get("/v1/scriptum/scripts/my-etl-pipeline"), 404, 5, "not found")
    assert_error(api.get("/v1/scriptum/scripts/my-etl-pipeline/versions/1"), 404, 5)
    assert_error(api.delete("/v1/scriptum/scripts/my-etl-pipeline"), 404, 5)
    # the name is free again, with fresh version numbers
    make_script(api, "my-etl-pipeline")
    assert publish(api, "my-etl-pipeline", hello("y")) == 1


def test_create_script_errors(api: httpx.Client) -> None:
    make_script(api, "dup")
    assert_error(api.post("/v1/scriptum/scripts", json={"name": "dup"}), 409, 6, "already exists")
    assert_error(api.post("/v1/scriptum/scripts", json={}), 400, 3, "name")
    assert_error(api.post("/v1/scriptum/scripts", json={"name": "bad name/x"}), 400, 3, "invalid script name")
    assert_error(
        api.post("/v1/scriptum/scripts", json={"name": "t", "fromTemplate": "nope"}), 400, 3, "template"
    )
    assert_error(api.post("/v1/scriptum/scripts", json={"name": "t", "tags": "etl"}), 400, 3, "tags")
    r = api.post("/v1/scriptum/scripts", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(r, 400, 3, "not valid JSON")


def test_seed_save_draft_and_snake_case(api: httpx.Client) -> None:
    make_script(api, "my-etl-pipeline")
    r = api.post(
        "/v1/scriptum/scripts/my-etl-pipeline/draft",
        json={"dslContent": "script my_pipeline {\n do fetch_data with http_request ...\n}"},
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"status", "updatedAtMs"}
    assert body["status"] == "SCRIPT_VERSION_STATUS_DRAFT"
    assert INT64.match(body["updatedAtMs"])
    r = api.post("/v1/scriptum/scripts/my-etl-pipeline/draft", json={"dsl_content": hello("snake")})
    assert r.status_code == 200
    assert api.get("/v1/scriptum/scripts/my-etl-pipeline/draft").json()["dslContent"] == hello("snake")
    assert_error(api.post("/v1/scriptum/scripts/my-etl-pipeline/draft", json={}), 400, 3, "dslContent")
    assert_error(
        api.post("/v1/scriptum/scripts/my-etl-pipeline/draft", json={"dslContent": "a", "yamlContent": "b"}),
        400,
        3,
    )
    assert_error(api.post("/v1/scriptum/scripts/nope/draft", json={"dslContent": "x"}), 404, 5, "nope")


def test_seed_compile_failure_shape(api: httpx.Client) -> None:
    make_script(api, "my-etl-pipeline", BROKEN)
    r = api.post("/v1/scriptum/scripts/my-etl-pipeline/draft/compile", json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"success", "error", "toolsRequired", "diagnostics", "astJson", "irYaml"}
    assert body["success"] is False
    assert body["error"]
    assert body["astJson"] == "" and body["irYaml"] == ""
    assert body["diagnostics"], body
    for d in body["diagnostics"]:
        # the documented fields, plus the emulator's two declared extensions (docs/emulator.md), which
        # clients may use and must not need
        assert set(d) - {"code", "span"} == {"line", "col", "message", "hint", "severity", "sourceLine"}
        assert set(d["span"]) == {"line", "col", "endLine", "endCol"}
        assert isinstance(d["line"], int) and isinstance(d["col"], int) and d["line"] >= 1 and d["col"] >= 1
    ur = next(d for d in body["diagnostics"] if "'ur'" in d["message"])
    assert ur["severity"] == "error"
    assert ur["hint"] == "did you mean 'url'?"
    assert ur["sourceLine"] == BROKEN.splitlines()[ur["line"] - 1] == "  ur = source"
    assert body["toolsRequired"] == ["http_request"]
    info = api.get("/v1/scriptum/scripts/my-etl-pipeline/draft").json()
    assert info["status"] == "SCRIPT_VERSION_STATUS_FAILED"
    assert info["error"] == body["error"]
    assert_error(
        api.post("/v1/scriptum/scripts/my-etl-pipeline/draft/publish", json={}), 400, 9, "failed to compile"
    )


def test_compile_success_and_draft_info(api: httpx.Client) -> None:
    make_script(api, "my-etl-pipeline", hello("c"))
    info = api.get("/v1/scriptum/scripts/my-etl-pipeline/draft").json()
    assert info["status"] == "SCRIPT_VERSION_STATUS_DRAFT" and info["yamlContent"] == ""
    body = api.post("/v1/scriptum/scripts/my-etl-pipeline/draft/compile", json={}).json()
    assert body["success"] is True and body["error"] == ""
    assert body["toolsRequired"] == ["echo"]
    assert body["astJson"] and body["irYaml"]
    info = api.get("/v1/scriptum/scripts/my-etl-pipeline/draft").json()
    assert set(info) == {
        "status",
        "dslContent",
        "yamlContent",
        "error",
        "toolsRequired",
        "updatedAtMs",
        "contract",
    }
    assert info["status"] == "SCRIPT_VERSION_STATUS_COMPILED"
    assert info["yamlContent"] == body["irYaml"]
    assert info["toolsRequired"] == ["echo"]
    assert set(info["contract"]) >= {"inputs", "outputs", "enums"}
    assert [f["name"] for f in info["contract"]["outputs"]] == ["greeting"]
    assert_error(api.get("/v1/scriptum/scripts/nope/draft"), 404, 5)


def test_publish_requires_a_current_compile(api: httpx.Client) -> None:
    make_script(api, "p")
    assert_error(api.post("/v1/scriptum/scripts/p/draft/publish", json={}), 400, 9, "no draft")
    api.post("/v1/scriptum/scripts/p/draft", json={"dslContent": hello("1")})
    assert_error(api.post("/v1/scriptum/scripts/p/draft/publish", json={}), 400, 9, "not compiled")
    assert api.post("/v1/scriptum/scripts/p/draft/compile", json={}).json()["success"]
    # the source changes after the compile: refused
    api.post("/v1/scriptum/scripts/p/draft", json={"dslContent": hello("2")})
    assert_error(api.post("/v1/scriptum/scripts/p/draft/publish", json={}), 400, 9, "compile")
    assert api.post("/v1/scriptum/scripts/p/draft/compile", json={}).json()["success"]
    r = api.post("/v1/scriptum/scripts/p/draft/publish", json={})
    assert r.status_code == 200 and r.json() == {"version": 1}
    assert_error(api.post("/v1/scriptum/scripts/p/draft/publish", json={}), 400, 9, "already published")
    # saving the identical source again is not a change: the draft stays published, a publish is refused
    api.post("/v1/scriptum/scripts/p/draft", json={"dslContent": hello("2")})
    assert api.post("/v1/scriptum/scripts/p/draft/compile", json={}).json()["success"]
    assert_error(
        api.post("/v1/scriptum/scripts/p/draft/publish", json={}), 400, 9, "already published as version 1"
    )
    assert [v["version"] for v in api.get("/v1/scriptum/scripts/p/versions").json()["versions"]] == [1]
    # a real change can be published
    api.post("/v1/scriptum/scripts/p/draft", json={"dslContent": hello("3")})
    assert api.post("/v1/scriptum/scripts/p/draft/compile", json={}).json()["success"]
    assert api.post("/v1/scriptum/scripts/p/draft/publish", json={}).json() == {"version": 2}


def test_seed_versions_rollback_and_code(api: httpx.Client) -> None:
    make_script(api, "my-etl-pipeline")
    sources = {v: hello(f"v{v}") for v in (1, 2, 3, 4)}
    for v, src in sources.items():
        assert publish(api, "my-etl-pipeline", src) == v
    versions = api.get("/v1/scriptum/scripts/my-etl-pipeline/versions").json()
    assert set(versions) == {"versions"}
    assert [v["version"] for v in versions["versions"]] == [1, 2, 3, 4]
    assert [v["status"] for v in versions["versions"]] == ["SCRIPT_VERSION_STATUS_SUPERSEDED"] * 3 + [
        "SCRIPT_VERSION_STATUS_ACTIVE"
    ]
    v3 = api.get("/v1/scriptum/scripts/my-etl-pipeline/versions/3").json()
    assert set(v3) == VERSION_KEYS
    assert v3["version"] == 3 and v3["toolsRequired"] == ["echo"]
    assert INT64.match(v3["createdAtMs"]) and INT64.match(v3["publishedAtMs"])
    # seed: RollbackScript {"targetVersion": 2}
    r = api.post("/v1/scriptum/scripts/my-etl-pipeline/rollback", json={"targetVersion": 2})
    assert r.status_code == 200 and r.json() == {"activeVersion": 2}
    statuses = {
        v["version"]: v["status"]
        for v in api.get("/v1/scriptum/scripts/my-etl-pipeline/versions").json()["versions"]
    }
    assert statuses[2] == "SCRIPT_VERSION_STATUS_ACTIVE" and statuses[4] == "SCRIPT_VERSION_STATUS_SUPERSEDED"
    # target 0 = the previous active version (undo of the last activation)
    assert api.post("/v1/scriptum/scripts/my-etl-pipeline/rollback", json={"target_version": 0}).json() == {
        "activeVersion": 4
    }
    assert api.post("/v1/scriptum/scripts/my-etl-pipeline/rollback", json={}).json() == {"activeVersion": 3}
    s = api.get("/v1/scriptum/scripts/my-etl-pipeline").json()
    assert (s["activeVersion"], s["latestVersion"]) == (3, 4)
    assert_error(api.post("/v1/scriptum/scripts/my-etl-pipeline/rollback", json={"targetVersion": 9}), 404, 5)
    # seed: GetScriptCode /code/versions/1
    code = api.get("/v1/scriptum/scripts/my-etl-pipeline/code/versions/1").json()
    assert set(code) == {"version", "dslContent", "yamlContent", "status", "createdAtMs"}
    assert code["version"] == 1 and code["dslContent"] == sources[1]
    assert code["status"] == "SCRIPT_VERSION_STATUS_SUPERSEDED"
    assert code["yamlContent"]
    # version 0 and the short form are the draft
    api.post("/v1/scriptum/scripts/my-etl-pipeline/draft", json={"dslContent": hello("draft")})
    for path in ("/code", "/code/versions/0"):
        d = api.get(f"/v1/scriptum/scripts/my-etl-pipeline{path}").json()
        assert d["version"] == 0 and d["dslContent"] == hello("draft")
        assert d["status"] == "SCRIPT_VERSION_STATUS_DRAFT"
    assert_error(api.get("/v1/scriptum/scripts/my-etl-pipeline/versions/7"), 404, 5)
    assert_error(api.get("/v1/scriptum/scripts/my-etl-pipeline/versions/x"), 400, 3, "version")
    assert_error(api.get("/v1/scriptum/scripts/my-etl-pipeline/code/versions/12"), 404, 5)


def test_rollback_edge_cases(api: httpx.Client) -> None:
    make_script(api, "r")
    assert_error(
        api.post("/v1/scriptum/scripts/r/rollback", json={"targetVersion": 0}), 400, 9, "no published"
    )
    publish(api, "r", hello("1"))
    assert_error(api.post("/v1/scriptum/scripts/r/rollback", json={"targetVersion": 0}), 400, 9, "previous")
    assert api.post("/v1/scriptum/scripts/r/rollback", json={"targetVersion": 1}).json() == {
        "activeVersion": 1
    }
    assert_error(api.post("/v1/scriptum/scripts/r/rollback", json={"targetVersion": -1}), 400, 3)


def test_yaml_ir_draft_compiles_and_publishes(api: httpx.Client) -> None:
    make_script(api, "y")
    src = api.post("/v1/scriptum/scripts/y/draft", json={"dslContent": hello("y")})
    assert src.status_code == 200
    ir_yaml = api.post("/v1/scriptum/scripts/y/draft/compile", json={}).json()["irYaml"]
    api.post("/v1/scriptum/scripts/y/draft", json={"yamlContent": ir_yaml})
    body = api.post("/v1/scriptum/scripts/y/draft/compile", json={}).json()
    assert body["success"] is True and body["toolsRequired"] == ["echo"] and body["irYaml"] == ir_yaml
    assert api.post("/v1/scriptum/scripts/y/draft/publish", json={}).json() == {"version": 1}
    code = api.get("/v1/scriptum/scripts/y/code/versions/1").json()
    assert code["dslContent"] == "" and code["yamlContent"] == ir_yaml
    api.post("/v1/scriptum/scripts/y/draft", json={"yamlContent": "steps: [unclosed"})
    bad = api.post("/v1/scriptum/scripts/y/draft/compile", json={}).json()
    assert bad["success"] is False and "YAML" in bad["error"] and bad["diagnostics"][0]["line"] >= 1
