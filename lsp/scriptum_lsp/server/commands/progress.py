"""Server-initiated, cancellable `$/progress` for one long command (a test run)."""

from __future__ import annotations

import asyncio
import logging
import uuid

from lsprotocol import types

from scriptum_lsp.server.commands.common import Server, supports_progress

log = logging.getLogger(__name__)


class Progress:
    """One `$/progress` token with cancellation (a no-op when the client has no support)."""

    def __init__(self, ls: Server, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token = f"scriptum-run-{uuid.uuid4().hex[:12]}"
        self.cancelled = asyncio.Event()
        self.active = False

    async def begin(self, message: str) -> None:
        if not supports_progress(self.ls):
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
