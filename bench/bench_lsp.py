"""Language server benchmark, one command: `python bench/bench_lsp.py [--iterations N] [--sizes 40,400,...]`.

Against one emulator process on loopback it measures:
  1. at each document size (40, 400, 2,000 and 5,000 lines), interleaved: the raw HTTP SaveScriptDraft +
     CompileScriptDraft round trip; didChange -> publishDiagnostics through our server (debounce 0); the same
     through a bare pygls server that saves, compiles and publishes at once (bench/bare_pygls_server.py);
     the ratios (p50) ours/raw, bare/raw and ours/bare (target ours/bare <= 1.10x at every size); then a few
     edits after pauses longer than the engine's 5 s conflict-check interval (each pays its GetDraftInfo);
  2. didChange -> publishDiagnostics with the default debounce;
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
sys.path.insert(0, str(ROOT / "bench"))

from tests.support.emulator import Emulator, start_emulator  # noqa: E402

import _lsp  # noqa: E402
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


def text_for(i: int, lines: int = 52) -> str:
    """A script of `lines` lines whose one error names `nm{i}`."""
    body = "".join(f'let v{j} = "line {j} {{name}}"\n' for j in range(max(0, lines - 12)))
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


async def per_edit(
    emu: Emulator, org: str, home: Path, lines: int, n: int, paused: int, pause: float
) -> dict[str, list[float]]:
    """At one document size: raw round trip, ours (debounce 0) and the bare pygls reference, interleaved so
    each of the three sees the same load at the same moment. Then `paused` edits after `pause` seconds of
    idleness (longer than the engine's conflict-check interval) for ours and the reference."""
    ours, _ = await start2(home / "o", emu, org, diagnostics={"debounceMs": 0})
    bare, _ = await start2(home / "b", emu, org, command=_lsp.BARE_SERVER)
    out: dict[str, list[float]] = {k: [] for k in ("raw", "ours", "bare", "ours-paused", "bare-paused")}
    try:
        tag = f"s{lines}"
        sessions = {"ours": ours, "bare": bare}
        for key, sess in sessions.items():
            sess.open(f"file:///bench/{tag}{key}.scriptum", text_for(0, lines))
            await sess.wait_for(_lsp.has_marker(f"file:///bench/{tag}{key}.scriptum", 1, "'nm0'"))
        async with raw_client(emu, org) as http:
            await http.post("/v1/scriptum/scripts", json={"name": f"raw-{tag}"})
            for i in range(n + paused):
                v = i + 2
                is_paused = i >= n
                if is_paused:
                    await asyncio.sleep(pause)
                else:
                    out["raw"].append(await raw_save_compile(http, f"raw-{tag}", text_for(v, lines)))
                for key, sess in sessions.items():
                    uri = f"file:///bench/{tag}{key}.scriptum"
                    text = text_for(v, lines)
                    mark = len(sess.published)
                    t0 = time.perf_counter()
                    sess.replace_all(uri, v, text)
                    t = await sess.wait_for(_lsp.has_marker(uri, v, f"'nm{v}'"), start=mark) - t0
                    out[f"{key}-paused" if is_paused else key].append(t)
    finally:
        await _lsp.stop(ours)
        await _lsp.stop(bare)
    return out


async def start2(home: Path, emu: Emulator, org: str, command: list[str] | None = None, **extra: Any) -> Any:
    opts = {"endpoint": emu.url, "token": emu.token, "organization": org, **extra}
    return await _lsp.start(home, opts, command)


async def main_async(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-lsp-"))
    emu = start_emulator(tmp / "emu", extra_args=["--log-level", "debug"])
    try:
        org = "bench"
        n = args.iterations
        await raw_round_trip(emu, org, 5)  # warm up the emulator
        sizes = [int(x) for x in args.sizes.split(",") if x]
        per_size = {}
        for lines in sizes:
            per_size[lines] = await per_edit(emu, org, tmp / f"p{lines}", lines, n, args.paused, args.pause)
            print(f"-- {lines} lines done", flush=True)

        s, t_init, _ = await start(emu, org, tmp / "h2")
        lat_default, _ = await lsp_latency(s, "latd", max(5, n // 4))
        compiles = await burst(s, emu)
        await stop(s)
        idle, loaded = await memory_200(emu, org, tmp / "h3")

        print("== bench_lsp summary " + "=" * 60)
        print("didChange -> publishDiagnostics of that version's compile result, debounce 0; raw = the same")
        print(
            "save+compile over HTTP alone; bare = a pygls server that publishes at once (bench/bare_pygls_server.py)"
        )
        for lines in sizes:
            r = per_size[lines]
            raw50 = pct(r["raw"], 0.5)
            o50, b50 = pct(r["ours"], 0.5), pct(r["bare"], 0.5)
            ratio = o50 / b50
            print(f"  {lines:>5} lines  raw  {_lsp.ms(r['raw'])}")
            print(f"  {lines:>5} lines  ours {_lsp.ms(r['ours'])}  = {o50 / raw50:.2f}x raw")
            print(f"  {lines:>5} lines  bare {_lsp.ms(r['bare'])}  = {b50 / raw50:.2f}x raw")
            print(f"  {lines:>5} lines  ours / bare (p50) {ratio:.2f}x  (target <= 1.10x: "
                  f"{'met' if ratio <= 1.10 else 'MISSED'})")  # fmt: skip
            if r["ours-paused"]:
                print(
                    f"  {lines:>5} lines  after {args.pause:.1f} s pauses: ours {_lsp.ms(r['ours-paused'])}"
                )
                print(
                    f"  {lines:>5} lines  after {args.pause:.1f} s pauses: bare {_lsp.ms(r['bare-paused'])}"
                )
        d50 = pct(lat_default, 0.5) * 1000
        debounce = 250
        print(f"didChange->publish, debounce {debounce} ms: p50 {d50:7.1f} ms (n={len(lat_default)})")
        print(f"compile requests, burst of 50 edits: {compiles}")
        print(f"process start -> initialize response: {t_init * 1000:7.1f} ms (see bench_startup.py)")
        print(f"server RSS: idle {idle:.1f} MB; 200 open documents (all compiled) {loaded:.1f} MB"
              f"  (target <= 150 MB: {'met' if loaded <= 150 else 'MISSED'})")  # fmt: skip
        print("=" * 81)
    finally:
        emu.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--iterations", type=int, default=30, help="edits measured with debounce 0 at each size"
    )
    parser.add_argument("--sizes", default="40,400,2000,5000", help="document sizes in lines")
    parser.add_argument(
        "--paused", type=int, default=3, help="edits after a long pause at each size (0: skip)"
    )
    parser.add_argument(
        "--pause", type=float, default=5.5, help="the pause, longer than the 5 s conflict check"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
