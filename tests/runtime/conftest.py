"""A real HTTP server on 127.0.0.1 for the runner's http_request / fetch_url tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        path = self.path.split("?")[0]
        self.server.count(path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path == "/count":
            self._reply(200, json.dumps({"n": self.server.hits[path]}).encode())
        elif path == "/echo":
            payload = {
                "method": self.command,
                "query": self.path.partition("?")[2],
                "header": self.headers.get("X-Test"),
                "body": body.decode(),
                "content_type": self.headers.get("Content-Type"),
            }
            self._reply(200, json.dumps(payload).encode())
        elif path == "/text":
            self._reply(200, b"plain words", "text/plain")
        elif path == "/flaky":
            ok = self.server.hits[path] >= 3
            self._reply(200 if ok else 503, b'{"ok": true}' if ok else b"busy")
        elif path.startswith("/status/"):
            self._reply(int(path.rsplit("/", 1)[1]), b"nope", "text/plain")
        elif path == "/slow":
            time.sleep(1.0)
            self._reply(200, b"{}")
        else:
            self._reply(404, b"no route", "text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    def count(self, path: str) -> None:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1


@pytest.fixture
def http_server() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def base_url(http_server: _Server) -> str:
    return f"http://127.0.0.1:{http_server.server_address[1]}"


@pytest.fixture
def http_counter(http_server: _Server, base_url: str) -> tuple[str, Callable[[], int]]:
    return f"{base_url}/count", lambda: http_server.hits.get("/count", 0)
