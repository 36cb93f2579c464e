"""Ignite app commands (`ignite.*`, docs/commands.md): save the app folder as the draft, compile (Rust),
test with a payload, publish, list / open / diff versions, roll back, status.

The target app is the one whose folder holds the `uri` argument (a file or a folder), or the `app` argument
(a name), or the workspace's only app. Every command that acts on the draft saves the folder first, so what
is tested or published is what the editor shows (unsaved buffers included).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import difflib
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from scriptum_lsp.api.errors import ApiError, NotFound
from scriptum_lsp.core import ignite as facts
from scriptum_lsp.core.positions import cp_to_units
from scriptum_lsp.core.rustc import RustDiagnostic, parse_rendered
from scriptum_lsp.core.text import split_lines
from scriptum_lsp.engine import runs
from scriptum_lsp.engine.ignite_apps import App, ArchiveError, all_apps, build_archive, read_archive
from scriptum_lsp.engine.session import uri_to_path
from scriptum_lsp.server import cmd_docs, ignite
from scriptum_lsp.server.cmd_args import CommandError, optional_int, require_int
from scriptum_lsp.server.commands.common import (
    CommandState,
    Server,
    cache_dir,
    encoding,
    info,
    refresh_lenses,
    show_document,
)
from scriptum_lsp.server.commands.progress import Progress

if TYPE_CHECKING:  # imported on first use: the server answers `initialize` without httpx
    from scriptum_lsp.api.ignite import IgniteClient

POLL_FIRST_S = 0.1
POLL_MAX_S = 1.0
FOLLOW_LIMIT_S = 15 * 60.0  # a test run we follow longer than this is left running, with a message
COMPILE_LIMIT_S = 15 * 60.0
LOG_TAIL = 400  # compile log lines returned by ignite.compileDraft


def client(ls: Server) -> IgniteClient:
    """An Ignite client on the engine's connection (same endpoint, token and transport)."""
    s = ls.engine.settings
    org = s.ignite_organization
    if not org:
        raise CommandError(
            "Ignite paths need an organization: set `scriptum.organization` (or DODIL_ORG)",
            kind="no-organization",
        )
    from scriptum_lsp.api.ignite import IgniteClient

    http = ls.engine.client().http
    return IgniteClient(http, organization=org, timeout=s.request_timeout, owns_client=False)


def inner(
    response: Mapping[str, Any], key: str, default: Mapping[str, Any] | None = None
) -> Mapping[str, Any]:
    """`response[key]` when it is an object (`{"draft": {...}}`), else `default` (the response itself)."""
    value = response.get(key)
    if isinstance(value, Mapping):
        return value
    return response if default is None else default


# --- which app ---------------------------------------------------------------------------------------------


def target(ls: Server, values: Mapping[str, Any]) -> App:
    uri = values.get("uri")
    if isinstance(uri, str) and uri:
        app = ignite.app_of(ls, uri)
        if app is None:
            raise CommandError(
                f"{uri_to_path(uri) or uri} is in no Ignite app folder: no handler.py or Cargo.toml above it"
                " and no [ignite.apps] entry of scriptum.toml holds it",
                kind="not-an-app",
            )
        return app
    apps = all_apps(ls.engine.workspace_root, ls.engine.ignite_apps)
    name = values.get("app")
    if isinstance(name, str) and name:
        for app in apps:
            if app.name == name:
                return app
        known = ", ".join(a.name for a in apps) or "none"
        raise CommandError(
            f"no Ignite app named {name!r} in the workspace (apps: {known})", kind="not-an-app"
        )
    if len(apps) == 1:
        return apps[0]
    if not apps:
        raise CommandError("no Ignite app in the workspace (no handler.py or Cargo.toml)", kind="not-an-app")
    raise CommandError(
        f"which Ignite app? pass `uri` or `app` (apps: {', '.join(a.name for a in apps)})",
        kind="invalid-arguments",
    )


# --- save ----------------------------------------------------------------------------------------------------


async def save(ls: Server, app: App) -> dict[str, Any]:
    """SaveDraft of the app folder (CreateApp first when the app does not exist)."""
    try:
        archive = await asyncio.to_thread(build_archive, app.folder, ignite.buffers(ls))
    except ArchiveError as exc:
        raise CommandError(f"{app.name}: {exc}", kind="archive") from None
    if app.runtime == "python" and "handler.py" not in archive.files:
        raise CommandError(
            f"{app.name}: the app folder has no handler.py (a Python app needs `def handler(payload, ctx)` in"
            f" handler.py at {app.folder}); nothing was uploaded",
            kind="archive",
        )
    api = client(ls)
    code = {
        "compile": {
            "runtime": app.spec.runtime_message(),
            "sourceCode": base64.b64encode(archive.data).decode("ascii"),
        }
    }
    created = False
    try:
        response = await api.save_draft(app.name, code)
    except NotFound:
        with contextlib.suppress(ApiError):  # someone may have created it meanwhile: the save says
            await api.create_app(app.name)
            created = True
        response = await api.save_draft(app.name, code)
    draft = inner(response, "draft")
    status = facts.draft_status(response)
    ignite.state_of(ls).status[app.name] = (time.monotonic(), status.lower())
    return {
        "app": app.name,
        "folder": str(app.folder),
        "runtime": app.runtime,
        "created": created,
        "status": status,
        "codeHash": str(draft.get("codeHash") or ""),
        "files": list(archive.files),
        "skipped": list(archive.skipped),
        "bytes": len(archive.data),
    }


async def cmd_save_draft(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    app = target(ls, values)
    result = await save(ls, app)
    verb = "created and saved" if result["created"] else "saved"
    info(ls, f"Ignite {app.name}: draft {verb} ({len(result['files'])} files, {result['bytes']} bytes)")
    refresh_lenses(ls)
    return result


# --- compile (Rust) ----------------------------------------------------------------------------------------


def _deploy_id(response: Mapping[str, Any]) -> str:
    draft = response.get("draft")
    inner = draft.get("deployId") if isinstance(draft, Mapping) else None
    return str(response.get("deployId") or inner or "")


def _line_of(item: Mapping[str, Any]) -> str:
    for key in ("line", "message", "text", "log"):
        if isinstance(item.get(key), str):
            return str(item[key])
    return ""


async def _await_compiled(api: IgniteClient, app: str) -> tuple[str, str, str]:
    """Poll GetDraftInfo until the draft leaves COMPILING: (status, error, deployId)."""
    delay, deadline = POLL_FIRST_S, time.monotonic() + COMPILE_LIMIT_S
    while True:
        response = await api.get_draft_info(app)
        status = facts.draft_status(response)
        draft = inner(response, "draft")
        if status != "COMPILING" or time.monotonic() > deadline:
            return status, str(draft.get("error") or ""), _deploy_id(response)
        await asyncio.sleep(delay)
        delay = min(POLL_MAX_S, delay * 1.5)


def rust_diagnostics(ls: Server, app: App, found: list[RustDiagnostic]) -> dict[str, list[types.Diagnostic]]:
    severity = {
        "error": types.DiagnosticSeverity.Error,
        "warning": types.DiagnosticSeverity.Warning,
        "note": types.DiagnosticSeverity.Information,
        "help": types.DiagnosticSeverity.Hint,
    }
    out: dict[str, list[types.Diagnostic]] = {}
    for d in found:
        if not d.file or d.line < 1:
            continue
        path = (app.folder / d.file).resolve()
        if not path.is_relative_to(app.folder.resolve()):
            continue
        uri = path.as_uri()
        code = f"[{d.code}]" if d.code else ""
        out.setdefault(uri, []).append(
            diagnostic(ls, uri, d.line, d.col, f"{d.message}{code}", severity.get(d.severity))
        )
    return out


def diagnostic(
    ls: Server, uri: str, line: int, col: int, message: str, severity: types.DiagnosticSeverity | None
) -> types.Diagnostic:
    """A diagnostic at 1-based (line, code-point col) of a file, its range the word there."""
    text = ignite.text_of(ls, uri) or ""
    lines = split_lines(text)
    row = min(max(0, line - 1), max(0, len(lines) - 1)) if lines else 0
    content = lines[row] if lines else ""
    start, end = facts.token_span(content, col - 1)
    enc = encoding(ls)
    return types.Diagnostic(
        range=types.Range(
            types.Position(row, cp_to_units(content, start, enc)),  # type: ignore[arg-type]
            types.Position(row, cp_to_units(content, end, enc)),  # type: ignore[arg-type]
        ),
        message=message,
        severity=severity or types.DiagnosticSeverity.Error,
        source=ignite.SOURCE,
    )


async def compile_app(ls: Server, app: App, progress: Progress) -> dict[str, Any]:
    """CompileDraft, its logs (StreamCompileLogs) and final status; diagnostics on the crate's files."""
    api = client(ls)
    response = await api.compile_draft(app.name)
    deploy = _deploy_id(response)
    lines: list[str] = []
    if not deploy:
        deploy = (await _await_compiled(api, app.name))[2]
    if deploy:
        with contextlib.suppress(ApiError):  # no log stream: the status still comes from GetDraftInfo
            async for item in api.compile_logs(deploy):
                line = _line_of(item)
                lines.append(line)
                if line.strip():
                    progress.report(line.strip()[:100])
                if progress.cancelled.is_set():
                    break
    if progress.cancelled.is_set():
        return {"app": app.name, "status": "COMPILING", "cancelled": True, "deployId": deploy, "logs": lines}
    status, error, _ = await _await_compiled(api, app.name)

    found = parse_rendered(lines)
    ignite.set_diagnostics(ls, rust_diagnostics(ls, app, found), replace_in=app)
    ignite.state_of(ls).status[app.name] = (time.monotonic(), status.lower())
    return {
        "app": app.name,
        "status": status,
        "error": error,
        "deployId": deploy,
        "logs": lines[-LOG_TAIL:],
        "diagnostics": [
            {"file": d.file, "line": d.line, "col": d.col, "severity": d.severity, "message": d.message}
            for d in found
        ],
    }


async def ensure_compiled(ls: Server, app: App, action: str) -> dict[str, Any] | None:
    """A Rust draft must be compiled before it is tested or published: compile it when it is not."""
    if app.runtime != "rust":
        return None
    status = facts.draft_status(await client(ls).get_draft_info(app.name))
    if status == "COMPILED":
        return None
    progress = Progress(ls, f"Compiling {app.name}")
    await progress.begin("CompileDraft")
    try:
        result = await compile_app(ls, app, progress)
    finally:
        progress.end("done")
    if result["status"] != "COMPILED":
        problems = [
            f"{d['file']}:{d['line']}:{d['col']} {d['message']}" for d in result.get("diagnostics", [])
        ]
        listing = (
            "\n".join(f"  - {p}" for p in problems[:20]) or f"  - {result.get('error') or result['status']}"
        )
        raise CommandError(
            f"{action} refused: the Rust draft of {app.name} did not compile:\n{listing}",
            kind="compile-errors",
            compile=result,
        )
    return result


async def cmd_compile_draft(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    app = target(ls, values)
    saved = await save(ls, app)
    if app.runtime != "rust":
        return {"app": app.name, "status": saved["status"], "skipped": True,
                "message": f"{app.runtime} drafts need no compile; test or publish them directly"}  # fmt: skip
    progress = Progress(ls, f"Compiling {app.name}")
    await progress.begin("CompileDraft")
    try:
        result = await compile_app(ls, app, progress)
    finally:
        progress.end("done")
    refresh_lenses(ls)
    return result


# --- test ----------------------------------------------------------------------------------------------------


def load_payload(raw: Any, app: App, root: Path | None) -> tuple[bytes, str]:
    """(payload bytes, where it came from): the `payload` argument (a JSON value, JSON text, or a `.json`
    file relative to the app or the workspace), else `<app>/payload.json`, else `{}`."""
    path: Path | None = None
    if raw is None:
        default = app.folder / "payload.json"
        if not default.is_file():
            return b"{}", "default"
        path = default
    elif isinstance(raw, str) and raw.strip().endswith(".json") and raw.strip()[:1] not in '{["':
        for base in (Path(), app.folder, *([root] if root else [])):
            candidate = base / raw.strip()
            if candidate.is_file():
                path = candidate
                break
        else:
            raise CommandError(f"payload file {raw} not found (looked in {app.folder})", kind="invalid-input")
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}", kind="invalid-input") from None
        raw, source = text, str(path)
    else:
        source = "argument"
    try:
        return facts.payload_bytes(raw, Path(source).name if path else "payload"), source
    except facts.PayloadError as exc:
        raise CommandError(f"Invalid payload: {exc}; nothing was run", kind="invalid-input") from None


async def follow_execution(
    api: IgniteClient, eid: str, progress: Progress
) -> tuple[facts.ExecutionView, str]:
    """Poll GetExecution until it ends: (last view, "" | "cancelled" | "limit")."""
    delay, started = POLL_FIRST_S, time.monotonic()
    while True:
        view = facts.parse_execution(await api.get_execution(eid), eid)
        if view.terminal:
            return view, ""
        progress.report(f"{view.status.lower()} ({time.monotonic() - started:.0f} s)")
        if time.monotonic() - started > FOLLOW_LIMIT_S:
            return view, "limit"
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await progress.cancelled.wait()
        if progress.cancelled.is_set():
            return view, "cancelled"
        delay = min(POLL_MAX_S, delay * 1.5)


def execution_file(ls: Server, eid: str) -> Path:
    return cache_dir(ls) / "ignite" / "executions" / f"{cmd_docs.safe_name(eid)}.txt"


async def cmd_test_draft(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    app = target(ls, values)
    payload, source = load_payload(values.get("payload"), app, ls.engine.workspace_root)
    await save(ls, app)
    await ensure_compiled(ls, app, "Test")
    api = client(ls)
    started = await api.test_draft(app.name, payload)
    eid = str(started.get("executionId") or started.get("id") or "")
    if not eid:
        raise CommandError("TestDraft returned no executionId", kind="bad-response")
    progress = Progress(ls, f"Testing {app.name}")
    await progress.begin(f"execution {eid}")
    try:
        view, stopped = await follow_execution(api, eid, progress)
    finally:
        progress.end("done")
    handler = next(iter(facts.HANDLER_FILES.get(app.runtime, ())), "handler.py")
    by_uri: dict[str, list[types.Diagnostic]] = {}
    if view.location and not view.ok:
        file, line, col = view.location
        uri = (app.folder / (file or handler)).resolve().as_uri()
        body = view.error_body() or {}
        message = f"Ignite test {eid}: {body.get('type') or view.status}: {body.get('error') or view.error}"
        by_uri[uri] = [diagnostic(ls, uri, line, col, message.rstrip(": "), types.DiagnosticSeverity.Error)]
    ignite.set_diagnostics(ls, by_uri, replace_in=app)
    document = cmd_docs.write_readonly(execution_file(ls, eid), view.render(app.name)).as_uri()
    if values.get("open") is not False:
        show_document(ls, document, take_focus=False)
    if stopped == "cancelled":
        info(ls, f"Ignite {app.name}: stopped following {eid}; the execution may still finish on the server")
    elif stopped == "limit":
        info(ls, f"Ignite {app.name}: {eid} still {view.status.lower()} after {FOLLOW_LIMIT_S:.0f} s")
    return {
        "app": app.name,
        "executionId": eid,
        "status": view.status,
        "ok": view.ok,
        "output": view.output_text(),
        "error": view.error,
        "errorBody": view.error_body(),
        "location": list(view.location) if view.location else None,
        "logs": [{"stream": e.stream, "line": e.line} for e in view.logs],
        "durationMs": view.duration_ms,
        "payloadSource": source,
        "document": document,
        "stopped": stopped or None,
    }


# --- publish, versions, rollback -------------------------------------------------------------------------------


async def cmd_publish_draft(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    app = target(ls, values)
    await save(ls, app)
    await ensure_compiled(ls, app, "Publish")
    response = await client(ls).publish_draft(app.name)
    meta = inner(response, "app", {})
    version = runs.int_or_none(response.get("publishedVersion")) or runs.int_or_none(
        meta.get("activeVersion")
    )
    ignite.state_of(ls).status.pop(app.name, None)
    info(ls, f"Published Ignite app {app.name} v{version}")
    refresh_lenses(ls)
    return {"app": app.name, "version": version, "activeVersion": runs.int_or_none(meta.get("activeVersion"))}


async def versions_of(api: IgniteClient, app: str) -> list[dict[str, Any]]:
    listing, meta = await asyncio.gather(api.list_versions(app), api.get_app(app))
    active = runs.int_or_none(inner(meta, "app").get("activeVersion")) or 0
    out = []
    for v in listing.get("versions") or ():
        if not isinstance(v, Mapping):
            continue
        number = runs.int_or_none(v.get("version")) or 0
        out.append(
            {
                "version": number,
                "status": str(v.get("status") or "").upper().removeprefix("VERSION_STATUS_") or "UNSPECIFIED",
                "codeHash": str(v.get("codeHash") or ""),
                "createdAtMs": runs.int_or_none(v.get("createdAtMs")),
                "active": number == active,
            }
        )
    return sorted(out, key=lambda v: v["version"])


async def cmd_list_versions(ls: Server, state: CommandState, values: dict[str, Any]) -> list[dict[str, Any]]:
    return await versions_of(client(ls), target(ls, values).name)


async def version_files(ls: Server, app: App, version: int) -> tuple[Path, list[str]]:
    """GetAppCode of a version, unpacked read-only under the cache: (its folder, its files)."""
    if version < 1:
        raise CommandError(
            f"version must be a published version (1 or more), got {version}", kind="invalid-arguments"
        )
    try:
        response = await client(ls).get_code(app.name, version)
    except NotFound:
        raise CommandError(f"{app.name} has no version {version}", kind="unknown-version") from None
    data = facts.source_bytes(response)
    if data is None:
        raise CommandError(f"GetAppCode returned no source for {app.name} v{version}", kind="bad-response")
    try:
        files = await asyncio.to_thread(read_archive, data)
    except Exception as exc:
        raise CommandError(
            f"cannot read the archive of {app.name} v{version}: {exc}", kind="bad-response"
        ) from None
    org = client(ls).organization  # the setting, or the local default (core/settings.py)
    folder = cache_dir(ls) / "ignite" / cmd_docs.safe_name(org) / cmd_docs.safe_name(app.name) / f"v{version}"
    for rel, blob in files.items():
        cmd_docs.write_readonly(folder / rel, blob.decode("utf-8", errors="replace"))
    return folder, sorted(files)


def _which_file(app: App, values: Mapping[str, Any], files: list[str]) -> str:
    wanted = values.get("path")
    if isinstance(wanted, str) and wanted:
        return wanted.replace("\\", "/")
    uri = values.get("uri")
    if isinstance(uri, str):
        path = uri_to_path(uri)
        if path and Path(path).is_file():
            rel = Path(path).resolve().relative_to(app.folder.resolve()).as_posix()
            if rel in files:
                return rel
    for name in facts.HANDLER_FILES.get(app.runtime, ()):
        if name in files:
            return name
    return files[0] if files else ""


async def cmd_open_version(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    app = target(ls, values)
    version = require_int(values, "version")
    folder, files = await version_files(ls, app, version)
    rel = _which_file(app, values, files)
    if rel not in files:
        raise CommandError(f"{app.name} v{version} has no file {rel}", kind="unknown-version")
    uri = (folder / rel).as_uri()
    shown = show_document(ls, uri)
    return {"app": app.name, "version": version, "uri": uri, "file": rel, "files": files, "shown": shown}


async def cmd_diff_version(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    """A version against the workspace: the files that differ and a unified diff of one file (editors with
    a diff view open `left` against `right`)."""
    app = target(ls, values)
    version = require_int(values, "version")
    folder, files = await version_files(ls, app, version)
    rel = _which_file(app, values, files)
    current = await asyncio.to_thread(build_archive, app.folder, ignite.buffers(ls))
    now = set(current.files)
    changed = sorted(
        f for f in set(files) | now
        if f not in files or f not in now
        or (folder / f).read_bytes() != _current_bytes(ls, app.folder / f)
    )  # fmt: skip
    old = (folder / rel).read_text(encoding="utf-8", errors="replace") if rel in files else ""
    new_text = ignite.text_of(ls, (app.folder / rel).resolve().as_uri()) if rel in now else ""
    diff = "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            (new_text or "").splitlines(keepends=True),
            fromfile=f"{app.name} v{version}/{rel}",
            tofile=f"workspace/{rel}",
        )
    )
    return {
        "app": app.name,
        "version": version,
        "file": rel,
        "left": (folder / rel).as_uri() if rel in files else None,
        "right": (app.folder / rel).resolve().as_uri(),
        "changedFiles": changed,
        "diff": diff,
    }


def _current_bytes(ls: Server, path: Path) -> bytes:
    text = ignite.buffers(ls).get(path)
    if text is not None:
        return text.encode("utf-8")
    try:
        return path.read_bytes()
    except OSError:
        return b""


async def cmd_rollback(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    app = target(ls, values)
    version = optional_int(values, "version", 0) or 0
    api = client(ls)
    if version == 0:  # the version before the active one
        listing = await versions_of(api, app.name)
        active = next((v["version"] for v in listing if v["active"]), 0)
        older = [v["version"] for v in listing if v["version"] < active]
        if not older:
            raise CommandError(
                f"{app.name} has no version before v{active} to roll back to", kind="unknown-version"
            )
        version = older[-1]
    try:
        response = await api.rollback(app.name, version)
    except NotFound:
        raise CommandError(
            f"{app.name} has no version {version} to roll back to", kind="unknown-version"
        ) from None
    meta = inner(response, "app", {})
    active = (
        runs.int_or_none(response.get("activeVersion"))
        or runs.int_or_none(meta.get("activeVersion"))
        or version
    )
    info(ls, f"Ignite {app.name}: active version is now v{active}")
    refresh_lenses(ls)
    return {"app": app.name, "activeVersion": active}


async def cmd_status(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    """The workspace's apps (or the target app) with their draft status and active version."""
    if values.get("uri") or values.get("app"):
        apps = [target(ls, values)]
    else:
        apps = all_apps(ls.engine.workspace_root, ls.engine.ignite_apps)
    api = client(ls)

    async def one(app: App) -> dict[str, Any]:
        row: dict[str, Any] = {"app": app.name, "folder": str(app.folder), "runtime": app.runtime,
                               "declared": app.spec.declared, "draft": None, "activeVersion": None, "error": None}  # fmt: skip
        try:
            draft, meta = await asyncio.gather(api.get_draft_info(app.name), api.get_app(app.name))
        except NotFound:
            row["draft"] = "NOT_CREATED"
            return row
        except ApiError as exc:
            row["error"] = str(exc)
            return row
        found = inner(draft, "draft")
        row["draft"] = facts.draft_status(draft)
        row["codeHash"] = str(found.get("codeHash") or "")
        row["error"] = str(found.get("error") or "") or None
        app_meta = inner(meta, "app")
        row["activeVersion"] = runs.int_or_none(app_meta.get("activeVersion"))
        return row

    return {
        "organization": ls.engine.settings.ignite_organization,
        "apps": list(await asyncio.gather(*map(one, apps))),
    }
