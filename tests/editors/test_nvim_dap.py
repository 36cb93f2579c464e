"""nvim-dap (Neovim 0.11) against `scriptum-lsp debug`, headless: a breakpoint, the bindings, a step over, the
end. nvim-dap is neither in Debian nor on PyPI or npm, so CI cannot install it: the test runs where
NVIM_DAP_DIR names a checkout (https://github.com/mfussenegger/nvim-dap) and says so otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """script "Orders"

input
  orders : list<integer>

let count_orders = count(orders)
each amount, i in orders
  let doubled = amount * 2
emit "Done"
  orders = count_orders
"""

pytestmark = pytest.mark.e2e


def nvim_011() -> str | None:
    exe = Path(sys.executable).parent / "nvim"
    return str(exe) if exe.exists() else shutil.which("nvim")


@pytest.mark.skipif(
    not os.environ.get("NVIM_DAP_DIR"),
    reason="nvim-dap is not installable here (not in Debian, PyPI or npm); set NVIM_DAP_DIR to a checkout",
)
def test_nvim_dap_breakpoint_variables_step_and_end(tmp_path: Path) -> None:
    script = tmp_path / "orders.scriptum"
    script.write_text(SCRIPT, encoding="utf-8")
    (tmp_path / "orders.input.json").write_text('{"orders": [5, 7]}', encoding="utf-8")
    out = tmp_path / "out.txt"
    exe = Path(sys.executable).parent / "scriptum-lsp"
    env = {
        **os.environ,
        "SCRIPTUM_NVIM_PLUGIN": str(ROOT / "editors" / "nvim"),
        "SCRIPTUM_LSP": str(exe),
        "SCRIPT": str(script),
        "OUT": str(out),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    nvim = nvim_011()
    assert nvim
    subprocess.run(
        [nvim, "--headless", "--clean", "-c", f"luafile {ROOT / 'tests/editors/nvim_dap_probe.lua'}"],
        env=env,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "stop 1 breakpoint line=8 name=let doubled", lines
    assert "var amount=5" in lines and "var count_orders=2" in lines
    assert "stop 2 step line=8 name=let doubled" in lines
    assert "var amount=7" in lines
    assert lines[-1] == "terminated"
