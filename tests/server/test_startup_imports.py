"""Answering `initialize` needs neither httpx, nor the language core, nor yaml, nor the other
sub-commands: they are imported on first use (and pre-imported on a thread after `initialized`)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from scriptum_lsp import cli
cli.build_parser("serve")
from scriptum_lsp.server.app import create_language_server
create_language_server()
heavy = ["httpx", "yaml", "scriptum_lsp.language", "scriptum_lsp.emulator", "scriptum_lsp.checkcmd",
         "scriptum_lsp.debug.main", "scriptum_lsp.doctor", "scriptum_lsp.fmtcmd"]
print(",".join(m for m in heavy if m in sys.modules))
"""


def test_the_server_starts_without_the_heavy_modules() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


def test_preimport_loads_them_in_the_background() -> None:
    probe = (
        "import sys\nfrom scriptum_lsp.server import lifecycle\nlifecycle.preimport()\n"
        "import threading\n[t.join() for t in threading.enumerate() if t.name == 'scriptum-preimport']\n"
        "print('scriptum_lsp.language.analysis' in sys.modules and 'httpx' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "True"
