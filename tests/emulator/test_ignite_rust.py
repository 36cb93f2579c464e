"""Ignite's CompileDraft of Rust drafts, over real HTTP: a real `cargo check` of the saved crate, offline,
with `ignite` resolved to the emulator's stand-in SDK; the compile logs carry cargo's own lines."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from scriptum_lsp.emulator.ignite.rust_check import find_cargo
from tests.support.archives import tgz
from tests.support.emulator import Emulator

pytestmark = pytest.mark.skipif(find_cargo() is None, reason="cargo is not installed")

MANIFEST = """[package]
name = "hello"
version = "0.1.0"
edition = "2021"

[dependencies]
ignite = "0.3"
"""
GOOD = """use ignite::prelude::*;

#[ignite::main]
async fn handler(req: Request, ctx: Context) -> Result<Value> {
    let size = req.payload().len();
    Ok(json!({
        "size": size,
        "ids": [ctx.execution_id(), ctx.function_id(), ctx.organization_id()],
        "nested": { "ok": true, "none": null },
    }))
}
"""
BAD = GOOD.replace("let size = req.payload().len();", 'let size: usize = "big";')
RUST = {"rust": {"target": "RUST_COMPILATION_TARGET_NATIVE", "toolchainVersion": "1.82"}}


@pytest.fixture
def client(emulator: Emulator, org: str) -> Any:
    with emulator.client(org) as c:
        yield c


def save(client: httpx.Client, org: str, name: str, source: bytes) -> None:
    assert client.post(f"/v1/ignite/app/{org}", json={"name": name}).status_code == 200
    code = {"compile": {"runtime": RUST, "sourceCode": base64.b64encode(source).decode()}}
    r = client.post(f"/v1/ignite/app/{org}/{name}/draft", json={"code": code})
    assert r.status_code == 200, r.text


def compile_(client: httpx.Client, org: str, name: str) -> tuple[list[str], dict[str, Any]]:
    """CompileDraft, then the streamed compile log lines to the end, then the draft."""
    r = client.post(f"/v1/ignite/app/{org}/{name}/draft/compile", json={})
    assert r.status_code == 200, r.text
    deploy = r.json()["deployId"]
    lines: list[str] = []
    with client.stream("GET", f"/v1/ignite/compile/{deploy}/logs", timeout=300) as stream:
        for raw in stream.iter_lines():
            if raw.strip():
                lines.append(json.loads(raw)["result"]["line"])
    return lines, client.get(f"/v1/ignite/app/{org}/{name}/draft").json()["draft"]


def test_a_type_error_fails_the_compile_at_the_users_line(client: httpx.Client, org: str) -> None:
    save(client, org, "bad", tgz({"hello/Cargo.toml": MANIFEST, "hello/src/main.rs": BAD}))
    lines, draft = compile_(client, org, "bad")
    assert "error[E0308]: mismatched types" in lines, lines
    assert " --> src/main.rs:5:23" in lines, lines
    assert draft["status"] == "VERSION_STATUS_FAILED"
    assert draft["error"] == "cargo check failed: error[E0308]: mismatched types at src/main.rs:5:23"
    refused = client.post(f"/v1/ignite/app/{org}/bad/draft/publish", json={})
    assert refused.status_code == 400 and "failed to compile" in refused.json()["message"]


def test_a_good_crate_compiles_and_publishes(client: httpx.Client, org: str) -> None:
    save(client, org, "good", tgz({"Cargo.toml": MANIFEST, "src/main.rs": GOOD}))
    lines, draft = compile_(client, org, "good")
    assert draft["status"] == "VERSION_STATUS_COMPILED", lines
    assert any(line.strip().startswith("Finished") for line in lines) and lines[-1] == "compiled"
    published = client.post(f"/v1/ignite/app/{org}/good/draft/publish", json={}).json()
    assert published["publishedVersion"] == 1
    # running a Rust handler is still the cloud's job
    r = client.post(f"/v1/ignite/app/{org}/good/draft/test", json={"payload": ""})
    e = client.get(f"/v1/ignite/executions/{r.json()['executionId']}").json()["execution"]
    assert e["status"] == "EXECUTION_STATUS_FAILED" and "does not run them" in e["error"]


def test_a_single_file_draft_is_a_library_with_ignite(client: httpx.Client, org: str) -> None:
    save(client, org, "one", GOOD.encode())
    lines, draft = compile_(client, org, "one")
    assert draft["status"] == "VERSION_STATUS_COMPILED", lines


def test_a_handler_with_the_wrong_signature_is_reported_on_its_line(client: httpx.Client, org: str) -> None:
    wrong = GOOD.replace("async fn handler(req: Request, ctx: Context)", "async fn handler(req: Request)")
    wrong = wrong.replace("ctx.execution_id(), ctx.function_id(), ctx.organization_id()", "1")
    save(client, org, "sig", tgz({"Cargo.toml": MANIFEST, "src/main.rs": wrong}))
    lines, draft = compile_(client, org, "sig")
    assert draft["status"] == "VERSION_STATUS_FAILED"
    assert any(line.startswith("error[E0593]") for line in lines) and "   --> src/main.rs:4:10" in lines, (
        lines
    )


def test_other_dependencies_fail_with_cargos_message(client: httpx.Client, org: str) -> None:
    manifest = MANIFEST + 'no-such-crate-xyz = "1"\n'
    save(client, org, "deps", tgz({"Cargo.toml": manifest, "src/main.rs": GOOD}))
    lines, draft = compile_(client, org, "deps")
    assert draft["status"] == "VERSION_STATUS_FAILED"
    assert any("only the `ignite` crate" in line and "no-such-crate-xyz" in line for line in lines), lines
    assert "error: no matching package named `no-such-crate-xyz` found" in lines, lines
