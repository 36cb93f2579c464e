"""A recorded-cloud stand-in for Ignite's Drafts API: answers the seed's literal bodies (`recorded/ignite-*.json`)
and, for the undocumented GetExecution, whatever shape a test sets. It runs nothing and shares no code with the
emulator. Every request is recorded (method, path, JSON body), so tests can assert the client sends only the
documented fields.

Routes: SaveDraft, GetDraftInfo, CompileDraft, PublishDraft, TestDraft (the seed's table), GetExecution,
StreamCompileLogs (NDJSON lines a test sets). CreateApp/GetApp answer only when a test allows it; anything else
is a 404 with a gRPC-gateway style error body.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.cloud.standin import TOKEN, recorded

APP = r"/v1/ignite/app/(?P<org>[^/]+)/(?P<app>[^/]+)"
ROUTES = tuple(
    (m, re.compile(p), rpc)
    for m, p, rpc in (
        ("POST", APP + "/draft", "SaveDraft"),
        ("GET", APP + "/draft", "GetDraftInfo"),
        ("POST", APP + "/draft/compile", "CompileDraft"),
        ("POST", APP + "/draft/publish", "PublishDraft"),
        ("POST", APP + "/draft/test", "TestDraft"),
        ("GET", r"/v1/ignite/executions/(?P<id>[^/]+)", "GetExecution"),
        ("GET", r"/v1/ignite/compile/(?P<id>[^/]+)/logs", "StreamCompileLogs"),
    )
)


@dataclass
class IgniteStandIn:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    # GetExecution answers, in order (the last one repeats)
    executions: list[dict[str, Any]] = field(default_factory=list)
    # GetDraftInfo answers after a CompileDraft, in order (the last one repeats); before it, the seed's body
    after_compile: list[dict[str, Any]] = field(default_factory=list)
    compile_logs: list[str] = field(default_factory=list)
    compiled: bool = False

    def bodies(self, rpc: str) -> list[Any]:
        return [r["body"] for r in self.requests if r["rpc"] == rpc]

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        for m, pattern, rpc in ROUTES:
            if m == method and (match := pattern.fullmatch(path)):
                self.requests.append({"rpc": rpc, "path": path, "body": body})
                return 200, self._body(rpc, match)
        self.requests.append({"rpc": "?", "path": path, "body": body})
        return 404, {"code": 5, "message": f"{method} {path}: not found", "details": []}

    def _body(self, rpc: str, match: re.Match[str]) -> Any:
        if rpc == "GetDraftInfo":
            if self.compiled and self.after_compile:
                return self.after_compile.pop(0) if len(self.after_compile) > 1 else self.after_compile[0]
            return recorded("ignite-draft-info")
        if rpc == "CompileDraft":
            self.compiled = True
            return recorded("ignite-compile-draft")
        if rpc == "GetExecution":
            return self.executions.pop(0) if len(self.executions) > 1 else self.executions[0]
        if rpc == "StreamCompileLogs":
            return "".join(json.dumps({"result": {"line": line}}) + "\n" for line in self.compile_logs)
        return recorded({"SaveDraft": "ignite-save-draft", "PublishDraft": "ignite-publish-draft",
                         "TestDraft": "ignite-test-draft"}[rpc])  # fmt: skip


@contextmanager
def running_ignite_standin() -> Iterator[IgniteStandIn]:
    stand = IgniteStandIn()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                status, body = 401, {"code": 16, "message": "unauthenticated", "details": []}
            else:
                status, body = stand.answer(method, self.path.split("?")[0], json.loads(raw) if raw else None)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header(
                "Content-Type", "application/x-ndjson" if isinstance(body, str) else "application/json"
            )
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand
    finally:
        server.shutdown()
        server.server_close()
