"""Neovim headless + the editors/nvim plugin + the real server, against the recorded-cloud stand-in: the seed's
literal CompileScriptDraft body gives one error on exactly `ur` (line 12), and its quick fix, applied through
vim.lsp.buf.code_action(), replaces `ur` alone with `url`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cloud.standin import Case, StandIn
from tests.editors.support import HERE, NVIM_PLUGIN, find_nvims, isolated_env, run_editor, server_cmd

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.parametrize("which", ["debian", "0.11"])
def test_nvim_shows_the_seed_diagnostic_and_fixes_only_ur(
    standin: StandIn, tmp_path: Path, which: str
) -> None:
    nvim = find_nvims()[which]
    if nvim is None:
        pytest.skip(f"Neovim {which} is not installed")
    case = Case.load("seed-literal")
    standin.state.load([case])
    work = tmp_path / "work"
    work.mkdir()
    (work / ".git").mkdir()
    path = work / f"{case.script}.scriptum"
    path.write_text(case.buffer, encoding="utf-8")
    result_path = tmp_path / "result.json"
    settings = {"endpoint": standin.url, "organization": "acme", "localDiagnostics": False}
    env = isolated_env(
        tmp_path / "home",
        DODIL_TOKEN=standin.token,
        SCRIPTUM_E2E_PLUGIN=str(NVIM_PLUGIN),
        SCRIPTUM_E2E_CMD=json.dumps(server_cmd()),
        SCRIPTUM_E2E_SETTINGS=json.dumps(settings),
        SCRIPTUM_E2E_RESULT=str(result_path),
        SCRIPTUM_E2E_TIMEOUT_MS="60000",
    )
    argv = [nvim.path, "--headless", "-n", "-i", "NONE", "-u", str(HERE / "nvim_cloud_seed.lua"), path.name]
    run = run_editor(argv, env, work, result_path, timeout=180)
    assert run.returncode == 0 and run.result.get("ok") is True, run.explain()
    r = run.result
    line = case.buffer.splitlines()[11]
    start = line.index("ur:")
    (d,) = [d for d in r["diagnostics"] if d["source"] == "scriptum"]
    assert (d["lnum"], d["col"], d["end_lnum"], d["end_col"]) == (11, start, 11, start + 2)  # bytes: ASCII
    assert d["severity"] == 1
    assert d["message"] == "unknown field 'ur' on http_request input (did you mean 'url'?)"
    assert r["quickfix"] == "Replace 'ur' with 'url'"
    assert r["line_before"] == line
    assert r["line_after"] == line.replace("(ur:", "(url:")
    assert r["other_lines_unchanged"] is True
    assert standin.state.rpcs(case.script)[-1] == "CompileScriptDraft"
