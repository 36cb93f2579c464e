"""Editing latency of the local features and memory after many edits, over stdio, default `local` endpoint.

    .venv/bin/python bench/bench_edit.py [--sizes 40,400,2000,5000] [--rounds 20] [--edits 100] [--gap-ms 300]

For each document size it opens a generated script (the server's default settings: the in-process `local`
emulator, local diagnostics on, compile on type after the default debounce), then, `--rounds` times per
feature: edits one line inside one top-level step (an incremental didChange) and sends the request at once,
measuring the time to its answer: completion, hover, definition, documentSymbol, semanticTokens/full. "local
diagnostics" is didChange -> the publication that carries the local diagnostic of that edit's version. Between
rounds it waits for that publication and then `--gap-ms` (typing pauses: the save+compile of the previous edit
runs in the background as it would for a user). Medians (p50) and p95, never best-of.

Then, in a fresh server: `--edits` edits of the largest document, each waited for like above, the server
settled (pull diagnostics), and its resident memory (VmRSS) printed after 10, 50 and all edits.

Targets (issue #14, 5,000 lines): completion and hover p95 <= 50 ms, semantic tokens p95 <= 150 ms, local
diagnostics p95 <= 100 ms; RSS after 100 edits <= 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _lsp import Doc, Session, has_marker, ms, pct, rss_mb, start, stop

FEATURES = ("completion", "hover", "definition", "documentSymbol", "semanticTokens", "local diagnostics")
TARGETS = {"completion": 0.050, "hover": 0.050, "semanticTokens": 0.150, "local diagnostics": 0.100}


def request(s: Session, feature: str, uri: str, doc: Doc) -> Any:
    ident = types.TextDocumentIdentifier(uri)
    c = s.client
    if feature == "completion":
        return c.text_document_completion_async(types.CompletionParams(ident, types.Position(*doc.complete)))
    if feature == "hover":
        return c.text_document_hover_async(types.HoverParams(ident, types.Position(*doc.ref)))
    if feature == "definition":
        return c.text_document_definition_async(types.DefinitionParams(ident, types.Position(*doc.ref)))
    if feature == "documentSymbol":
        return c.text_document_document_symbol_async(types.DocumentSymbolParams(ident))
    if feature == "semanticTokens":
        return c.text_document_semantic_tokens_full_async(types.SemanticTokensParams(ident))
    raise ValueError(feature)


class Editor:
    """One open document and its probe line, edited one version at a time."""

    def __init__(self, s: Session, uri: str, doc: Doc) -> None:
        self.s, self.uri, self.doc = s, uri, doc
        self.version = 1
        self.line_len = doc.probe_line[1]

    async def open(self) -> None:
        self.s.open(self.uri, self.doc.text)
        await self.s.wait_for(has_marker(self.uri, 1, "'nm0'", "scriptum-local"))

    def edit(self) -> tuple[int, int]:
        self.version += 1
        text = self.doc.probe(self.version)
        mark = len(self.s.published)
        self.s.replace_line(self.uri, self.version, self.doc.probe_line[0], self.line_len, text)
        self.line_len = len(text)
        return self.version, mark

    async def local_published(self, version: int, mark: int) -> float:
        return await self.s.wait_for(
            has_marker(self.uri, version, f"'nm{version}'", "scriptum-local"), start=mark
        )


async def latencies(home: Path, lines: int, rounds: int, gap: float) -> dict[str, list[float]]:
    s, _ = await start(home)
    out: dict[str, list[float]] = {f: [] for f in FEATURES}
    try:
        doc = Doc(lines)
        ed = Editor(s, f"file:///bench/edit{lines}.scriptum", doc)
        await ed.open()
        for r in range(rounds * len(FEATURES)):
            feature = FEATURES[r % len(FEATURES)]
            t0 = time.perf_counter()
            version, mark = ed.edit()
            if feature == "local diagnostics":
                out[feature].append(await ed.local_published(version, mark) - t0)
            else:
                t1 = time.perf_counter()
                answer = await request(s, feature, ed.uri, doc)
                out[feature].append(time.perf_counter() - t1)
                assert answer is not None, feature
                await ed.local_published(version, mark)
            await asyncio.sleep(gap)
    finally:
        await stop(s)
    return out


async def memory(home: Path, lines: int, edits: int) -> list[tuple[int, float]]:
    s, _ = await start(home)
    out: list[tuple[int, float]] = []
    try:
        doc = Doc(lines)
        ed = Editor(s, f"file:///bench/mem{lines}.scriptum", doc)
        await ed.open()
        out.append((0, rss_mb(s.pid)))
        for i in range(1, edits + 1):
            version, mark = ed.edit()
            await ed.local_published(version, mark)
            if i in (10, 50, edits):
                # settled: the save+compile of this version has published too (a pull request here would
                # switch the server to pull mode and stop the pushes the next edits wait for)
                await s.wait_for(has_marker(ed.uri, version, f"'nm{version}'", "scriptum"), start=mark)
                out.append((i, rss_mb(s.pid)))
    finally:
        await stop(s)
    return out


async def main_async(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-edit-"))
    sizes = [int(x) for x in args.sizes.split(",") if x]
    results: dict[int, dict[str, list[float]]] = {}
    for n in sizes:
        results[n] = await latencies(tmp / f"h{n}", n, args.rounds, args.gap_ms / 1000)
        print(f"-- {n} lines done", flush=True)
    mem = await memory(tmp / "mem", max(sizes), args.edits) if args.edits else []
    print("== bench_edit summary " + "=" * 59)
    print("latency right after an edit (request sent right after the didChange)")
    for n in sizes:
        for f in FEATURES:
            target = TARGETS.get(f) if n == max(sizes) and n >= 5000 else None
            verdict = ""
            if target is not None:
                p95 = pct(results[n][f], 0.95)
                verdict = f"  target p95 <= {target * 1000:.0f} ms: {'met' if p95 <= target else 'MISSED'}"
            print(f"  {n:>5} lines  {f:<18} {ms(results[n][f])}{verdict}")
    if mem:
        print(f"server RSS, {max(sizes)}-line document, default local endpoint:")
        for i, mb in mem:
            print(f"  after {i:>3} edits: {mb:6.1f} MB")
        if max(sizes) >= 5000 and args.edits >= 100:
            print(f"  target <= 150 MB after 100 edits: {'met' if mem[-1][1] <= 150 else 'MISSED'}")
    print("=" * 81)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="40,400,2000,5000")
    ap.add_argument("--rounds", type=int, default=20, help="measurements per feature and size")
    ap.add_argument("--edits", type=int, default=100, help="edits before the memory reading (0: skip)")
    ap.add_argument("--gap-ms", type=float, default=300, help="pause between rounds")
    return asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
