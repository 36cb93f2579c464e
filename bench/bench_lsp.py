"""Language server benchmark, one command: `python bench/bench_lsp.py [--iterations N]`.

Against one emulator process on loopback it measures:
  1. the raw HTTP SaveScriptDraft + CompileScriptDraft round trip (httpx, keep-alive), p50/p95;
  2. didChange -> publishDiagnostics latency through the server (debounce 0, then the default debounce),
     and the overhead ratio versus (1);
  3. compile requests sent for a burst of 50 keystrokes (counted in the emulator's access log);
  4. time from process start to the `initialize` response and to `initialized`;
  5. the server's resident memory with 200 open documents.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.emulator import Emulator, start_emulator  # noqa: E402

HEAD = 'script "Bench"\n\ninput\n  name : text\n\noutput\n  greeting : text\n\n'


def text_for(i: int, lines: int = 40) -> str:
    body = "".join(f'let v{j} = "line {j} {{name}}"\n' for j in range(lines))
    return HEAD + body + f'let bad = "x {{nm{i}}}"\nemit "Done"\n  greeting = "hi {{name}}"\n'


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def raw_round_trip(emu: Emulator, org: str, n: int) -> list[float]:
    headers = emu.headers(org)
    async with httpx.AsyncClient(base_url=emu.url, headers=headers, timeout=30) as http:
        await http.post("/v1/scriptum/scripts", json={"name": "raw"})
        out = []
        for i in range(n):
            t0 = time.perf_counter()
            r1 = await http.post("/v1/scriptum/scripts/raw/draft", json={"dslContent": text_for(10_000 + i)})
            r2 = await http.post("/v1/scriptum/scripts/raw/draft/compile", json={})
            r2.json()
            out.append(time.perf_counter() - t0)
            assert r1.status_code == 200 and r2.status_code == 200
    return out


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DODIL_", "SCRIPTUM_"))}
    env.update(XDG_CONFIG_HOME=str(home / "c"), XDG_CACHE_HOME=str(home / "k"), XDG_DATA_HOME=str(home / "d"))
    return env


class Session:
    def __init__(self, client: LanguageClient, published: list[tuple[float, types.PublishDiagnosticsParams]]):
        self.client = client
        self.published = published
        self.event = asyncio.Event()


async def start(emu: Emulator, org: str, home: Path, **extra: Any) -> tuple[Session, float, float]:
    t0 = time.perf_counter()
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "scriptum_lsp"], server_env=server_env(home)
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    published: list[tuple[float, types.PublishDiagnosticsParams]] = []
    session = Session(client, published)
    fm = client.protocol.fm
    original = fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def record(params: types.PublishDiagnosticsParams) -> Any:
        published.append((time.perf_counter(), params))
        session.event.set()
        return original(params)

    fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
    opts = {"endpoint": emu.url, "token": emu.token, "organization": org, **extra}
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), initialization_options=opts
        )
    )
    t_init = time.perf_counter() - t0
    return session, t_init, t_init  # `initialized` is a notification sent right after the response


async def wait_version(s: Session, uri: str, version: int, marker: str, timeout: float = 30) -> float:
    """Time of the first publication for `version` that carries the compile result (`marker` in a message)."""
    deadline = time.perf_counter() + timeout
    while True:
        for t, p in s.published:
            if p.uri == uri and p.version == version and any(marker in d.message for d in p.diagnostics):
                return t
        s.event.clear()
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError(f"no diagnostics for version {version}")
        await asyncio.wait_for(s.event.wait(), remaining)


async def lsp_latency(
    s: Session, name: str, n: int, emu: Emulator | None = None, org: str = ""
) -> tuple[list[float], list[float]]:
    """didChange -> publish latencies, interleaved with raw HTTP round trips (same load, same moment)."""
    raw: list[float] = []
    http = httpx.AsyncClient(base_url=emu.url, headers=emu.headers(org), timeout=30) if emu else None
    if http is not None:
        await http.post("/v1/scriptum/scripts", json={"name": f"raw-{name}"})
    uri = f"file:///bench/{name}.scriptum"
    s.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="scriptum", version=1, text=text_for(0))
        )
    )
    await wait_version(s, uri, 1, "'nm0'")
    out = []
    for i in range(n):
        v = i + 2
        if http is not None:
            t0 = time.perf_counter()
            await http.post(f"/v1/scriptum/scripts/raw-{name}/draft", json={"dslContent": text_for(v)})
            (await http.post(f"/v1/scriptum/scripts/raw-{name}/draft/compile", json={})).json()
            raw.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=v),
                [types.TextDocumentContentChangeWholeDocument(text=text_for(v))],
            )
        )
        out.append(await wait_version(s, uri, v, f"'nm{v}'") - t0)
    if http is not None:
        await http.aclose()
    return out, raw


async def burst(s: Session, emu: Emulator) -> int:
    uri = "file:///bench/burst.scriptum"
    base = text_for(1)
    s.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="scriptum", version=1, text=base)
        )
    )
    await wait_version(s, uri, 1, "'nm1'")
    before = emu.log().count("/scripts/burst/draft/compile")
    last_line = len(base.split("\n")) - 1
    for i in range(50):
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=2 + i),
                [types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(last_line, i), types.Position(last_line, i)), text="x")],
            )
        )  # fmt: skip
    report = await s.client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert report is not None
    return emu.log().count("/scripts/burst/draft/compile") - before


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def memory_200(emu: Emulator, org: str, home: Path) -> tuple[float, float]:
    s, _, _ = await start(emu, org, home, diagnostics={"debounceMs": 0})
    pid = s.client._server.pid  # type: ignore[union-attr]
    idle = rss_mb(pid)
    uris = [f"file:///bench/mem/doc{i:03d}.scriptum" for i in range(200)]
    for i, uri in enumerate(uris):
        s.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="scriptum", version=1, text=text_for(i))
            )
        )
    for i, uri in enumerate(uris):
        await wait_version(s, uri, 1, f"'nm{i}'", timeout=300)
    loaded = rss_mb(pid)
    await stop(s)
    return idle, loaded


async def stop(s: Session) -> None:
    try:
        await asyncio.wait_for(s.client.shutdown_session(), 10)
    finally:
        await s.client.stop()


async def main_async(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-lsp-"))
    emu = start_emulator(tmp / "emu", extra_args=["--log-level", "debug"])
    try:
        org = "bench"
        n = args.iterations
        await raw_round_trip(emu, org, 5)  # warm up the emulator

        s, t_init, _ = await start(emu, org, tmp / "h1", diagnostics={"debounceMs": 0})
        lat0, raw = await lsp_latency(s, "lat0", n, emu, org)
        await stop(s)
        s, _, _ = await start(emu, org, tmp / "h2")
        lat_default, _ = await lsp_latency(s, "latd", max(5, n // 4))
        compiles = await burst(s, emu)
        await stop(s)
        idle, loaded = await memory_200(emu, org, tmp / "h3")

        raw50, raw95 = pct(raw, 0.5) * 1000, pct(raw, 0.95) * 1000
        l50, l95 = pct(lat0, 0.5) * 1000, pct(lat0, 0.95) * 1000
        d50 = pct(lat_default, 0.5) * 1000
        print(f"raw HTTP save+compile           p50 {raw50:7.1f} ms   p95 {raw95:7.1f} ms   (n={n})")
        print(f"didChange->publish, debounce 0  p50 {l50:7.1f} ms   p95 {l95:7.1f} ms   (n={n})")
        print(
            f"overhead ratio (p50)            {l50 / raw50:7.2f}x   (mean {statistics.mean(lat0) / statistics.mean(raw):.2f}x)"
        )
        print(
            f"didChange->publish, debounce 250 ms (default)  p50 {d50:7.1f} ms  = {(d50 - 250) / raw50:.2f}x raw + debounce"
        )
        print(f"compile requests for a burst of 50 keystrokes  {compiles}")
        print(f"process start -> initialize response            {t_init * 1000:7.1f} ms")
        print(f"server RSS idle {idle:.1f} MB; with 200 open documents (all compiled) {loaded:.1f} MB")
    finally:
        emu.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=40)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
