"""Test runs: `scriptum.test` (check the input, save + compile, TestScriptDraft, follow the thread with
cancellable progress, show the result), `scriptum.showThread`, and the `scriptum/threadContent` request."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types

from scriptum_lsp.api.errors import ApiError
from scriptum_lsp.engine import runs
from scriptum_lsp.server import cmd_docs
from scriptum_lsp.server.cmd_args import CommandError, input_mismatch, load_test_input, require_str
from scriptum_lsp.server.commands.common import (
    CommandState,
    Server,
    cache_dir,
    draft_holds,
    encoding,
    params_dict,
    require_compiled,
    save_and_compile,
    script_name,
    show_document,
    snapshot,
    supports_show_document,
    wants_virtual_documents,
)
from scriptum_lsp.server.commands.progress import Progress

log = logging.getLogger(__name__)

RUN_SOURCE = "scriptum-run"
THREAD_FINISHED = "scriptum/threadFinished"


def local_contract_and_lines(text: str) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """The input contract and the step lines from the local compiler.

    The contract is None when the local compile fails: the remote compile then reports the errors, and a
    contract of a broken script would only add noise to them.
    """
    try:
        from scriptum_lsp.language import compile_source

        result = compile_source(text)
    except Exception:  # the local compiler must never block a run
        log.exception("local compile failed")
        return None, {}
    return (dict(result.contract) if result.success else None), runs.step_lines(result.ir)


def check_input(contract: Mapping[str, Any] | None, value: dict[str, Any], source: str) -> None:
    if not contract:
        return
    from scriptum_lsp.language.inputs import validate_input

    problems = validate_input(contract, value)
    if problems:
        raise input_mismatch([p.render() for p in problems], source)


def run_diagnostic(ls: Server, text: str, outcome: runs.RunOutcome) -> list[types.Diagnostic]:
    step = outcome.failing_step
    if step is None or step.line is None:
        return []
    span = cmd_docs.line_span(text, step.line - 1, encoding(ls))
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


async def follow(
    ls: Server, state: CommandState, thread_id: str, progress: Progress
) -> tuple[dict[str, Any], bool]:
    """Follow the thread until it stops or the user cancels; (last snapshot, cancelled by the user)."""
    api = ls.engine.client()

    def on_update(thread: dict[str, Any]) -> None:
        text, percent = runs.progress_message(thread)
        progress.report(text, percent)

    following = asyncio.ensure_future(
        runs.follow_thread(api, thread_id, on_update=on_update, policy=state.follow_policy)
    )
    cancel = asyncio.ensure_future(progress.cancelled.wait())
    try:
        done, _ = await asyncio.wait({following, cancel}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # the request itself was cancelled ($/cancelRequest): stop the thread too, in the background
        following.cancel()
        cancel.cancel()
        task = asyncio.ensure_future(runs.cancel_and_settle(api, thread_id, state.follow_policy))
        state.background.add(task)
        task.add_done_callback(state.background.discard)
        raise
    cancel.cancel()
    if following in done:
        return following.result(), False
    following.cancel()
    with contextlib.suppress(asyncio.CancelledError, ApiError):
        await following
    progress.report("cancelling…")
    return await runs.cancel_and_settle(api, thread_id, state.follow_policy), True


async def cmd_test(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    uri = require_str(values, "uri")
    name = script_name(ls, uri)
    snap = snapshot(ls, uri)
    path = Path(snap.path) if snap.path else None
    test_input = load_test_input(values.get("input"), path)
    local_contract, lines = local_contract_and_lines(snap.text)
    check_input(local_contract, test_input.value, test_input.source)

    outcome = await save_and_compile(ls, uri, verify=True)
    require_compiled(outcome, "Test", name)
    remote_contract = (outcome.response or {}).get("contract")
    if isinstance(remote_contract, Mapping):
        check_input(remote_contract, test_input.value, test_input.source)

    ls.set_run_diagnostics(uri, [])  # a new run replaces the previous run's diagnostics
    api = ls.engine.client()
    async with draft_holds(ls, name, snap.text, "Test"):
        started = await api.test_draft(name, json.dumps(test_input.value), bool(values.get("loadEnv", False)))
    thread_id = str(started.get("threadId") or "")
    if not thread_id:
        raise CommandError("TestScriptDraft returned no thread id", kind="bad-response")

    progress = Progress(ls, f"Testing {name}")
    await progress.begin(f"thread {thread_id} started")
    try:
        thread, _cancelled = await follow(ls, state, thread_id, progress)
        thread.setdefault("threadId", thread_id)
        result = await runs.outcome_of(api, thread, lines=lines)
    finally:
        progress.end("done")
    state.remember(result)

    current = ls.engine.snapshot(uri)
    text = current.text if current is not None else snap.text
    ls.set_run_diagnostics(uri, run_diagnostic(ls, text, result))
    ls.protocol.notify(THREAD_FINISHED, result.to_json())
    open_run(ls, result, values)
    return result.to_json()


def open_run(ls: Server, outcome: runs.RunOutcome, values: Mapping[str, Any]) -> str | None:
    if values.get("open") is False or not supports_show_document(ls):
        return None
    if wants_virtual_documents(ls, values):
        uri = cmd_docs.run_uri(outcome.thread_id)
    else:
        uri = cmd_docs.write_readonly(
            cmd_docs.run_file(cache_dir(ls), outcome.thread_id), outcome.render()
        ).as_uri()
    show_document(ls, uri, take_focus=False)
    return uri


async def thread_outcome(ls: Server, state: CommandState, thread_id: str) -> runs.RunOutcome:
    api = ls.engine.client()
    thread = await api.get_thread(thread_id)
    thread.setdefault("threadId", thread_id)
    outcome = await runs.outcome_of(api, thread)
    if runs.is_stopped(thread):
        state.remember(outcome)
    return outcome


async def cmd_show_thread(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    thread_id = require_str(values, "threadId")
    outcome = await thread_outcome(ls, state, thread_id)
    if values.get("open"):
        open_run(ls, outcome, values)
    return {
        "thread": dict(outcome.thread),
        "steps": [s.to_json() for s in outcome.steps],
        "result": outcome.to_json(),
    }


async def thread_content(ls: Server, state: CommandState, params: Any) -> str:
    """`scriptum/threadContent`: a run rendered as a document, by virtual-document URI or thread id."""
    values = params_dict(params)
    thread_id = cmd_docs.parse_run_uri(str(values.get("uri") or "")) or require_str(values, "threadId")
    outcome = state.outcomes.get(thread_id) or await thread_outcome(ls, state, thread_id)
    return outcome.render()


async def cmd_export_thread(ls: Server, state: CommandState, values: dict[str, Any]) -> dict[str, Any]:
    """`scriptum.exportThread {threadId, path?}`: the thread as a replayable JSON document (docs/debugger.md);
    written to `path` when given, and returned."""
    from scriptum_lsp.api.threadfile import export_thread

    thread_id = require_str(values, "threadId")
    doc = await export_thread(ls.engine.client(), thread_id)
    path = values.get("path")
    if path:
        try:
            text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            await asyncio.to_thread(Path(str(path)).write_text, text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc}", kind="invalid-arguments") from None
    return {"threadId": thread_id, "path": str(path) if path else None, "thread": doc}
