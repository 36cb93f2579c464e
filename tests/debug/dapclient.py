"""A small DAP client for tests: runs `scriptum-lsp debug` over stdio and waits for messages by predicate."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

TIMEOUT = 20.0


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class DapClient:
    def __init__(self, *, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scriptum_lsp", "debug", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.seq = 0
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                ch = out.read(1)
                if not ch:
                    return
                header += ch
            length = int(header.split(b":")[1].split(b"\r\n")[0])
            self.messages.put(json.loads(out.read(length)))

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        self.seq += 1
        msg: dict[str, Any] = {"seq": self.seq, "type": "request", "command": command}
        if arguments is not None:
            msg["arguments"] = arguments
        self.send_raw(frame(msg))
        return self.seq

    def wait(self, pred: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT) -> dict[str, Any]:
        for m in self.seen:
            if pred(m):
                self.seen.remove(m)
                return m
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching message; pending: {self.seen[-5:]}")
            try:
                m = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if pred(m):
                return m
            self.seen.append(m)

    def request(self, command: str, arguments: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        seq = self.send(command, arguments)
        return self.wait(lambda m: m.get("type") == "response" and m.get("request_seq") == seq, **kw)

    def event(self, name: str, **kw: Any) -> dict[str, Any]:
        return self.wait(lambda m: m.get("type") == "event" and m.get("event") == name, **kw)

    def stopped(self) -> dict[str, Any]:
        return self.event("stopped")["body"]

    def top(self) -> dict[str, Any]:
        frames = self.request("stackTrace", {"threadId": 1})["body"]["stackFrames"]
        return frames[0]

    def stack(self) -> list[str]:
        return [f["name"] for f in self.request("stackTrace", {"threadId": 1})["body"]["stackFrames"]]

    def scope_vars(self, scope: str, frame_id: int = 1) -> dict[str, str]:
        scopes = self.request("scopes", {"frameId": frame_id})["body"]["scopes"]
        ref = next(s["variablesReference"] for s in scopes if s["name"] == scope)
        return {
            v["name"]: v["value"]
            for v in self.request("variables", {"variablesReference": ref})["body"]["variables"]
        }

    def start(
        self,
        launch: dict[str, Any],
        breakpoints: list[dict[str, Any]] | None = None,
        filters: list[str] | None = None,
        command: str = "launch",
    ) -> dict[str, Any]:
        init = self.request("initialize", {"adapterID": "scriptum", "linesStartAt1": True})
        assert init["success"], init
        self.event("initialized")
        seq = self.send(command, launch)
        bp = None
        if breakpoints is not None:
            bp = self.request(
                "setBreakpoints", {"source": {"path": launch.get("script", "")}, "breakpoints": breakpoints}
            )
        self.request("setExceptionBreakpoints", {"filters": filters if filters is not None else ["failed"]})
        self.request("configurationDone")
        resp = self.wait(lambda m: m.get("type") == "response" and m.get("request_seq") == seq)
        return {"launch": resp, "breakpoints": bp}

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.request("disconnect", {"terminateDebuggee": True}, timeout=5)
        except (TimeoutError, OSError, ValueError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if f:
                f.close()
