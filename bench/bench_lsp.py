"""Language server benchmark, one command: `python bench/bench_lsp.py [--iterations N]`.

Against one emulator process on loopback it measures:
  1. the raw HTTP SaveScriptDraft + CompileScriptDraft round trip, p50/p95;
  2. didChange -> publishDiagnostics latency through the server (debounce 0, then the default debounce),
     and the overhead ratio versus (1);
  3. compile requests sent for a burst of 50 keystrokes (counted in the emulator's access log);
  4. time from process start to the `initialize` response and to `initialized`;
  5. the server's resident memory with 200 open documents.

Fair comparison for (1) vs (2): the same emulator process, the same payload (the document text of that
iteration), measured in the same moment (each raw round trip directly precedes the edit it is compared with),
and the same HTTP client: the raw client is built by the server's own factory
(`scriptum_lsp.api.transport.build_http_client`: httpx.AsyncClient, keep-alive, same headers and hooks) and
decodes both JSON answers, as the server does. What the ratio then shows is the language server's own cost:
JSON-RPC over stdio both ways, the engine, and the diagnostics conversion (plus this client's decoding).

The client answers every server request (`client/registerCapability`, refreshes) and accepts every server
notification (`scriptum/status`, ...), so the output holds only the numbers.
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

from scriptum_lsp.api.transport import build_http_client  # noqa: E402

# server -> client traffic a real editor handles and pytest-lsp's client does not
SERVER_REQUESTS = (
    types.CLIENT_REGISTER_CAPABILITY,
    types.CLIENT_UNREGISTER_CAPABILITY,
    types.WORKSPACE_CODE_LENS_REFRESH,
    types.WORKSPACE_SEMANTIC_TOKENS_REFRESH,
    types.WORKSPACE_INLAY_HINT_REFRESH,
    types.WORKSPACE_INLINE_VALUE_REFRESH,
)
SERVER_NOTIFICATIONS = ("scriptum/status", "scriptum/threadFinished", "scriptum/versionContent",
                        "scriptum/threadContent")  # fmt: skip

HEAD = 'script "Bench"\n\ninput\n  name : text\n\noutput\n  greeting : text\n\n'


def text_for(i: int, lines: int = 40) -> str:
    body = "".join(f'let v{j} = "line {j} {{name}}"\n' for j in range(lines))
    return HEAD + body + f'let bad = "x {{nm{i}}}"\nemit "Done"\n  greeting = "hi {{name}}"\n'


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def raw_client(emu: Emulator, org: str) -> httpx.AsyncClient:
    """The server's own HTTP client factory (see the module docstring)."""
    return build_http_client(emu.url, token=emu.token, organization=org, timeout=30)


async def raw_save_compile(http: httpx.AsyncClient, script: str, text: str) -> float:
    t0 = time.perf_counter()
    r1 = await http.post(f"/v1/scriptum/scripts/{script}/draft", json={"dslContent": text})
    r1.json()
    r2 = await http.post(f"/v1/scriptum/scripts/{script}/draft/compile", json={})
    r2.json()
    elapsed = time.perf_counter() - t0
    assert r1.status_code == 200 and r2.status_code == 200, (r1.text, r2.text)
    return elapsed


async def raw_round_trip(emu: Emulator, org: str, n: int) -> list[float]:
    async with raw_client(emu, org) as http:
        await http.post("/v1/scriptum/scripts", json={"name": "raw"})
        return [await raw_save_compile(http, "raw", text_for(10_000 + i)) for i in range(n)]


def quiet(client: LanguageClient) -> None:
    """Answer the server's requests and accept its notifications like an editor would."""
    for method in SERVER_REQUESTS:
        if method not in client.protocol.fm.features:
            client.feature(method)(lambda *_args: None)
    for method in SERVER_NOTIFICATIONS:
        if method not in client.protocol.fm.features:
            client.feature(method)(lambda *_args: None)


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
    quiet(client)
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


async def wait_version(
    s: Session, uri: str, version: int, marker: str, timeout: float = 30, start: int = 0
) -> float:
    """Arrival time of the first publication (from index `start` on) for `version` that carries the compile
    result (`marker` in a message). Each publication is looked at once, so waiting costs the same at the
    first and at the last iteration."""
    deadline = time.perf_counter() + timeout
    while True:
        for t, p in s.published[start:]:
            if p.uri == uri and p.version == version and any(marker in d.message for d in p.diagnostics):
                return t
        start = len(s.published)
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
    http = raw_client(emu, org) if emu else None
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
            raw.append(await raw_save_compile(http, f"raw-{name}", text_for(v)))  # this edit's payload
        text = text_for(v)  # built before the clock starts, as for the raw round trip
        mark = len(s.published)
        t0 = time.perf_counter()
        s.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=v),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        out.append(await wait_version(s, uri, v, f"'nm{v}'", start=mark) - t0)
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
        await s.client.stop()  # type: ignore[no-untyped-call]


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
        debounce = 250
        rows = [
            ("raw HTTP save+compile", f"p50 {raw50:7.1f} ms   p95 {raw95:7.1f} ms   (n={n})"),
            ("didChange->publish, debounce 0", f"p50 {l50:7.1f} ms   p95 {l95:7.1f} ms   (n={n})"),
            ("overhead ratio (p50, debounce 0)",
             f"{l50 / raw50:7.2f}x   (mean {statistics.mean(lat0) / statistics.mean(raw):.2f}x; target <= 1.15x)"),
            (f"didChange->publish, debounce {debounce} ms",
             f"p50 {d50:7.1f} ms   = {(d50 - debounce) / raw50:.2f}x raw + debounce   (n={len(lat_default)})"),
            ("compile requests, burst of 50 edits", f"{compiles}"),
            ("process start -> initialize response", f"{t_init * 1000:7.1f} ms"),
            ("server RSS", f"idle {idle:.1f} MB; 200 open documents (all compiled) {loaded:.1f} MB"),
        ]  # fmt: skip
        width = max(len(label) for label, _ in rows)
        print("== bench_lsp summary " + "=" * 60)
        for label, value in rows:
            print(f"{label:<{width}}  {value}")
        print("=" * 81)
    finally:
        emu.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--iterations", type=int, default=100, help="edits measured with debounce 0 (default 100, ~3 s)"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
