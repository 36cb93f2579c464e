"""The one table of `scriptum.*` and `ignite.*` commands: name -> handler, action title (for error messages) and the
order of positional arguments. `register` puts every row, and the custom requests, on the server.

To add a command: write `cmd_x(ls, state, values)` in its family module (or a new one) and add one row here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from scriptum_lsp.api.errors import ApiError
from scriptum_lsp.server.cmd_args import CommandError, api_failure, parse_arguments
from scriptum_lsp.server.commands import drafts, ignite, publish, status, testing, versions
from scriptum_lsp.server.commands.common import CommandState, Handler, Server, state_of

VERSION_CONTENT = "scriptum/versionContent"
THREAD_CONTENT = "scriptum/threadContent"


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    title: str  # "<title> failed: ..." in error messages
    args: tuple[str, ...] = ()  # positional argument order (an object argument is accepted too)


REGISTRY: dict[str, Command] = {
    c.name: c
    for c in (
        Command("scriptum.compile", drafts.cmd_compile, "Compile", ("uri",)),
        Command("scriptum.publish", publish.cmd_publish, "Publish", ("uri",)),
        Command("scriptum.test", testing.cmd_test, "Test", ("uri", "input")),
        Command("scriptum.showThread", testing.cmd_show_thread, "Show thread", ("threadId",)),
        Command("scriptum.exportThread", testing.cmd_export_thread, "Export thread", ("threadId", "path")),
        Command("scriptum.listVersions", versions.cmd_list_versions, "List versions", ("uri",)),
        Command("scriptum.openVersion", versions.cmd_open_version, "Open version", ("uri", "version")),
        Command("scriptum.rollback", versions.cmd_rollback, "Rollback", ("uri", "version")),
        Command(
            "scriptum.restoreVersion", versions.cmd_restore_version, "Restore version", ("uri", "version")
        ),
        Command("scriptum.createScript", drafts.cmd_create_script, "Create script", ("uri",)),
        Command("scriptum.overwriteDraft", drafts.cmd_overwrite_draft, "Overwrite draft", ("uri",)),
        Command("scriptum.openRemoteDraft", drafts.cmd_open_remote_draft, "Open remote draft", ("uri",)),
        Command("scriptum.status", status.cmd_status, "Status"),
        Command("scriptum.clearCache", status.cmd_clear_cache, "Clear cache"),
        Command("ignite.saveDraft", ignite.cmd_save_draft, "Save Ignite draft", ("uri",)),
        Command("ignite.compileDraft", ignite.cmd_compile_draft, "Compile Ignite draft", ("uri",)),
        Command("ignite.testDraft", ignite.cmd_test_draft, "Test Ignite draft", ("uri", "payload")),
        Command("ignite.publishDraft", ignite.cmd_publish_draft, "Publish Ignite draft", ("uri",)),
        Command("ignite.listVersions", ignite.cmd_list_versions, "List Ignite versions", ("uri",)),
        Command(
            "ignite.openVersion", ignite.cmd_open_version, "Open Ignite version", ("uri", "version", "path")
        ),
        Command(
            "ignite.diffVersion", ignite.cmd_diff_version, "Diff Ignite version", ("uri", "version", "path")
        ),
        Command("ignite.rollback", ignite.cmd_rollback, "Ignite rollback", ("uri", "version")),
        Command("ignite.status", ignite.cmd_status, "Ignite status", ("uri",)),
    )
}

# views of the table kept for older callers: command -> positional argument order / (handler, title)
COMMANDS: dict[str, tuple[str, ...]] = {name: c.args for name, c in REGISTRY.items()}
HANDLERS: dict[str, tuple[Handler, str]] = {name: (c.handler, c.title) for name, c in REGISTRY.items()}


def _wrap(state: CommandState, command: Command) -> Callable[..., Awaitable[Any]]:
    async def run(ls: Server, *args: Any) -> Any:
        values = parse_arguments(args, command.args)
        try:
            return await command.handler(ls, state, values)
        except CommandError:
            raise
        except ApiError as exc:
            raise api_failure(exc, command.title) from None

    run.__name__ = run.__qualname__ = f"command_{command.name.replace('.', '_')}"
    return run


def register(ls: Server) -> CommandState:
    """Register every `scriptum.*` command and the custom requests on the language server."""
    state = state_of(ls)
    for command in REGISTRY.values():
        ls.command(command.name)(_wrap(state, command))

    @ls.feature(VERSION_CONTENT)
    async def _version_content(ls: Server, params: Any) -> str:
        try:
            return await versions.version_content(ls, params)
        except ApiError as exc:
            raise api_failure(exc, "Read version") from None

    @ls.feature(THREAD_CONTENT)
    async def _thread_content(ls: Server, params: Any) -> str:
        try:
            return await testing.thread_content(ls, state, params)
        except ApiError as exc:
            raise api_failure(exc, "Read thread") from None

    return state
