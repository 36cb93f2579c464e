"""Start-up, side by side with a bare pygls server in the same run.

    .venv/bin/python bench/bench_startup.py [--rounds 15]

Each round starts both servers, in a shuffled order, from a fresh process each time (byte-code compiled once
beforehand, as an installed package has it): the time from spawn to the `initialize` response, for ours and for
`bench/bare_pygls_server.py` (pygls + lsprotocol, nothing else). For ours also the time from spawn to the first
publishDiagnostics that carries a local diagnostic of a document opened right after `initialized` (default
settings: `local` endpoint, local diagnostics on). Medians of all rounds, not best-of.

Target (issue #14): ours <= 1.15x the bare server, first diagnostic no later than before.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _lsp import BARE_SERVER, ROOT, has_marker, start, stop

DOC = 'script "Start"\n\ninput\n  name : text\n\noutput\n  greeting : text\n\nemit "Done"\n  greeting = "hi {nm}"\n'


async def ours(home: Path) -> tuple[float, float]:
    t0 = time.perf_counter()
    s, t_init = await start(home)
    try:
        uri = "file:///bench/start.scriptum"
        s.open(uri, DOC)
        t_diag = await s.wait_for(has_marker(uri, 1, "'nm'", "scriptum-local")) - t0
    finally:
        await stop(s)
    return t_init, t_diag


async def bare(home: Path) -> float:
    s, t_init = await start(home, command=BARE_SERVER)
    await stop(s)
    return t_init


async def main_async(rounds: int) -> int:
    compileall.compile_dir(str(ROOT / "lsp"), quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="bench-start-"))
    await ours(tmp / "warm")
    await bare(tmp / "warm")
    init: list[float] = []
    diag: list[float] = []
    base: list[float] = []
    ratios: list[float] = []
    for r in range(rounds):
        order = [0, 1]
        random.shuffle(order)
        got: dict[int, float] = {}
        for which in order:
            if which == 0:
                t_init, t_diag = await ours(tmp / f"o{r}")
                init.append(t_init)
                diag.append(t_diag)
                got[0] = t_init
            else:
                got[1] = await bare(tmp / f"b{r}")
                base.append(got[1])
        ratios.append(got[0] / got[1])
    m_ours, m_bare = statistics.median(init), statistics.median(base)
    print("== bench_startup summary " + "=" * 56)
    print(f"spawn -> initialize response, ours        median {m_ours * 1000:7.1f} ms  (n={rounds})")
    print(f"spawn -> initialize response, bare pygls  median {m_bare * 1000:7.1f} ms  (n={rounds})")
    ratio = m_ours / m_bare
    verdict = "met" if ratio <= 1.15 else "MISSED"
    print(f"ratio of medians {ratio:.2f}x; median of per-round ratios {statistics.median(ratios):.2f}x"
          f"  (target <= 1.15x: {verdict})")  # fmt: skip
    print(f"spawn -> first local diagnostic, ours     median {statistics.median(diag) * 1000:7.1f} ms")
    print("=" * 81)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=15)
    return asyncio.run(main_async(ap.parse_args().rounds))


if __name__ == "__main__":
    raise SystemExit(main())
