"""What every command family shares: the per-server `CommandState`, argument and client-capability helpers,
and the engine calls commands make (save + compile, holding the draft while acting on it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from scriptum_lsp.engine import runs
from scriptum_lsp.engine.errors import DraftChangedMeanwhile, RemoteDraftChanged
from scriptum_lsp.engine.model import CompileOutcome, DocSnapshot
from scriptum_lsp.server.cmd_args import CommandError, parse_arguments

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer

    Server = ScriptumLanguageServer
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


def state_of(ls: Server) -> CommandState:
    """The commands' state of this server (shared with the code lens provider)."""
    state = getattr(ls, "scriptum_commands", None)
    if not isinstance(state, CommandState):
        state = CommandState()
        setattr(ls, "scriptum_commands", state)  # noqa: B010 - an attribute the server class does not declare
    return state


# --- documents and settings ----------------------------------------------------------------------------------


def script_name(ls: Server, uri: str) -> str:
    try:
        name = ls.engine.script_name(uri)
    except (ValueError, KeyError) as exc:
        raise CommandError(f"{uri} is not a Scriptum script: {exc}", kind="invalid-arguments") from None
    if not name:
        raise CommandError(f"no script name for {uri}", kind="invalid-arguments")
    return str(name)


def snapshot(ls: Server, uri: str) -> DocSnapshot:
    snap = ls.engine.snapshot(uri)
    if snap is None:
        raise CommandError(f"{uri} is not open in the editor; open it first", kind="not-open")
    return snap


def encoding(ls: Server) -> str:
    return str(ls.engine.position_encoding)


def cache_dir(ls: Server) -> Path:
    return Path(ls.engine.cache_dir)


def organization(ls: Server) -> str:
    return ls.engine.settings.organization or ""


# --- client capabilities and window --------------------------------------------------------------------------


def caps(ls: Server) -> types.ClientCapabilities:
    found = getattr(ls, "client_capabilities", None)
    return found if isinstance(found, types.ClientCapabilities) else types.ClientCapabilities()


def supports_show_document(ls: Server) -> bool:
    window = caps(ls).window
    return bool(window and window.show_document and window.show_document.support)


def supports_progress(ls: Server) -> bool:
    window = caps(ls).window
    return bool(window and window.work_done_progress)


def wants_virtual_documents(ls: Server, values: Mapping[str, Any]) -> bool:
    mode = values.get("mode")
    if mode in ("virtual", "file"):
        return bool(mode == "virtual")
    experimental = caps(ls).experimental
    if isinstance(experimental, Mapping):
        scriptum = experimental.get("scriptum")
        if isinstance(scriptum, Mapping):
            return bool(scriptum.get("virtualDocuments"))
    return False


def show_document(ls: Server, uri: str, *, take_focus: bool = True) -> bool:
    """Ask the client to open `uri` (fire and forget); False when the client cannot."""
    if not supports_show_document(ls):
        return False
    ls.window_show_document(types.ShowDocumentParams(uri=uri, external=False, take_focus=take_focus))
    return True


def info(ls: Server, message: str) -> None:
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))


def refresh_lenses(ls: Server) -> None:
    workspace = caps(ls).workspace
    if workspace and workspace.code_lens and workspace.code_lens.refresh_support:
        with contextlib.suppress(Exception):
            ls.workspace_code_lens_refresh(None)


# --- results -------------------------------------------------------------------------------------------------


def status_word(raw: object, prefix: str) -> str:
    text = str(raw or "").upper().removeprefix(prefix)
    return text or "UNSPECIFIED"


def compile_problems(diagnostics: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for d in diagnostics:
        if str(d.get("severity", "error")).lower() not in ("error", ""):
            continue
        hint = f" ({d['hint']})" if d.get("hint") else ""
        out.append(f"{d.get('line', '?')}:{d.get('col', '?')} {d.get('message', '')}{hint}")
    return out


def require_compiled(outcome: CompileOutcome, action: str, name: str) -> None:
    if outcome.success:
        return
    problems = compile_problems(outcome.diagnostics) or ["the compiler reported failure without diagnostics"]
    listing = "\n".join(f"  - {p}" for p in problems)
    raise CommandError(
        f"{action} refused: {name} has compile errors:\n{listing}",
        kind="compile-errors",
        diagnostics=list(outcome.diagnostics),
    )


# --- engine calls --------------------------------------------------------------------------------------------


async def save_and_compile(
    ls: Server, uri: str, *, force: bool = False, verify: bool = False
) -> CompileOutcome:
    """Save + compile through the engine; a remote draft changed under us becomes a CommandError.

    `verify` makes the engine compare the remote draft with what it last saved even if it confirmed it a
    moment ago (publish and test must never act on someone else's draft).
    """
    try:
        return await ls.engine.save_and_compile(uri, force=force, verify=verify)
    except RemoteDraftChanged as exc:
        raise CommandError(
            f"Nothing was saved: {exc}", kind="remote-draft-changed", script=exc.script
        ) from None


@contextlib.asynccontextmanager
async def draft_holds(ls: Server, name: str, text: str, action: str) -> AsyncIterator[None]:
    """Act on the draft only while it still holds exactly `text` (the engine holds the script's save lock;
    an automatic save of newer typing may have run since our compile)."""
    try:
        async with ls.engine.draft_unchanged(name, text):
            yield
    except DraftChangedMeanwhile:
        raise CommandError(
            f"{action} refused: the draft of {name} changed while it was being compiled; try again",
            kind="conflict",
        ) from None


def params_dict(params: Any) -> dict[str, Any]:
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
