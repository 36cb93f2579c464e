"""Run every benchmark in this folder, one after the other, and print their numbers.

.venv/bin/python bench/run_all.py                 # all (about 15 minutes on 2 busy cores)
.venv/bin/python bench/run_all.py language        # only bench_language.py
.venv/bin/python bench/run_all.py edit startup    # a subset: bench_edit.py and bench_startup.py
.venv/bin/python bench/run_all.py --quick         # all, with few rounds (a smoke run, numbers are rough)

bench_edit: local-feature latency right after an edit, 40..5,000 lines, and RSS after 100 edits;
bench_startup: start-up side by side with a bare pygls server; bench_lsp: per-edit overhead against the raw
round trip and a bare pygls server at four sizes; bench_language / bench_runner / bench_emulator: throughput;
bench_ignite: the TestDraft round trip of a small Python handler.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {
    "edit": ["--rounds", "3", "--edits", "20"],
    "startup": ["--rounds", "3"],
    "lsp": ["--iterations", "5", "--paused", "1"],
    "language": ["--repeat", "2"],
    "ignite": ["--rounds", "5"],
}


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = {a for a in argv if not a.startswith("--")}
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"\n=== {script.name}", flush=True)
        start = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script), *(QUICK.get(name, []) if quick else [])])
        print(f"=== {script.name}: exit {rc} in {time.perf_counter() - start:.1f}s", flush=True)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
