"""Fault injection (start-up flags and the admin route) over real HTTP, and the app in-process without lifespan."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scriptum_lsp.emulator import create_app
from scriptum_lsp.emulator.errors import Code
from scriptum_lsp.emulator.faults import FaultSpecError, parse_rule
from tests.emulator.conftest import assert_error, hello
from tests.support.emulator import Emulator, running_emulator


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    args = [
        "--fault", "GetScript=error=503,message=try later",
        "--fault", "ListTools=error=RESOURCE_EXHAUSTED",
        "--fault", "/v1/scriptum/scripts/*/versions=latency=300ms",
        "--fault", "SaveScriptDraft=drop=after,times=1",
        "--fault", "GetDraftInfo=malformed,times=1",
        "--fault", "DeleteScript=drop",
        "--admin",
    ]  # fmt: skip
    with running_emulator(tmp_path_factory.mktemp("faulty"), extra_args=args) as emu:
        yield emu


def test_injected_errors_statuses_latency_drops_and_bad_bodies(faulty: Emulator) -> None:
    with faulty.client("o") as c:
        assert c.post("/v1/scriptum/scripts", json={"name": "f"}).status_code == 200
        assert_error(c.get("/v1/scriptum/scripts/f"), 503, int(Code.UNAVAILABLE), "try later")
        assert_error(c.get("/v1/scriptum/tools"), 429, int(Code.RESOURCE_EXHAUSTED))
        t0 = time.monotonic()
        assert c.get("/v1/scriptum/scripts/f/versions").status_code == 200
        assert time.monotonic() - t0 >= 0.3
        # drop=after: the connection breaks, but the draft was saved
        with pytest.raises(httpx.TransportError):
            c.post("/v1/scriptum/scripts/f/draft", json={"dslContent": hello("dropped")})
        # malformed, once: a 200 whose body is not JSON; the next call is clean
        bad = c.get("/v1/scriptum/scripts/f/draft")
        assert bad.status_code == 200
        with pytest.raises(ValueError):
            bad.json()
        assert c.get("/v1/scriptum/scripts/f/draft").json()["dslContent"] == hello("dropped")
        # drop (before): the request never runs
        with pytest.raises(httpx.TransportError):
            c.delete("/v1/scriptum/scripts/f")
        assert c.get("/v1/scriptum/scripts/f/versions").status_code == 200


def test_admin_route_changes_faults_at_run_time(faulty: Emulator) -> None:
    with faulty.client("o2") as c:
        assert c.get("/v1/scriptum/scripts").status_code == 200
        r = c.post("/v1/scriptum/admin/faults", json={"faults": ["ListScripts=error=500,times=2"]})
        assert r.status_code == 200 and any(f["route"] == "ListScripts" for f in r.json()["faults"])
        assert_error(c.get("/v1/scriptum/scripts"), 500, int(Code.INTERNAL))
        assert_error(c.get("/v1/scriptum/scripts"), 500, int(Code.INTERNAL))
        assert c.get("/v1/scriptum/scripts").status_code == 200
        assert_error(c.put("/v1/scriptum/admin/faults", json={"faults": ["x=bogus"]}), 400, 3, "bogus")
        assert c.delete("/v1/scriptum/admin/faults").json() == {"faults": []}
        assert c.get("/v1/scriptum/scripts/f-none").status_code == 404  # GetScript's 503 rule is gone
    assert httpx.get(faulty.url + "/v1/scriptum/admin/faults").status_code == 401


def test_wildcards_spare_health_and_admin(tmp_path: Path) -> None:
    args = ["--fault", "*=error=503", "--admin"]
    with running_emulator(tmp_path, extra_args=args) as emu, emu.client("o") as c:  # became healthy
        assert_error(c.get("/v1/scriptum/scripts"), 503, int(Code.UNAVAILABLE))
        assert_error(c.get("/v1/scriptum/templates"), 503, int(Code.UNAVAILABLE))
        assert (
            c.put("/v1/scriptum/admin/faults", json={"faults": ["HealthCheck=error=500"]}).status_code == 200
        )
        assert_error(c.get("/v1/scriptum/health"), 500, int(Code.INTERNAL))
        assert c.get("/v1/scriptum/scripts").status_code == 200


def test_admin_route_is_off_by_default(emulator: Emulator) -> None:
    with emulator.client("o") as c:
        assert_error(c.get("/v1/scriptum/admin/faults"), 404, 5)


def test_bad_fault_flag_stops_start_up(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError, match="unknown fault option"),
        running_emulator(tmp_path, extra_args=["--fault", "GetScript=explode"], startup_timeout=10),
    ):
        pass


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GetScript=latency=200ms", {"route": "GetScript", "latency_ms": (200, 200)}),
        ("*=latency=1-2s,rate=50%", {"route": "*", "latency_ms": (1000, 2000), "rate": 0.5}),
        ("/v1/*=error=404", {"http_status": 404, "error_code": Code.NOT_FOUND}),
        ("X=error=unavailable,times=3", {"http_status": 503, "times": 3}),
        ("X=error=412", {"http_status": 412, "error_code": Code.FAILED_PRECONDITION}),
        ("X=drop=after,malformed", {"drop": "after", "malformed": True}),
    ],
)
def test_parse_rule(text: str, expected: dict[str, object]) -> None:
    rule = parse_rule(text)
    for k, v in expected.items():
        assert getattr(rule, k) == v


@pytest.mark.parametrize(
    "text",
    [
        "GetScript",
        "=latency=1ms",
        "X=latency=fast",
        "X=rate=2",
        "X=error=200",
        "X=error=NOPE",
        "X=drop=later",
    ],
)
def test_parse_rule_rejects(text: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_rule(text)


async def test_in_process_without_lifespan(tmp_path: Path) -> None:
    """The language server's `local` endpoint: httpx.ASGITransport sends no lifespan events."""
    app = create_app(str(tmp_path / "data"), None)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": "Bearer anything"}
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator", headers=headers) as c:
        assert (await c.get("/v1/scriptum/health")).status_code == 200
        assert (await c.post("/v1/scriptum/scripts", json={"name": "ip"})).status_code == 200
        await c.post("/v1/scriptum/scripts/ip/draft", json={"dslContent": hello("ip")})
        assert (await c.post("/v1/scriptum/scripts/ip/draft/compile", json={})).json()["success"]
        tid = (await c.post("/v1/scriptum/scripts/ip/draft/test", json={})).json()["threadId"]
        lines = []
        async with c.stream("GET", f"/v1/scriptum/threads/{tid}/watch") as r:
            async for line in r.aiter_lines():
                if line:
                    lines.append(line)
        assert '"THREAD_STATUS_COMPLETED"' in lines[-1]
        no_auth = await c.get("/v1/scriptum/scripts", headers={"Authorization": ""})
        assert no_auth.status_code == 401
    await app.state.emulator.aclose()
    assert (tmp_path / "data" / "emulator.sqlite3").exists()
    # a new app on the same folder sees the data
    app2 = create_app(str(tmp_path / "data"), "tok")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app2), base_url="http://e") as c:
        r = await c.get("/v1/scriptum/scripts/ip", headers={"Authorization": "Bearer tok"})
        assert r.status_code == 200 and r.json()["name"] == "ip"
        assert (
            await c.get("/v1/scriptum/scripts/ip", headers={"Authorization": "Bearer other"})
        ).status_code == 401
    await app2.state.emulator.aclose()


async def test_memory_store_keeps_nothing() -> None:
    for _ in range(2):
        app = create_app(":memory:")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e") as c:
            h = {"Authorization": "Bearer x"}
            assert (await c.get("/v1/scriptum/scripts", headers=h)).json()["scripts"] == []
            assert (await c.post("/v1/scriptum/scripts", json={"name": "m"}, headers=h)).status_code == 200
        await app.state.emulator.aclose()
