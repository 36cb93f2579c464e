"""Benchmark the local emulator over loopback HTTP.

    .venv/bin/python bench/bench_emulator.py [--url URL --token T] [--rounds 30] [--seconds 5] [--clients 20]

Without --url it starts `python -m scriptum_lsp emulator` on a free port with a temporary data folder.
Prints: CompileScriptDraft round-trip p50/p95 for a 200-line and a 2,000-line script, and requests per second
with 20 concurrent clients (a mix of GetScript, SaveScriptDraft, GetDraftInfo and ListScripts).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def generate_script(lines: int) -> str:
    """A compiling script of about `lines` lines: echo steps and lets, then an emit."""
    head = [
        'script "Bench"',
        "Generated for bench_emulator.py.",
        "",
        "input",
        '  name : text = "bench"',
        "",
        "output",
        "  total : integer",
        "",
        "import tools",
        "  echo from native",
        "",
    ]
    body: list[str] = []
    i = 0
    while len(head) + len(body) + 4 < lines:
        body += [
            f'do "Step {i}" with echo',
            f'  message = "hello {{name}} {i}"',
            f"-> r{i}",
            f"let n{i} = {i} + 1",
        ]
        i += 1
    tail = ["", "emit", f"  total = n{i - 1}"]
    return "\n".join(head + body + tail) + "\n"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def compile_round_trips(client: httpx.AsyncClient, lines: int, rounds: int) -> tuple[float, float, int]:
    name = f"bench-{lines}-{uuid.uuid4().hex[:6]}"
    source = generate_script(lines)
    assert (await client.post("/v1/scriptum/scripts", json={"name": name})).status_code == 200
    assert (
        await client.post(f"/v1/scriptum/scripts/{name}/draft", json={"dslContent": source})
    ).status_code == 200
    first = (await client.post(f"/v1/scriptum/scripts/{name}/draft/compile", json={})).json()
    if not first["success"]:
        raise SystemExit(f"generated {lines}-line script does not compile: {first['error']}")
    times: list[float] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = await client.post(f"/v1/scriptum/scripts/{name}/draft/compile", json={})
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200
    return percentile(times, 50), percentile(times, 95), len(source.splitlines())


async def throughput(
    client_factory: type[httpx.AsyncClient], kwargs: dict[str, object], clients: int, seconds: float
) -> tuple[float, int]:
    org_client = client_factory(**kwargs)  # type: ignore[arg-type]
    names = [f"rps-{i}-{uuid.uuid4().hex[:6]}" for i in range(clients)]
    for n in names:
        await org_client.post("/v1/scriptum/scripts", json={"name": n})
    await org_client.aclose()
    deadline = time.perf_counter() + seconds
    counts = [0] * clients
    errors = [0] * clients

    async def worker(i: int) -> None:
        async with client_factory(**kwargs) as c:  # type: ignore[arg-type]
            k = 0
            while time.perf_counter() < deadline:
                op = k % 4
                if op == 0:
                    r = await c.get(f"/v1/scriptum/scripts/{names[i]}")
                elif op == 1:
                    r = await c.post(
                        f"/v1/scriptum/scripts/{names[i]}/draft", json={"dslContent": f'script "r{k}"\n'}
                    )
                elif op == 2:
                    r = await c.get(f"/v1/scriptum/scripts/{names[i]}/draft")
                else:
                    r = await c.get("/v1/scriptum/scripts", params={"pageSize": 10})
                counts[i] += 1
                errors[i] += r.status_code != 200
                k += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    elapsed = time.perf_counter() - t0
    return sum(counts) / elapsed, sum(errors)


async def main_async(args: argparse.Namespace, url: str, token: str) -> None:
    org = f"bench-{uuid.uuid4().hex[:8]}"
    kwargs: dict[str, object] = {
        "base_url": url,
        "headers": {"Authorization": f"Bearer {token}", "x-organization-name": org},
        "timeout": 60.0,
        "limits": httpx.Limits(max_connections=args.clients + 5),
    }
    async with httpx.AsyncClient(**kwargs) as client:  # type: ignore[arg-type]
        for lines in (200, 2000):
            p50, p95, actual = await compile_round_trips(client, lines, args.rounds)
            print(
                f"compile round-trip, {actual}-line script: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({args.rounds} rounds)"
            )
    rps, errors = await throughput(httpx.AsyncClient, kwargs, args.clients, args.seconds)
    print(
        f"throughput, {args.clients} concurrent clients: {rps:.0f} requests/s over {args.seconds:g}s ({errors} errors)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="an emulator that is already running (default: start one)")
    parser.add_argument("--token", default="bench-token")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=20)
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
