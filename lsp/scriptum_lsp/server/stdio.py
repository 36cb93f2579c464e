"""Serve LSP over stdin/stdout with stdin read by the event loop itself.

pygls' stdio reader hands every `readline()` and body read to a worker thread (three thread round trips per
message: the header, the blank line, the body). On POSIX we register the stdin pipe with the event loop
instead (`loop.connect_read_pipe`): a message already in the buffer is parsed without waking anything up.
Where that is not possible (Windows, stdin a regular file) pygls' own reader is used. Everything else, the
message loop (`pygls.io_.run_async`), the writer and shutdown, is pygls'.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from typing import TYPE_CHECKING, BinaryIO

from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

LINE_LIMIT = 1 << 20  # a header line longer than this is not LSP


class PipeReader:
    """pygls' AsyncReader interface over an asyncio.StreamReader; end of input reads as b""."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream

    async def readline(self) -> bytes:
        try:
            return await self.stream.readline()
        except ValueError:  # over LINE_LIMIT: give up on the stream as pygls would on garbage
            return b""

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial


async def pipe_reader(stdin: BinaryIO) -> PipeReader | None:
    """A reader on `stdin` driven by the running loop, or None when the loop cannot watch it."""
    if sys.platform == "win32":
        return None
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=LINE_LIMIT, loop=loop)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream, loop=loop), stdin)
    except (ValueError, OSError) as exc:  # a regular file, a closed descriptor, ...
        log.debug("stdin cannot be watched by the event loop (%s); using a reader thread", exc)
        return None
    return PipeReader(stream)


def start_io(server: LanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """`server.start_io()` with the loop-driven stdin reader (see the module docstring)."""
    stdin = stdin or sys.stdin.buffer
    stop = threading.Event()
    server._stop_event = stop  # pygls' shutdown() sets it to end the message loop
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

    async def serve() -> None:
        reader = await pipe_reader(stdin)
        await run_async(
            stop_event=stop,
            reader=reader or StdinAsyncReader(stdin, server.thread_pool),
            protocol=server.protocol,
            logger=log,
            error_handler=server.report_server_error,
        )

    gc.freeze()  # the imported modules and the server live for ever: keep them out of every GC pass
    try:
        asyncio.run(serve())
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
