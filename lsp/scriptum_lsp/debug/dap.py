"""The DAP wire: `Content-Length` framed JSON messages, read by a thread, written under a lock.

No well-kept Python library implements the *adapter* side of DAP (debugpy's is internal to debugpy), and the
framing is the same as LSP's base protocol, so it is written here: about a hundred lines, tested byte by byte in
tests/debug/test_dap_wire.py. A bad frame is skipped with a log line and reading resynchronises on the next
`Content-Length` header; a header section over 64 KiB or a body over 64 MiB is refused the same way.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import IO, Any

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024


class FrameError(ValueError):
    """One frame could not be read; the reader skips it and goes on."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Reader:
    """Reads framed messages from a binary stream. `read()` returns a dict, or None at end of stream."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def _header_block(self) -> list[bytes] | None:
        lines: list[bytes] = []
        total = 0
        while True:
            line = self._stream.readline(MAX_HEADER_BYTES + 1)
            if not line:
                return None
            total += len(line)
            if total > MAX_HEADER_BYTES:
                # swallow the rest of this over-long line, then report
                while line and not line.endswith(b"\n"):
                    line = self._stream.readline(MAX_HEADER_BYTES)
                raise FrameError("header section over 64 KiB")
            stripped = line.strip()
            if not stripped:
                if lines:
                    return lines
                continue  # blank lines between frames
            lines.append(stripped)

    def read(self) -> dict[str, Any] | None:
        headers = self._header_block()
        if headers is None:
            return None
        length = None
        for raw in headers:
            name, sep, value = raw.partition(b":")
            if sep and name.strip().lower() == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    raise FrameError(f"bad Content-Length {value.strip()[:40]!r}") from None
        if length is None:
            raise FrameError("a header section without Content-Length")
        if length < 0 or length > MAX_BODY_BYTES:
            raise FrameError(f"Content-Length {length} out of range")
        body = self._stream.read(length)
        if len(body) < length:
            return None
        try:
            message = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise FrameError(f"body is not JSON: {exc}") from None
        if not isinstance(message, dict):
            raise FrameError("body is not a JSON object")
        return message


class Writer:
    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.closed = False

    def send(self, message: dict[str, Any]) -> None:
        data = encode(message)
        with self._lock:
            if self.closed:
                return
            try:
                self._stream.write(data)
                self._stream.flush()
            except (OSError, ValueError):
                self.closed = True


class Channel:
    """Sequence numbers, responses and events over a Writer."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self._seq = 0
        self._lock = threading.Lock()

    def _next(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def respond(self, request: dict[str, Any], body: dict[str, Any] | None = None) -> None:
        self._writer.send(
            {
                "seq": self._next(),
                "type": "response",
                "request_seq": request.get("seq", 0),
                "success": True,
                "command": request.get("command", ""),
                **({"body": body} if body is not None else {}),
            }
        )

    def fail(self, request: dict[str, Any], message: str, *, show: bool = True) -> None:
        self._writer.send(
            {
                "seq": self._next(),
                "type": "response",
                "request_seq": request.get("seq", 0),
                "success": False,
                "command": request.get("command", ""),
                "message": message,
                "body": {"error": {"id": 1, "format": message, "showUser": show}},
            }
        )

    def event(self, name: str, body: dict[str, Any] | None = None) -> None:
        self._writer.send(
            {
                "seq": self._next(),
                "type": "event",
                "event": name,
                **({"body": body} if body is not None else {}),
            }
        )

    def output(self, text: str, category: str = "console") -> None:
        self.event("output", {"category": category, "output": text if text.endswith("\n") else text + "\n"})


def read_loop(reader: Reader, deliver: Callable[[dict[str, Any] | None], None]) -> None:
    """Read until end of stream, handing each message (then None) to `deliver`. Bad frames are logged."""
    while True:
        try:
            message = reader.read()
        except FrameError as exc:
            log.warning("skipped a bad DAP frame: %s", exc)
            continue
        except (OSError, ValueError):
            message = None
        deliver(message)
        if message is None:
            return
