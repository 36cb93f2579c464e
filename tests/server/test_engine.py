"""The engine's degraded modes with scripted HTTP answers (httpx.MockTransport): 429 + Retry-After, 5xx,
timeouts, malformed bodies. One message per failure class, stale diagnostics, recovery, status states."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from scriptum_lsp.api import ScriptumClient
from scriptum_lsp.engine.engine import Engine
from scriptum_lsp.engine.errors import RemoteDraftChanged
from scriptum_lsp.engine.failures import backoff_delay

TEXT = 'script "E"\n\ninput\n  name : text\n\nlet a = "x {nme}"\n'
DIAG = {
    "line": 6, "col": 9, "message": "unknown name 'nme'", "hint": "did you mean 'name'?",
    "severity": "error", "sourceLine": 'let a = "x {nme}"',
}  # fmt: skip
COMPILED = {"success": False, "diagnostics": [DIAG]}


class Host:
    def __init__(self) -> None:
        self.published: list[str] = []
        self.shown: list[tuple[str, str]] = []
        self.statuses: list[str] = []
        self.changed = asyncio.Event()

    def publish(self, uri: str) -> None:
        self.published.append(uri)
        self.changed.set()

    def show(self, level: str, message: str, actions: Any = ()) -> None:
        self.shown.append((level, message))

    def status(self, state: str, message: str) -> None:
        self.statuses.append(state)
        self.changed.set()

    def log(self, level: str, message: str) -> None:
        pass

    async def until(self, predicate: Callable[[], bool], timeout: float = 20) -> None:
        async def loop() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(loop(), timeout)


Handler = Callable[[httpx.Request], httpx.Response]


def make_engine(tmp_path: Path, handler: Handler, **settings: Any) -> tuple[Engine, Host]:
    host = Host()

    def factory(s: Any) -> ScriptumClient:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="https://api.example")
        return ScriptumClient(http, timeout=s.request_timeout)

    engine = Engine(
        host, environ={}, cli_config_loader=lambda: (None, None), cache_dir=tmp_path, client_factory=factory
    )
    engine.configure({"endpoint": "https://api.example", "token": "tok-123456", "diagnostics": {"debounceMs": 0},
                      **settings})  # fmt: skip
    return engine, host


class Script:
    """A scripted API: each call pops the next answer for its RPC (the last one repeats)."""

    def __init__(self, **answers: list[Callable[[httpx.Request], httpx.Response]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        rpc = "compile" if path.endswith("/compile") else "info" if request.method == "GET" else "save"
        self.calls.append(rpc)
        queue = self.answers.get(rpc) or [lambda r: httpx.Response(200, json={})]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request)


def ok(body: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    return lambda r: httpx.Response(200, json=body)


def status(
    code: int, grpc: int, headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda r: httpx.Response(
        code, json={"code": grpc, "message": "nope", "details": []}, headers=headers
    )


def raises(exc: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(r: httpx.Request) -> httpx.Response:
        raise exc("boom", request=r)

    return answer


def remote_messages(engine: Engine, uri: str) -> list[str]:
    return [d.message for d in engine.diagnostics(uri) if d.source == "scriptum"]


URI = "file:///w/e.scriptum"


@pytest.mark.parametrize(
    ("failure", "state", "word"),
    [
        (status(429, 8, {"Retry-After": "0"}), "rate-limited", "rate limiting"),
        (status(500, 13), "error", "server error"),
        (status(503, 14), "offline", "unreachable"),
        (raises(httpx.ReadTimeout), "offline", "timed out"),
        (raises(httpx.ConnectError), "offline", "unreachable"),
        (lambda r: httpx.Response(200, content=b'{"success": tru'), "error", "malformed"),
    ],
)
async def test_failure_keeps_stale_diagnostics_one_message_and_recovers(
    tmp_path: Path, failure: Callable[[httpx.Request], httpx.Response], state: str, word: str
) -> None:
    script = Script(info=[ok({})], save=[ok({}), failure, failure, ok({})], compile=[ok(COMPILED)])
    engine, host = make_engine(tmp_path, script)
    engine.open(URI, 1, TEXT)
    await host.until(lambda: bool(remote_messages(engine, URI)))
    engine.change(URI, 2, TEXT + "-- 2\n")
    await host.until(lambda: state in host.statuses)
    assert remote_messages(engine, URI) == [f"unknown name 'nme' (did you mean 'name'?) [stale: {state}]"]
    # the retry fails once more, then succeeds: one message for the whole episode, then ok
    await host.until(
        lambda: host.statuses[-1] == "ok" and "ok" in host.statuses[host.statuses.index(state) :]
    )
    assert len([m for _, m in host.shown if word in m]) == 1, host.shown
    assert remote_messages(engine, URI) == ["unknown name 'nme' (did you mean 'name'?)"]
    assert all("tok-123456" not in m for _, m in host.shown)
    await engine.aclose()


async def test_identical_content_is_not_sent_twice_and_stale_versions_are_dropped(tmp_path: Path) -> None:
    script = Script(info=[ok({})], save=[ok({})], compile=[ok(COMPILED)])
    engine, host = make_engine(tmp_path, script)
    engine.open(URI, 1, TEXT)
    await host.until(lambda: bool(remote_messages(engine, URI)))
    assert script.calls == ["info", "save", "compile"]
    engine.change(URI, 2, TEXT + "-- x\n")
    engine.change(URI, 3, TEXT)  # back to the saved content before the debounce fires
    await engine.wait_settled(URI, 10)
    await asyncio.sleep(0)
    assert script.calls == ["info", "save", "compile"]  # nothing new was sent
    await engine.aclose()


async def test_conflict_blocks_saves_until_forced(tmp_path: Path) -> None:
    script = Script(
        info=[ok({"dslContent": "someone else's draft\n"})], save=[ok({})], compile=[ok(COMPILED)]
    )
    engine, host = make_engine(tmp_path, script)
    engine.open(URI, 1, TEXT)
    await host.until(lambda: "conflict" in host.statuses)
    assert engine.is_conflicted(URI)
    assert "save" not in script.calls
    with pytest.raises(RemoteDraftChanged):
        await engine.save_and_compile(URI)
    outcome = await engine.overwrite_remote(URI)
    assert outcome.success is False and outcome.diagnostics == [DIAG] and outcome.version == 1
    assert script.calls.count("save") == 1
    assert not engine.is_conflicted(URI)
    await engine.aclose()


def test_backoff() -> None:
    assert [backoff_delay(a) for a in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff_delay(0, retry_after=7) == 7
    assert backoff_delay(0, retry_after=10_000) == 300


async def test_save_and_compile_sends_the_exact_buffer(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(r: httpx.Request) -> httpx.Response:
        seen.append(r)
        return httpx.Response(200, json=COMPILED if r.url.path.endswith("/compile") else {})

    engine, _ = make_engine(tmp_path, handler)
    engine.open(URI, 1, TEXT)
    outcome = await engine.save_and_compile(URI)
    assert outcome.diagnostics == [DIAG]
    saves = [r for r in seen if r.method == "POST" and r.url.path == "/v1/scriptum/scripts/e/draft"]
    assert saves and json.loads(saves[-1].read()) == {"dslContent": TEXT}
    await engine.aclose()


async def test_typing_never_cancels_a_command_run(tmp_path: Path) -> None:
    gate = asyncio.Event()
    compiling = asyncio.Event()
    calls: list[str] = []

    async def handler(r: httpx.Request) -> httpx.Response:
        calls.append(f"{r.method} {r.url.path}")
        if r.url.path.endswith("/compile"):
            compiling.set()
            await gate.wait()
            return httpx.Response(200, json=COMPILED)
        return httpx.Response(200, json={})

    engine, host = make_engine(tmp_path, handler, diagnostics={"trigger": "onSave", "debounceMs": 0})  # type: ignore[arg-type]
    engine.open(URI, 1, TEXT)
    command = asyncio.create_task(engine.save_and_compile(URI))  # replaces the pending run of the open
    await asyncio.wait_for(compiling.wait(), 10)  # the command's compile is in flight
    engine.change(URI, 2, TEXT + "-- typed\n")
    engine.saved(URI)  # schedules an automatic run for version 2 while the command waits for its compile
    await asyncio.sleep(0)
    gate.set()
    outcome = await command
    assert outcome.version == 1 and outcome.diagnostics == [DIAG]
    await host.until(lambda: calls.count("POST /v1/scriptum/scripts/e/draft/compile") == 2)  # then version 2
    await engine.aclose()
