"""Ignite in the emulator: the records (`IgniteStore`), the background work (Python test runs, Rust
compiles) and the wire shapes of `dodil.ignite.v1.ComputeService` (camelCase, int64 as strings, full
enum names, bytes as base64). The routes are in `emulator/routes/ignite.py`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from scriptum_lsp.emulator import render
from scriptum_lsp.emulator.errors import bad_request, failed_precondition
from scriptum_lsp.emulator.ignite import python_run, rust_check
from scriptum_lsp.emulator.ignite.archive import check_source
from scriptum_lsp.emulator.ignite.store import TERMINAL_EXECUTION, IgniteStore
from scriptum_lsp.emulator.store import Store
from scriptum_lsp.emulator.wire import int64

log = logging.getLogger("scriptum_lsp.emulator")

# tier -> (memory MB, CPU millicores); MEDIUM is documented (512 MB, 500 m), the others are inferred
TIERS: dict[str, tuple[int, int]] = {
    "SMALL": (256, 250),
    "MEDIUM": (512, 500),
    "LARGE": (1024, 1000),
    "XLARGE": (2048, 2000),
}
NOT_RUN_RUST = (
    "the emulator checks Rust drafts with cargo (CompileDraft) but does not run them; test a Rust app"
    " against the cloud"
)
NOT_IMAGE = "image drafts (BYOI, Kaniko or Buildpacks builds) are not built or run by the emulator"
POLL_S = 0.05


def runtime_of(code: dict[str, Any]) -> tuple[dict[str, Any], str, bytes]:
    """A CodeSource -> (runtime, code kind, source bytes). INVALID_ARGUMENT when it is not one."""
    if not isinstance(code, dict) or not code:
        raise bad_request("code is required (a CodeSource: compile or image)", [("code", "required")])
    if "image" in code:
        image = code["image"] if isinstance(code["image"], dict) else {}
        kinds = {
            "prebuilt": "CODE_KIND_PREBUILT",
            "fromCode": "CODE_KIND_UPLOAD_IMAGE",
            "from_code": "CODE_KIND_UPLOAD_IMAGE",
            "fromGit": "CODE_KIND_GIT_IMAGE",
            "from_git": "CODE_KIND_GIT_IMAGE",
        }
        kind = next((v for k, v in kinds.items() if k in image), "CODE_KIND_PREBUILT")
        return {}, kind, json.dumps(image, sort_keys=True).encode()
    compile_ = code.get("compile")
    if not isinstance(compile_, dict):
        raise bad_request("code must set compile or image", [("code", "expected compile or image")])
    runtime = compile_.get("runtime")
    if not isinstance(runtime, dict) or not runtime:
        raise bad_request("code.compile.runtime is required", [("code.compile.runtime", "required")])
    raw = compile_.get("sourceCode", compile_.get("source_code"))
    if not isinstance(raw, str) or not raw:
        raise bad_request("code.compile.sourceCode is required", [("code.compile.sourceCode", "required")])
    try:
        source = base64.b64decode(raw, validate=True)
    except ValueError:
        raise bad_request(
            "code.compile.sourceCode is not valid base64", [("code.compile.sourceCode", "expected base64")]
        ) from None
    check_source(source)
    return runtime, "CODE_KIND_SDK", source


# --- wire shapes -----------------------------------------------------------------------------------------


def draft_message(d: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "status": f"VERSION_STATUS_{d['status']}",
        "codeHash": d["code_hash"],
        "createdAtMs": int64(d["created_at_ms"]),
    }
    if full:
        if d.get("last_deployment_at_ms"):
            out["lastDeploymentAtMs"] = int64(d["last_deployment_at_ms"])
        runtime = json.loads(d["runtime"] or "{}")
        if runtime:
            out["runtime"] = runtime
        if d.get("deploy_id"):
            out["deployId"] = d["deploy_id"]
        if d.get("error"):
            out["error"] = d["error"]
    out["codeKind"] = d["code_kind"]
    return out


def app_message(a: dict[str, Any]) -> dict[str, Any]:
    memory, cpu = TIERS.get(a["tier"], TIERS["MEDIUM"])
    limits: dict[str, Any] = {"memoryMb": a["memory_mb"] or memory, "cpuMillicores": cpu}
    if a["timeout_s"]:
        limits["timeoutSecs"] = int(a["timeout_s"]) if float(a["timeout_s"]).is_integer() else a["timeout_s"]
    out: dict[str, Any] = {
        "id": f"{a['org']}/{a['name']}",
        "name": a["name"],
        "organizationName": a["org"],
        "resourceTier": f"RESOURCE_TIER_{a['tier']}",
        "limits": limits,
        "env": json.loads(a["env"] or "{}"),
        "deploymentState": "DEPLOYMENT_STATE_ACTIVE" if a["active_version"] else "DEPLOYMENT_STATE_CREATED",
        "version": a.get("version", 0),
        "activeVersion": a["active_version"],
        "description": a["description"],
    }
    draft = a.get("draft")
    if isinstance(draft, dict) and draft.get("runtime"):
        out["runtime"] = json.loads(draft["runtime"])
    return out


def version_message(v: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": v["version"],
        "codeHash": v["code_hash"],
        "createdAtMs": int64(v["created_at_ms"]),
        "status": f"VERSION_STATUS_{v['status']}",
        "resourceTier": f"RESOURCE_TIER_{v['tier']}",
        "runtime": json.loads(v["runtime"] or "{}"),
    }


def execution_message(e: dict[str, Any]) -> dict[str, Any]:
    finished = e["finished_at_ms"] or 0
    out: dict[str, Any] = {
        "executionId": e["id"],
        "appId": f"{e['org']}/{e['app']}",
        "version": e["version"],
        "status": f"EXECUTION_STATUS_{e['status']}",
        "output": render.b64(bytes(e["output"] or b"")),
        "error": e["error"],
        "logs": json.loads(e["logs"] or "[]"),
        "createdAtMs": int64(e["created_at_ms"]),
        "startedAtMs": int64(e["started_at_ms"]),
        "finishedAtMs": int64(finished),
        "durationMs": int64(max(0, finished - e["started_at_ms"]) if finished else 0),
    }
    if e.get("location"):
        out["errorLocation"] = json.loads(e["location"])  # an extension: where in the app it failed
    return out


# --- the service ---------------------------------------------------------------------------------------------


class IgniteService:
    """Ignite records plus the tasks that test and compile drafts in the background."""

    def __init__(self, store: Store, data: str | None) -> None:
        self.records = IgniteStore(store)
        recovered = self.records.recover()
        if recovered:
            log.warning("marked %d interrupted Ignite execution(s)/compile(s) FAILED", recovered)
        self.data = data
        self.tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, work: Callable[[], Any]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def aclose(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- compile --------------------------------------------------------------------------------------------
    def compile(self, org: str, app: str) -> dict[str, Any]:
        d = self.records.get_draft(org, app)
        runtime = json.loads(d["runtime"] or "{}")
        if d["code_kind"] != "CODE_KIND_SDK":
            raise failed_precondition(NOT_IMAGE)
        rust = "rust" in runtime
        d = self.records.begin_compile(org, app, done=not rust)
        deploy = d["deploy_id"]
        if not rust:
            self.records.add_log(
                deploy, f"{next(iter(runtime), 'this')} drafts need no compile; nothing to do"
            )
            return d
        rev = int(d["rev"])
        source = bytes(d["source"])
        cache = Path(self.data) / "ignite-cargo" if self.data and self.data != ":memory:" else None

        async def work() -> None:
            try:
                r = await rust_check.check_crate(
                    source, on_line=lambda line: self.records.add_log(deploy, line), cache_dir=cache
                )
            except asyncio.CancelledError:
                self.records.finish_compile(org, app, deploy, rev, False, "the emulator stopped")
                raise
            except Exception as exc:
                log.exception("Ignite compile %s failed", deploy)
                r = rust_check.CheckResult(False, f"internal error: {type(exc).__name__}: {exc}")
            self.records.add_log(deploy, "compiled" if r.ok else f"compile failed: {r.error}")
            self.records.finish_compile(org, app, deploy, rev, r.ok, r.error)

        self._spawn(work)
        return d

    async def compile_logs(self, deploy_id: str) -> AsyncIterator[bytes]:
        after = 0
        while True:
            lines, status = self.records.logs(deploy_id, after)
            for row in lines:
                after = row["seq"]
                msg = {"line": row["line"], "timestampMs": int64(row["at_ms"])}
                yield (json.dumps({"result": msg}) + "\n").encode()
            if status != "COMPILING":
                return
            await asyncio.sleep(POLL_S)

    # -- test -----------------------------------------------------------------------------------------------
    def test(self, org: str, app: str, payload: bytes) -> str:
        meta = self.records.get_app(org, app)
        d = self.records.get_draft(org, app)
        runtime = json.loads(d["runtime"] or "{}")
        if d["code_kind"] != "CODE_KIND_SDK":
            return self.records.create_execution(org, app, 0, "FAILED", NOT_IMAGE)
        if "rust" in runtime:
            if d["status"] != "COMPILED" or d["compiled_rev"] != d["rev"]:
                raise failed_precondition(
                    f"the Rust draft of {org}/{app} must be compiled (CompileDraft) before it can be tested"
                )
            return self.records.create_execution(org, app, 0, "FAILED", NOT_RUN_RUST)
        if "python" not in runtime:
            kind = next(iter(runtime), "this runtime")
            return self.records.create_execution(
                org, app, 0, "FAILED", f"the emulator runs Python drafts only, not {kind}"
            )
        eid = self.records.create_execution(org, app, 0)
        memory = meta["memory_mb"] or TIERS.get(meta["tier"], TIERS["MEDIUM"])[0]
        limits = python_run.Limits(
            timeout_s=float(meta["timeout_s"] or python_run.DEFAULT_TIMEOUT_S), memory_mb=memory
        )
        ctx = {"execution_id": eid, "function_id": f"{org}/{app}", "organization_id": org}
        source = bytes(d["source"])
        env = json.loads(meta["env"] or "{}")

        async def work() -> None:
            try:
                r = await python_run.run_python(source, payload, ctx, limits=limits, app_env=env)
            except asyncio.CancelledError:
                self.records.finish_execution(eid, "CANCELLED", b"", "the emulator stopped", [], None)
                raise
            except Exception as exc:
                log.exception("Ignite test run %s failed", eid)
                r = python_run.RunResult("FAILED", error=f"internal error: {type(exc).__name__}: {exc}")
            self.records.finish_execution(eid, r.status, r.output, r.error, r.logs, r.location)

        self._spawn(work)
        return eid

    async def watch(self, eid: str) -> AsyncIterator[bytes]:
        last = None
        while True:
            e = self.records.get_execution(eid)
            if e["status"] != last:
                last = e["status"]
                yield (json.dumps({"result": {"execution": execution_message(e)}}) + "\n").encode()
            if e["status"] in TERMINAL_EXECUTION:
                return
            await asyncio.sleep(POLL_S)
