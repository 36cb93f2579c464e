"""Benchmark Ignite's TestDraft round trip on the local emulator over loopback HTTP.

    .venv/bin/python bench/bench_ignite.py [--url URL --token T] [--rounds 30]

Without --url it starts `python -m scriptum_lsp emulator` on a free port with a temporary data folder. A small
Python handler is saved once; each round is what `ignite.testDraft` does after its save: TestDraft, then
GetExecution until the execution ends (polled every 10 ms here, to measure the run rather than the editor's
backoff). Prints p50/p95 of the round trip, and of SaveDraft of the same app folder.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))

from bench.bench_emulator import percentile

from scriptum_lsp.engine.ignite_apps import build_archive

HANDLER = """import json


def handler(payload, ctx):
    data = json.loads(payload or b"{}")
    return {"greeting": "Hello, " + data.get("name", "world") + "!"}
"""
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED")


async def main_async(args: argparse.Namespace, url: str, token: str) -> None:
    org = f"bench-{uuid.uuid4().hex[:8]}"
    app = "greeter"
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "handler.py").write_text(HANDLER, encoding="utf-8")
        source = base64.b64encode(build_archive(Path(folder)).data).decode()
    code = {"code": {"compile": {"runtime": {"python": {}}, "sourceCode": source}}}
    headers = {"Authorization": f"Bearer {token}", "x-organization-name": org}
    base = f"/v1/ignite/app/{org}/{app}"
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60.0) as c:
        assert (await c.post(f"/v1/ignite/app/{org}", json={"name": app})).status_code == 200
        saves: list[float] = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            assert (await c.post(f"{base}/draft", json=code)).status_code == 200
            saves.append((time.perf_counter() - t0) * 1000)
        payload = base64.b64encode(b'{"name": "bench"}').decode()
        runs: list[float] = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            r = await c.post(f"{base}/draft/test", json={"payload": payload})
            eid = r.json()["executionId"]
            while True:
                e = (await c.get(f"/v1/ignite/executions/{eid}")).json()["execution"]
                if e["status"].removeprefix("EXECUTION_STATUS_") in TERMINAL:
                    break
                await asyncio.sleep(0.01)
            runs.append((time.perf_counter() - t0) * 1000)
            assert e["status"] == "EXECUTION_STATUS_SUCCEEDED", e
    print(
        f"SaveDraft, one-file app: p50 {percentile(saves, 50):.1f} ms, p95 {percentile(saves, 95):.1f} ms ({args.rounds} rounds)"
    )
    print(
        f"TestDraft round trip (start + run + GetExecution until done), small Python handler:"
        f" p50 {percentile(runs, 50):.1f} ms, p95 {percentile(runs, 95):.1f} ms ({args.rounds} rounds)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="an emulator that is already running (default: start one)")
    parser.add_argument("--token", default="bench-token")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if args.url:
        asyncio.run(main_async(args, args.url.rstrip("/"), args.token))
        return 0
    from tests.support.emulator import running_emulator

    with tempfile.TemporaryDirectory() as tmp, running_emulator(Path(tmp), token=args.token) as emu:
        print(f"emulator {emu.url} (data {tmp})")
        asyncio.run(main_async(args, emu.url, args.token))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
