"""Every `scriptum.*` command (`workspace/executeCommand`), the custom requests `scriptum/versionContent`
and `scriptum/threadContent`, and the source code actions. See docs/commands.md for the contract.

Handlers parse their arguments (one object or positional values), call the engine facade and the API
client, and return plain JSON. Any failure is a `CommandError` (JSON-RPC error -32803 with a readable
message and `data.kind`); a command that fails changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from scriptum_lsp.api.errors import ApiError, NotFound
from scriptum_lsp.engine import runs
from scriptum_lsp.engine.errors import RemoteDraftChanged
from scriptum_lsp.engine.model import CompileOutcome, DocSnapshot, content_hash
from scriptum_lsp.language import compile_source
from scriptum_lsp.language.inputs import validate_input
from scriptum_lsp.server import cmd_docs
from scriptum_lsp.server.cmd_args import (
    CommandError,
    api_failure,
    input_mismatch,
    load_test_input,
    optional_int,
    parse_arguments,
    require_int,
    require_str,
)

log = logging.getLogger(__name__)

RUN_SOURCE = "scriptum-run"
THREAD_FINISHED = "scriptum/threadFinished"
VERSION_CONTENT = "scriptum/versionContent"
THREAD_CONTENT = "scriptum/threadContent"
SOURCE_PUBLISH = "source.scriptum.publish"
SOURCE_TEST = "source.scriptum.test"

# command -> positional argument order
COMMANDS: dict[str, tuple[str, ...]] = {
    "scriptum.compile": ("uri",),
    "scriptum.publish": ("uri",),
    "scriptum.test": ("uri", "input"),
    "scriptum.showThread": ("threadId",),
    "scriptum.listVersions": ("uri",),
    "scriptum.openVersion": ("uri", "version"),
    "scriptum.rollback": ("uri", "version"),
    "scriptum.restoreVersion": ("uri", "version"),
    "scriptum.createScript": ("uri",),
    "scriptum.overwriteDraft": ("uri",),
    "scriptum.openRemoteDraft": ("uri",),
    "scriptum.status": (),
    "scriptum.clearCache": (),
}

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer as Server
else:
    Server = Any  # resolvable at run time: pygls reads the command handlers' type hints
Handler = Callable[[Server, "CommandState", dict[str, Any]], Awaitable[Any]]


@dataclass
class CommandState:
    """Per-server state of the commands: finished runs (for `scriptum/threadContent`), the thread-following
    policy, the active versions shown by code lenses, and background cancellations."""

    outcomes: dict[str, runs.RunOutcome] = field(default_factory=dict)
    follow_policy: runs.FollowPolicy = field(default_factory=runs.FollowPolicy)
    # script -> (monotonic time, active version or None when the script does not exist); for code lenses
    script_info: dict[str, tuple[float, int | None]] = field(default_factory=dict)
    background: set[asyncio.Future[Any]] = field(default_factory=set)

    def forget_script(self, name: str) -> None:
        self.script_info.pop(name, None)

    def remember(self, outcome: runs.RunOutcome) -> None:
        self.outcomes[outcome.thread_id] = outcome
        while len(self.outcomes) > 50:
            self.outcomes.pop(next(iter(self.outcomes)))


# --- helpers -----------------------------------------------------------------------------------------------


def _script_name(ls: Server, uri: str) -> str:
    try:
        name = ls.engine.script_name(uri)
    except (ValueError, KeyError) as exc:
        raise CommandError(f"{uri} is not a Scriptum script: {exc}", kind="invalid-arguments") from None
    if not name:
        raise CommandError(f"no script name for {uri}", kind="invalid-arguments")
    return str(name)


def _snapshot(ls: Server, uri: str) -> DocSnapshot:
    snap = ls.engine.snapshot(uri)
    if snap is None:
        raise CommandError(f"{uri} is not open in the editor; open it first", kind="not-open")
    return snap


def _encoding(ls: Server) -> str:
    return str(ls.engine.position_encoding)


def _caps(ls: Server) -> types.ClientCapabilities:
    caps = getattr(ls, "client_capabilities", None)
    return caps if isinstance(caps, types.ClientCapabilities) else types.ClientCapabilities()


def _supports_show_document(ls: Server) -> bool:
    window = _caps(ls).window
    return bool(window and window.show_document and window.show_document.support)


def _supports_progress(ls: Server) -> bool:
    window = _caps(ls).window
    return bool(window and window.work_done_progress)


def _wants_virtual_documents(ls: Server, values: Mapping[str, Any]) -> bool:
    mode = values.get("mode")
    if mode in ("virtual", "file"):
        return bool(mode == "virtual")
    experimental = _caps(ls).experimental
    if isinstance(experimental, Mapping):
        scriptum = experimental.get("scriptum")
        if isinstance(scriptum, Mapping):
            return bool(scriptum.get("virtualDocuments"))
    return False


def _cache_dir(ls: Server) -> Path:
    return Path(ls.engine.cache_dir)


def _organization(ls: Server) -> str:
    return ls.engine.settings.organization or ""


def _show_document(ls: Server, uri: str, *, take_focus: bool = True) -> bool:
    """Ask the client to open `uri` (fire and forget); False when the client cannot."""
    if not _supports_show_document(ls):
        return False
    ls.window_show_document(types.ShowDocumentParams(uri=uri, external=False, take_focus=take_focus))
    return True


def _info(ls: Server, message: str) -> None:
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))


def _refresh_lenses(ls: Server) -> None:
    workspace = _caps(ls).workspace
    if workspace and workspace.code_lens and workspace.code_lens.refresh_support:
        with contextlib.suppress(Exception):
            ls.workspace_code_lens_refresh(None)


def _status_word(raw: object, prefix: str) -> str:
    text = str(raw or "").upper().removeprefix(prefix)
    return text or "UNSPECIFIED"


def _compile_problems(diagnostics: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for d in diagnostics:
        if str(d.get("severity", "error")).lower() not in ("error", ""):
            continue
        hint = f" ({d['hint']})" if d.get("hint") else ""
        out.append(f"{d.get('line', '?')}:{d.get('col', '?')} {d.get('message', '')}{hint}")
    return out


async def _save_and_compile(
    ls: Server, uri: str, *, force: bool = False, verify: bool = False
) -> CompileOutcome:
    """Save + compile through the engine; a remote draft changed under us becomes a CommandError.

    `verify` makes the engine compare the remote draft with what it last saved even if it confirmed it a
    moment ago (publish and test must never act on someone else's draft).
    """
    if verify:
        script_state = ls.engine.scripts.get(ls.engine.script_name(uri))
        if script_state is not None:
            script_state.check_due = True
    try:
        return await ls.engine.save_and_compile(uri, force=force)
    except RemoteDraftChanged as exc:
        raise CommandError(
            f"Nothing was saved: {exc}", kind="remote-draft-changed", script=exc.script
        ) from None


@contextlib.asynccontextmanager
async def _draft_holds(ls: Server, name: str, text: str, action: str) -> AsyncIterator[None]:
    """Hold the script's save lock while acting on the draft, and only if the remote draft still holds
    exactly `text` (an automatic save of newer typing may have run since our compile)."""
    script_state = ls.engine.scripts.get(name)
    if script_state is None:
        yield
        return
    async with script_state.lock:
        if script_state.saved_hash != content_hash(text):
            raise CommandError(
                f"{action} refused: the draft of {name} changed while it was being compiled; try again",
                kind="conflict",
            )
        yield


def _require_compiled(outcome: CompileOutcome, action: str, name: str) -> None:
    if outcome.success:
        return
    problems = _compile_problems(outcome.diagnostics) or ["the compiler reported failure without diagnostics"]
    listing = "\n".join(f"  - {p}" for p in problems)
    raise CommandError(
        f"{action} refused: {name} has compile errors:\n{listing}",
        kind="compile-errors",
        diagnostics=list(outcome.diagnostics),
    )


# --- commands ----------------------------------------------------------------------------------------------


async def cmd_compile(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    _snapshot(ls, uri)
    outcome = await _save_and_compile(ls, uri, force=bool(values.get("force", False)))
    return {"success": bool(outcome.success), "diagnostics": list(outcome.diagnostics)}


async def cmd_publish(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = _script_name(ls, uri)
    text = _snapshot(ls, uri).text
    outcome = await _save_and_compile(ls, uri, verify=True)
    _require_compiled(outcome, "Publish", name)
    async with _draft_holds(ls, name, text, "Publish"):
        response = await ls.engine.client().publish_draft(name)
    version = runs.int_or_none(response.get("version")) or 0
    state.forget_script(name)
    _info(ls, f"Published {name} v{version}")
    _refresh_lenses(ls)
    return {"version": version}


def _local_contract_and_lines(text: str) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """The input contract and the step lines from the local compiler.

    The contract is None when the local compile fails: the remote compile then reports the errors, and a
    contract of a broken script would only add noise to them.
    """
    try:
        result = compile_source(text)
    except Exception:  # the local compiler must never block a run
        log.exception("local compile failed")
        return None, {}
    return (dict(result.contract) if result.success else None), runs.step_lines(result.ir)


def _check_input(contract: Mapping[str, Any] | None, value: dict[str, Any], source: str) -> None:
    if not contract:
        return
    problems = validate_input(contract, value)
    if problems:
        raise input_mismatch([p.render() for p in problems], source)


def _run_diagnostic(ls: Server, text: str, outcome: runs.RunOutcome) -> list[types.Diagnostic]:
    step = outcome.failing_step
    if step is None or step.line is None:
        return []
    span = cmd_docs.line_span(text, step.line - 1, _encoding(ls))
    if span is None:
        return []
    line, start, end = span
    label = f"step '{step.name}'" if step.name else f"step {step.path}"
    message = f"Test run {outcome.thread_id}: {label} failed: {step.error or outcome.error or step.status}"
    return [
        types.Diagnostic(
            range=types.Range(types.Position(line, start), types.Position(line, end)),
            message=message,
            severity=types.DiagnosticSeverity.Error,
            source=RUN_SOURCE,
            code=outcome.status,
        )
    ]


class _Progress:
    """Server-initiated, cancellable `$/progress` for one run (a no-op when the client has no support)."""

    def __init__(self, ls: Server, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token = f"scriptum-run-{uuid.uuid4().hex[:12]}"
        self.cancelled = asyncio.Event()
        self.active = False

    async def begin(self, message: str) -> None:
        if not _supports_progress(self.ls):
            return
        try:
            await self.ls.work_done_progress.create_async(self.token)
        except Exception as exc:  # the client refused: run without progress
            log.info("window/workDoneProgress/create refused: %s", exc)
            return
        self.active = True
        future = self.ls.work_done_progress.tokens.get(self.token)
        if future is not None:
            future.add_done_callback(lambda f: self.cancelled.set() if f.cancelled() else None)
        self.ls.work_done_progress.begin(
            self.token,
            types.WorkDoneProgressBegin(title=self.title, message=message, cancellable=True, percentage=0),
        )

    def report(self, message: str, percentage: int | None = None) -> None:
        if self.active:
            self.ls.work_done_progress.report(
                self.token,
                types.WorkDoneProgressReport(message=message, percentage=percentage, cancellable=True),
            )

    def end(self, message: str) -> None:
        if self.active:
            self.active = False
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)


async def _follow(
    ls: Server, state: CommandState, thread_id: str, progress: _Progress
) -> tuple[dict[str, Any], bool]:
    """Follow the thread until it stops or the user cancels; (last snapshot, cancelled by the user)."""
    api = ls.engine.client()

    def on_update(thread: dict[str, Any]) -> None:
        text, percent = runs.progress_message(thread)
        progress.report(text, percent)

    follow = asyncio.ensure_future(
        runs.follow_thread(api, thread_id, on_update=on_update, policy=state.follow_policy)
    )
    cancel = asyncio.ensure_future(progress.cancelled.wait())
    try:
        done, _ = await asyncio.wait({follow, cancel}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # the request itself was cancelled ($/cancelRequest): stop the thread too, in the background
        follow.cancel()
        cancel.cancel()
        task = asyncio.ensure_future(runs.cancel_and_settle(api, thread_id, state.follow_policy))
        state.background.add(task)
        task.add_done_callback(state.background.discard)
        raise
    cancel.cancel()
    if follow in done:
        return follow.result(), False
    follow.cancel()
    with contextlib.suppress(asyncio.CancelledError, ApiError):
        await follow
    progress.report("cancelling…")
    return await runs.cancel_and_settle(api, thread_id, state.follow_policy), True


async def cmd_test(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = _script_name(ls, uri)
    snap = _snapshot(ls, uri)
    path = Path(snap.path) if snap.path else None
    test_input = load_test_input(values.get("input"), path)
    local_contract, lines = _local_contract_and_lines(snap.text)
    _check_input(local_contract, test_input.value, test_input.source)

    outcome = await _save_and_compile(ls, uri, verify=True)
    _require_compiled(outcome, "Test", name)
    remote_contract = (outcome.response or {}).get("contract")
    if isinstance(remote_contract, Mapping):
        _check_input(remote_contract, test_input.value, test_input.source)

    ls.set_run_diagnostics(uri, [])  # a new run replaces the previous run's diagnostics
    api = ls.engine.client()
    async with _draft_holds(ls, name, snap.text, "Test"):
        started = await api.test_draft(name, json.dumps(test_input.value), bool(values.get("loadEnv", False)))
    thread_id = str(started.get("threadId") or "")
    if not thread_id:
        raise CommandError("TestScriptDraft returned no thread id", kind="bad-response")

    progress = _Progress(ls, f"Testing {name}")
    await progress.begin(f"thread {thread_id} started")
    try:
        thread, _cancelled = await _follow(ls, state, thread_id, progress)
        thread.setdefault("threadId", thread_id)
        result = await runs.outcome_of(api, thread, lines=lines)
    finally:
        progress.end("done")
    state.remember(result)

    current = ls.engine.snapshot(uri)
    text = current.text if current is not None else snap.text
    ls.set_run_diagnostics(uri, _run_diagnostic(ls, text, result))
    ls.protocol.notify(THREAD_FINISHED, result.to_json())
    _open_run(ls, result, values)
    return result.to_json()


def _open_run(ls: Server, outcome: runs.RunOutcome, values: Mapping[str, Any]) -> str | None:
    if values.get("open") is False or not _supports_show_document(ls):
        return None
    if _wants_virtual_documents(ls, values):
        uri = cmd_docs.run_uri(outcome.thread_id)
    else:
        uri = cmd_docs.write_readonly(
            cmd_docs.run_file(_cache_dir(ls), outcome.thread_id), outcome.render()
        ).as_uri()
    _show_document(ls, uri, take_focus=False)
    return uri


async def _thread_outcome(ls: Server, state: CommandState, thread_id: str) -> runs.RunOutcome:
    api = ls.engine.client()
    thread = await api.get_thread(thread_id)
    thread.setdefault("threadId", thread_id)
    outcome = await runs.outcome_of(api, thread)
    if runs.is_stopped(thread):
        state.remember(outcome)
    return outcome


async def cmd_show_thread(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    thread_id = require_str(values, "threadId")
    outcome = await _thread_outcome(ls, state, thread_id)
    if values.get("open"):
        _open_run(ls, outcome, values)
    return {
        "thread": dict(outcome.thread),
        "steps": [s.to_json() for s in outcome.steps],
        "result": outcome.to_json(),
    }


async def list_versions(ls: Server, name: str) -> tuple[list[dict[str, Any]], int]:
    """Versions of a script (oldest first) and its active version."""
    api = ls.engine.client()
    listing, script = await asyncio.gather(api.list_versions(name), api.get_script(name))
    active = runs.int_or_none(script.get("activeVersion")) or 0
    versions: list[dict[str, Any]] = []
    for v in listing.get("versions") or ():
        number = runs.int_or_none(v.get("version")) or 0
        status = _status_word(v.get("status"), "SCRIPT_VERSION_STATUS_")
        versions.append(
            {
                "version": number,
                "status": status,
                "createdAtMs": runs.int_or_none(v.get("createdAtMs")),
                "publishedAtMs": runs.int_or_none(v.get("publishedAtMs")),
                "active": number == active if active else status == "ACTIVE",
            }
        )
    versions.sort(key=lambda v: v["version"])
    return versions, active


async def cmd_list_versions(ls: Server, state: CommandState, values: dict[str, Any]) -> list[dict[str, Any]]:
    name = _script_name(ls, require_str(values, "uri"))
    versions, active = await list_versions(ls, name)
    state.script_info[name] = (time.monotonic(), active)
    return versions


async def _version_source(ls: Server, name: str, version: int) -> str:
    if version <= 0:
        raise CommandError(
            f"version must be a published version number (1 or more), got {version}", kind="invalid-arguments"
        )
    try:
        code = await ls.engine.client().get_code(name, version)
    except NotFound:
        raise CommandError(f"{name} has no version {version}", kind="unknown-version") from None
    text = code.get("dslContent")
    if not isinstance(text, str):
        raise CommandError(f"version {version} of {name} has no DSL source", kind="unknown-version")
    return text


async def cmd_open_version(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    name = _script_name(ls, require_str(values, "uri"))
    version = require_int(values, "version")
    text = await _version_source(ls, name, version)
    if _wants_virtual_documents(ls, values):
        uri = cmd_docs.version_uri(name, version)
    else:
        path = cmd_docs.version_file(_cache_dir(ls), _organization(ls), name, version)
        uri = cmd_docs.write_readonly(path, text).as_uri()
    shown = _show_document(ls, uri)
    return {"uri": uri, "script": name, "version": version, "shown": shown}


async def cmd_rollback(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    name = _script_name(ls, require_str(values, "uri"))
    version = optional_int(values, "version", 0) or 0
    if version < 0:
        raise CommandError(
            f"version must be 0 (previous active) or a version number, got {version}",
            kind="invalid-arguments",
        )
    try:
        response = await ls.engine.client().rollback(name, version)
    except NotFound:
        raise CommandError(
            f"{name} has no version {version} to roll back to", kind="unknown-version"
        ) from None
    active = runs.int_or_none(response.get("activeVersion")) or 0
    state.forget_script(name)
    _info(ls, f"{name}: active version is now v{active}")
    _refresh_lenses(ls)
    return {"activeVersion": active}


async def cmd_restore_version(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = _script_name(ls, uri)
    version = require_int(values, "version")
    snap = _snapshot(ls, uri)
    text = await _version_source(ls, name, version)
    line, character = cmd_docs.document_end(snap.text, _encoding(ls))
    edit = types.TextEdit(
        range=types.Range(types.Position(0, 0), types.Position(line, character)), new_text=text
    )
    ws_caps = _caps(ls).workspace
    if ws_caps and ws_caps.workspace_edit and ws_caps.workspace_edit.document_changes:
        workspace_edit = types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=snap.version
                    ),
                    edits=[edit],
                )
            ]
        )
    else:
        workspace_edit = types.WorkspaceEdit(changes={uri: [edit]})
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=workspace_edit, label=f"Restore {name} v{version}")
    )
    if not result.applied:
        reason = result.failure_reason or "the editor refused the edit"
        raise CommandError(f"Could not restore {name} v{version}: {reason}", kind="edit-refused")
    return {"applied": True, "version": version}


async def cmd_create_script(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = _script_name(ls, uri)
    response = await ls.engine.create_script(uri)
    state.forget_script(name)
    _refresh_lenses(ls)
    created = response if isinstance(response, Mapping) else {}
    return {"name": str(created.get("name") or name), "created": True}


async def cmd_overwrite_draft(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = _script_name(ls, uri)
    _snapshot(ls, uri)
    result = await ls.engine.overwrite_remote(uri)
    _refresh_lenses(ls)
    out: dict[str, Any] = {"name": name, "overwritten": True}
    out["success"] = bool(result.success)
    out["diagnostics"] = list(result.diagnostics)
    return out


async def cmd_open_remote_draft(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = _script_name(ls, uri)
    text = await ls.engine.open_remote_draft(uri)
    folder = _cache_dir(ls) / "drafts" / cmd_docs.safe_name(_organization(ls) or "default")
    target = cmd_docs.write_readonly(folder / f"{cmd_docs.safe_name(name)}.draft.scriptum", text).as_uri()
    shown = _show_document(ls, target)
    return {"uri": target, "script": name, "shown": shown}


async def cmd_status(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    settings = ls.engine.settings
    out: dict[str, Any] = {
        "endpoint": settings.endpoint,
        "organization": settings.organization or "",
        "tokenSource": settings.token_source,
        "authenticated": False,
        "scripts": [],
        "error": None,
    }
    try:
        listing = await ls.engine.client().list_scripts(page_size=100)
    except ApiError as exc:
        out["error"] = str(exc)
        return out
    out["authenticated"] = True
    out["scripts"] = [
        {
            "name": s.get("name", ""),
            "activeVersion": runs.int_or_none(s.get("activeVersion")) or 0,
            "latestVersion": runs.int_or_none(s.get("latestVersion")) or 0,
            "draftStatus": _status_word(s.get("draftStatus"), "SCRIPT_VERSION_STATUS_"),
            "status": _status_word(s.get("status"), "SCRIPT_STATUS_"),
        }
        for s in listing.get("scripts") or ()
        if isinstance(s, Mapping)
    ]
    return out


async def cmd_clear_cache(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    ls.engine.clear_caches()
    state.outcomes.clear()
    state.script_info.clear()
    removed = []
    for sub in ("versions", "runs", "drafts"):
        folder = _cache_dir(ls) / sub
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    _refresh_lenses(ls)
    return {"cleared": True, "removed": removed}


HANDLERS: dict[str, tuple[Handler, str]] = {
    "scriptum.compile": (cmd_compile, "Compile"),
    "scriptum.publish": (cmd_publish, "Publish"),
    "scriptum.test": (cmd_test, "Test"),
    "scriptum.showThread": (cmd_show_thread, "Show thread"),
    "scriptum.listVersions": (cmd_list_versions, "List versions"),
    "scriptum.openVersion": (cmd_open_version, "Open version"),
    "scriptum.rollback": (cmd_rollback, "Rollback"),
    "scriptum.restoreVersion": (cmd_restore_version, "Restore version"),
    "scriptum.createScript": (cmd_create_script, "Create script"),
    "scriptum.overwriteDraft": (cmd_overwrite_draft, "Overwrite draft"),
    "scriptum.openRemoteDraft": (cmd_open_remote_draft, "Open remote draft"),
    "scriptum.status": (cmd_status, "Status"),
    "scriptum.clearCache": (cmd_clear_cache, "Clear cache"),
}


# --- custom requests ---------------------------------------------------------------------------------------


async def version_content(ls: Server, params: Any) -> str:
    values = _params_dict(params)
    parsed = cmd_docs.parse_version_uri(str(values.get("uri") or ""))
    if parsed is not None:
        name, version = parsed
    else:
        name = require_str(values, "script")
        version = require_int(values, "version")
    return await _version_source(ls, name, version)


async def thread_content(ls: Server, state: CommandState, params: Any) -> str:
    values = _params_dict(params)
    thread_id = cmd_docs.parse_run_uri(str(values.get("uri") or "")) or require_str(values, "threadId")
    outcome = state.outcomes.get(thread_id) or await _thread_outcome(ls, state, thread_id)
    return outcome.render()


def _params_dict(params: Any) -> dict[str, Any]:
    """Custom request params arrive as a dict, a list, or a pygls Object with attributes."""
    if isinstance(params, Mapping):
        return dict(params)
    if isinstance(params, list):
        return parse_arguments(params, ("script", "version"))
    if params is None:
        return {}
    as_dict = getattr(params, "_asdict", None)  # pygls turns unknown params into namedtuples
    if callable(as_dict):
        return dict(as_dict())
    return {k: v for k, v in getattr(params, "__dict__", {}).items() if not k.startswith("_")}


# --- source code actions -----------------------------------------------------------------------------------


def source_actions(ls: Server, uri: str) -> list[types.CodeAction]:
    """`source.scriptum.publish` and `source.scriptum.test` for a script document."""
    arg = {"uri": uri}
    return [
        types.CodeAction(
            title="Scriptum: Publish this script",
            kind=SOURCE_PUBLISH,
            command=types.Command(title="Publish", command="scriptum.publish", arguments=[arg]),
        ),
        types.CodeAction(
            title="Scriptum: Test this script",
            kind=SOURCE_TEST,
            command=types.Command(title="Test", command="scriptum.test", arguments=[arg]),
        ),
    ]


# --- registration ------------------------------------------------------------------------------------------


def _wrap(ls: Server, state: CommandState, name: str) -> Callable[..., Awaitable[Any]]:
    handler, action = HANDLERS[name]
    order = COMMANDS[name]

    async def run(ls: Server, *args: Any) -> Any:
        values = parse_arguments(args, order)
        try:
            return await handler(ls, state, values)
        except CommandError:
            raise
        except ApiError as exc:
            raise api_failure(exc, action) from None

    run.__name__ = run.__qualname__ = f"command_{name.replace('.', '_')}"
    return run


def state_of(ls: Server) -> CommandState:
    """The commands' state of this server (shared with the code lens provider)."""
    state = getattr(ls, "scriptum_commands", None)
    if not isinstance(state, CommandState):
        state = CommandState()
        setattr(ls, "scriptum_commands", state)  # noqa: B010 - an attribute the server class does not declare
    return state


def register(ls: Server) -> CommandState:
    """Register every `scriptum.*` command and the custom requests on the language server."""
    state = state_of(ls)
    for name in COMMANDS:
        ls.command(name)(_wrap(ls, state, name))

    @ls.feature(VERSION_CONTENT)
    async def _version_content(ls: Server, params: Any) -> str:
        try:
            return await version_content(ls, params)
        except ApiError as exc:
            raise api_failure(exc, "Read version") from None

    @ls.feature(THREAD_CONTENT)
    async def _thread_content(ls: Server, params: Any) -> str:
        try:
            return await thread_content(ls, state, params)
        except ApiError as exc:
            raise api_failure(exc, "Read thread") from None

    return state
