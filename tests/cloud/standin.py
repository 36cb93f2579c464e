"""A recorded-cloud stand-in: a small HTTP server that answers the Scriptum API from fixture files.

It is not the emulator and shares no code with it: it compiles nothing. Each case (`cases/<name>.json`) names a
buffer and the bodies to answer with: the seed's literal bodies (`recorded/`) and plausible variants of them. What
a feature needs from the API must work against these shapes, which carry only the documented fields.

Routes answered (the seed's table):
- `POST   /v1/scriptum/scripts`                      CreateScript      -> the seed's literal response
- `GET    /v1/scriptum/scripts/{name}`               GetScript         -> a Script with the documented fields
- `POST   /v1/scriptum/scripts/{name}/draft`         SaveScriptDraft   -> the seed's literal response
- `GET    /v1/scriptum/scripts/{name}/draft`         GetDraftInfo      -> the seed's shape, holding what was saved
- `POST   /v1/scriptum/scripts/{name}/draft/compile` CompileScriptDraft -> the case's next compile body
- `POST   /v1/scriptum/scripts/{name}/draft/publish` PublishScriptDraft -> `{"version": N}`
Anything else: 404 with a gRPC-gateway style error body.

Every request is recorded (method, path, JSON body; never the Authorization header) so that tests can assert
the client sends only what the documents show.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CASES = HERE / "cases"
RECORDED = HERE / "recorded"
BUFFERS = HERE / "buffers"

TOKEN = "cloud-standin-token"

# the seed's documented routes: (method, pattern, rpc)
ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (m, re.compile(p), rpc)
    for m, p, rpc in (
        ("POST", r"/v1/scriptum/scripts", "CreateScript"),
        ("GET", r"/v1/scriptum/scripts", "ListScripts"),
        ("GET", r"/v1/scriptum/scripts/(?P<name>[^/]+)", "GetScript"),
        ("DELETE", r"/v1/scriptum/scripts/(?P<name>[^/]+)", "DeleteScript"),
        ("POST", r"/v1/scriptum/scripts/(?P<name>[^/]+)/draft", "SaveScriptDraft"),
        ("POST", r"/v1/scriptum/scripts/(?P<name>[^/]+)/draft/compile", "CompileScriptDraft"),
        ("POST", r"/v1/scriptum/scripts/(?P<name>[^/]+)/draft/test", "TestScriptDraft"),
        ("POST", r"/v1/scriptum/scripts/(?P<name>[^/]+)/draft/publish", "PublishScriptDraft"),
        ("POST", r"/v1/scriptum/scripts/(?P<name>[^/]+)/rollback", "RollbackScript"),
        ("GET", r"/v1/scriptum/scripts/(?P<name>[^/]+)/versions", "ListScriptVersions"),
        ("GET", r"/v1/scriptum/scripts/(?P<name>[^/]+)/versions/(?P<version>\d+)", "GetScriptVersion"),
        ("GET", r"/v1/scriptum/scripts/(?P<name>[^/]+)/code(?:/versions/(?P<version>\d+))?", "GetScriptCode"),
        ("GET", r"/v1/scriptum/scripts/(?P<name>[^/]+)/draft", "GetDraftInfo"),
    )
)

# the request fields the seed documents, per RPC (pbjson camelCase)
DOCUMENTED_BODY: dict[str, set[str]] = {
    "CreateScript": {"name", "description", "tags", "fromTemplate", "labels", "env"},
    "SaveScriptDraft": {"dslContent", "yamlContent"},
    "CompileScriptDraft": set(),
    "TestScriptDraft": {"inputJson", "loadEnv"},
    "PublishScriptDraft": set(),
    "RollbackScript": {"targetVersion"},
}


def recorded(name: str) -> dict[str, Any]:
    """A recorded body (`recorded/<name>.json`)."""
    body = json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(body, dict)
    return body


@dataclass
class Case:
    """One case: the buffer to open and the compile bodies to answer with, in order (the last one repeats)."""

    name: str
    buffer: str  # the buffer's text, exactly (newlines included)
    script: str
    compiles: list[dict[str, Any]]
    delay_first: float = 0.0  # seconds the first CompileScriptDraft answer is held back
    edit: dict[str, Any] | None = None  # an edit the test makes while the first compile is held back
    note: str = ""

    @classmethod
    def load(cls, name: str) -> Case:
        spec = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
        text = (BUFFERS / spec["buffer"]).read_bytes().decode("utf-8")
        if spec.get("eol"):
            text = text.replace("\n", spec["eol"])
        compiles = [recorded(c) if isinstance(c, str) else c for c in spec["compile"]]
        return cls(
            name=name,
            buffer=text,
            script=spec.get("script", name),
            compiles=compiles,
            delay_first=float(spec.get("delayFirst", 0.0)),
            edit=spec.get("edit"),
            note=spec.get("note", ""),
        )


def case_names() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.json"))


@dataclass
class Request:
    method: str
    path: str
    rpc: str
    body: Any
    organization: str | None


@dataclass
class CaseRun:
    """What the stand-in did for one case (one script)."""

    case: Case
    compiles_served: int = 0
    compile_started: threading.Event = field(default_factory=threading.Event)
    release_first: threading.Event = field(default_factory=threading.Event)


@dataclass
class CloudState:
    """The stand-in's memory: the loaded cases by script name, what was saved and published, every request."""

    runs: dict[str, CaseRun] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    drafts: dict[str, str] = field(default_factory=dict)  # script -> saved dslContent
    published: dict[str, list[str]] = field(default_factory=dict)  # script -> published sources
    lock: threading.Lock = field(default_factory=threading.Lock)

    def load(self, cases: list[Case]) -> None:
        """Answer for these cases from now on (each under its script name); forget everything else."""
        with self.lock:
            for run in self.runs.values():
                run.release_first.set()
            self.runs = {c.script: CaseRun(c) for c in cases}
            self.requests.clear()
            self.drafts.clear()
            self.published.clear()

    def run(self, script: str) -> CaseRun:
        with self.lock:
            return self.runs[script]

    def rpcs(self, script: str | None = None) -> list[str]:
        with self.lock:
            return [r.rpc for r in self.requests if script is None or f"/scripts/{script}" in r.path]

    def saved(self, script: str) -> list[str]:
        """Every dslContent saved for `script`, in order."""
        with self.lock:
            return [
                str(r.body.get("dslContent"))
                for r in self.requests
                if r.rpc == "SaveScriptDraft" and f"/scripts/{script}/" in r.path and isinstance(r.body, dict)
            ]


def _error(code: int, grpc: int, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"code": grpc, "message": message, "details": []}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        path = self.path.split("?", 1)[0]
        state = self.server.state
        rpc, params = "?", {}
        for m, pattern, name in ROUTES:
            match = pattern.fullmatch(path)
            if m == method and match:
                rpc, params = name, {k: v for k, v in match.groupdict().items() if v is not None}
                break
        with state.lock:
            state.requests.append(Request(method, path, rpc, body, self.headers.get("x-organization-name")))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(*_error(401, 16, "invalid or expired token"))
            return
        status, answer = self._answer(rpc, params, body if isinstance(body, dict) else {})
        self._send(status, answer)

    def _answer(self, rpc: str, params: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        state = self.server.state
        name = params.get("name", "")
        if rpc == "CreateScript":
            answer = recorded("create-script")
            answer["name"] = body.get("name", answer["name"])
            return 200, answer
        if rpc == "GetScript":
            return 200, {"name": name, "activeVersion": len(state.published.get(name, [])),
                         "latestVersion": len(state.published.get(name, [])),
                         "draftStatus": "SCRIPT_VERSION_STATUS_DRAFT", "status": "SCRIPT_STATUS_DRAFT"}  # fmt: skip
        if rpc == "SaveScriptDraft":
            with state.lock:
                state.drafts[name] = str(body.get("dslContent", ""))
            return 200, recorded("save-draft")
        if rpc == "GetDraftInfo":
            with state.lock:
                saved = state.drafts.get(name)
            if saved is None:
                return _error(404, 5, f"no draft for script '{name}'")
            info = recorded("draft-info")
            info["dslContent"] = saved
            return 200, info
        if rpc == "CompileScriptDraft":
            with state.lock:
                run = state.runs.get(name)
                if run is None:
                    return _error(404, 5, f"script '{name}' not found")
                index = run.compiles_served
                run.compiles_served += 1
            case = run.case
            if index == 0 and case.delay_first:
                run.compile_started.set()
                run.release_first.wait(case.delay_first)
            return 200, dict(case.compiles[min(index, len(case.compiles) - 1)])
        if rpc == "PublishScriptDraft":
            with state.lock:
                versions = state.published.setdefault(name, [])
                versions.append(state.drafts.get(name, ""))
                return 200, {"version": len(versions)}
        return _error(404, 5, f"not found: {rpc}")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: CloudState


@dataclass
class StandIn:
    url: str
    token: str
    state: CloudState


@contextmanager
def running_standin() -> Iterator[StandIn]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = CloudState()
    thread = threading.Thread(target=server.serve_forever, name="cloud-standin", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield StandIn(f"http://{host!s}:{port}", TOKEN, server.state)
    finally:
        server.state.load([])
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        time.sleep(0)
