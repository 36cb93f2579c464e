"""`create_language_server()`: the pygls server, its engine and every feature, wired in one place."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import importlib
import inspect
import logging
from collections.abc import Sequence
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from scriptum_lsp import __version__, embedded
from scriptum_lsp.api.errors import redact
from scriptum_lsp.engine.engine import Engine
from scriptum_lsp.server import convert

log = logging.getLogger(__name__)

STATUS_METHOD = "scriptum/status"

# feature modules, each exposing register(ls); one failing module is logged and skipped
FEATURES = (
    "scriptum_lsp.server.lifecycle",
    "scriptum_lsp.server.sync",
    "scriptum_lsp.server.diagnostics",
    "scriptum_lsp.server.code_actions",
    "scriptum_lsp.server.symbols",
    "scriptum_lsp.server.folding",
    "scriptum_lsp.server.semantic_tokens",
    "scriptum_lsp.server.hover",
    "scriptum_lsp.server.completion",
    "scriptum_lsp.server.navigation",
    "scriptum_lsp.server.formatting",
    "scriptum_lsp.server.commands",
    "scriptum_lsp.server.codelens",
    "scriptum_lsp.server.ignite",
)


class ScriptumProtocol(LanguageServerProtocol):
    """pygls' protocol with two changes on the path of every keystroke (see docs/decisions.md):

    * a document change pygls' own workspace cannot apply (out-of-range positions, exotic line breaks)
      never prevents our handler from running: the engine keeps its own copy of every document; and the
      handler runs directly, not through pygls' generator machinery (which costs two futures and keeps
      one per notification in `_request_futures` for ever);
    * requests and notifications are told apart by their attributes, exactly what `isinstance` against
      pygls' runtime-checkable Protocols tests, without its cost (~50 us per check on Python 3.11).
    """

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        try:
            for change in params.content_changes:
                self.workspace.update_text_document(params.text_document, change)
        except Exception:  # pygls' copy is best effort
            log.debug("pygls could not apply a change to %s", params.text_document.uri)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            result = handler(params)
            if inspect.isawaitable(result):
                self._server.spawn(result)  # type: ignore[attr-defined]

    def handle_message(self, message: Any) -> None:
        if message.jsonrpc == JsonRPCProtocol.VERSION and not self._shutdown:
            method = getattr(message, "method", None)
            if method is not None and hasattr(message, "params"):
                ctx = contextvars.copy_context()
                if hasattr(message, "id"):  # pygls' RPCRequest
                    ctx.run(self._handle_request, message.id, method, message.params)
                else:  # pygls' RPCNotification
                    ctx.run(self._handle_notification, method, message.params)
                return
        super().handle_message(message)  # responses, errors, shutdown, bad versions: pygls' own handling


class ScriptumLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("scriptum-lsp", __version__, protocol_cls=ScriptumProtocol)
        self.engine = Engine(_Host(self), client_factory=embedded.client_factory())
        self.initialization_options: Any = None
        self._published: dict[str, list[types.Diagnostic]] = {}
        self._pulled: set[str] = set()
        self.pending_tasks: set[asyncio.Task[Any]] = set()
        from scriptum_lsp.server.local import Analyses

        self.analyses = Analyses(self)  # one current analysis per open document
        from scriptum_lsp.server.tools import ToolCache

        self.tool_cache = ToolCache()  # ListTools answers per connection

    # -- facade for features and commands ----------------------------------------------------------
    def set_run_diagnostics(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        self.engine.set_run_diagnostics(uri, diagnostics)

    def send_status(self, state: str, message: str) -> None:
        s = self.engine.settings
        payload = {
            "state": state,
            "endpoint": s.endpoint,
            "organization": s.organization,
            "message": redact(message, [s.token]),
        }
        with contextlib.suppress(Exception):
            self.protocol.notify(STATUS_METHOD, payload)

    def lsp_position(self, uri: str, line: int, col: int) -> types.Position:
        """A code-point (line, col) on an open document -> Position in the negotiated encoding (clamped)."""
        return types.Position(*self.engine.position(uri, line, col))

    def lsp_range(self, uri: str, line: int, start: int, end_line: int, end: int) -> types.Range:
        return types.Range(self.lsp_position(uri, line, start), self.lsp_position(uri, end_line, end))

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coro)
        self.pending_tasks.add(task)
        task.add_done_callback(self.pending_tasks.discard)
        return task

    # -- diagnostics -------------------------------------------------------------------------------
    def current_diagnostics(self, uri: str) -> list[types.Diagnostic]:
        from scriptum_lsp.server import ignite

        if ignite.state_of(self).owns(uri):
            return list(ignite.state_of(self).diagnostics.get(uri, []))
        doc = self.engine.docs.get(uri)
        if doc is None:
            return []
        items = convert.diagnostics(self.engine.diagnostics(uri), doc.text, self.engine.position_encoding)
        return items + [d for d in self.engine.run_diagnostics(uri) if isinstance(d, types.Diagnostic)]

    def publish(self, uri: str) -> None:
        """Push the document's diagnostics if they changed (and the client does not pull them)."""
        from scriptum_lsp.server import ignite

        doc = self.engine.docs.get(uri)
        items = self.current_diagnostics(uri)
        previous = self._published.get(uri)
        app_files = ignite.state_of(self)
        if doc is None and app_files.owns(uri):  # an Ignite app file: its compile and run diagnostics
            app_doc = app_files.docs.get(uri)
            version = app_doc.version if app_doc else None
        elif doc is None:
            self._pulled.discard(uri)
            if previous:  # closed: clear what we showed
                self._push(uri, [], None)
            self._published.pop(uri, None)
            return
        else:
            version = doc.version
        if uri in self._pulled:
            if previous != items:
                self._published[uri] = items
                self._refresh_pull()
            return
        if previous == items:
            return
        self._published[uri] = items
        self._push(uri, items, version)

    def mark_pulled(self, uri: str) -> None:
        """The client pulls this document: stop pushing (and clear anything pushed before)."""
        if uri in self._pulled:
            return
        self._pulled.add(uri)
        if self._published.get(uri):
            doc = self.engine.docs.get(uri)
            self._push(uri, [], doc.version if doc else None)
        self._published[uri] = []

    def _push(self, uri: str, items: list[types.Diagnostic], version: int | None) -> None:
        with contextlib.suppress(Exception):
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=version)
            )

    def _refresh_pull(self) -> None:
        caps = self.client_capabilities
        ws = caps.workspace if caps else None
        if ws and ws.diagnostics and ws.diagnostics.refresh_support:
            with contextlib.suppress(Exception):
                self.workspace_diagnostic_refresh(None)


class _Host:
    """The engine's view of the server."""

    def __init__(self, ls: ScriptumLanguageServer) -> None:
        self.ls = ls

    def publish(self, uri: str) -> None:
        self.ls.publish(uri)

    def show(self, level: str, message: str, actions: Sequence[tuple[str, str, list[Any]]] = ()) -> None:
        kind = {
            "error": types.MessageType.Error,
            "warning": types.MessageType.Warning,
            "info": types.MessageType.Info,
        }.get(level, types.MessageType.Log)
        message = redact(message, [self.ls.engine.settings.token])
        log.log(logging.WARNING if level in ("error", "warning") else logging.INFO, message)
        caps = self.ls.client_capabilities if self._initialized() else None
        supports_request = bool(caps and caps.window and caps.window.show_message is not None)
        if actions and supports_request:
            self.ls.spawn(self._ask(kind, message, actions))
            return
        with contextlib.suppress(Exception):
            self.ls.window_show_message(types.ShowMessageParams(type=kind, message=message))

    async def _ask(
        self, kind: types.MessageType, message: str, actions: Sequence[tuple[str, str, list[Any]]]
    ) -> None:
        try:
            choice = await self.ls.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=kind,
                    message=message,
                    actions=[types.MessageActionItem(title=t) for t, _, _ in actions],
                )
            )
        except Exception:
            return
        if choice is None:
            return
        for title, command, args in actions:
            if title == choice.title:
                await run_action(self.ls, command, args)

    def status(self, state: str, message: str) -> None:
        self.ls.send_status(state, message)

    def log(self, level: str, message: str) -> None:
        message = redact(message, [self.ls.engine.settings.token])
        log.log(logging.WARNING if level in ("error", "warning") else logging.DEBUG, message)
        kind = {"error": types.MessageType.Error, "warning": types.MessageType.Warning}.get(
            level, types.MessageType.Log
        )
        if self._initialized():
            with contextlib.suppress(Exception):
                self.ls.window_log_message(types.LogMessageParams(type=kind, message=message))

    def _initialized(self) -> bool:
        try:
            return self.ls.client_capabilities is not None
        except Exception:
            return False


async def run_action(ls: ScriptumLanguageServer, command: str, args: list[Any]) -> None:
    """Run one of the actions offered with a message (conflict: overwrite / open the remote draft)."""
    uri = args[0]["uri"] if args and isinstance(args[0], dict) else None
    if not isinstance(uri, str):
        return
    try:
        if command == "scriptum.overwriteDraft":
            await ls.engine.overwrite_remote(uri)
            ls.window_show_message(
                types.ShowMessageParams(types.MessageType.Info, "Remote draft overwritten with this buffer.")
            )
        elif command == "scriptum.openRemoteDraft":
            from scriptum_lsp.server.remote_draft import show_remote_draft

            await show_remote_draft(ls, uri)
    except Exception as exc:
        ls.window_show_message(
            types.ShowMessageParams(types.MessageType.Error, redact(f"{command} failed: {exc}"))
        )


def create_language_server() -> ScriptumLanguageServer:
    ls = ScriptumLanguageServer()
    for name in FEATURES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            log.warning("feature %s unavailable: %s", name, exc)
            continue
        try:
            module.register(ls)
        except Exception:
            log.exception("feature %s failed to register", name)
    return ls
