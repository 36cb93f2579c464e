"""Emacs 28 + eglot 1.9 (Debian's emacs-nox + elpa-eglot) + editors/emacs/scriptum-mode.el + the real
scriptum-lsp + the real emulator: diagnostics, quick fix, scriptum-publish, scriptum-test, scriptum-status."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.editors.support import (
    BROKEN_SCRIPT,
    EMACS_PLUGIN,
    FIX,
    FIXED_SCRIPT,
    HERE,
    TYPO,
    emacs_with_eglot,
    isolated_env,
    run_editor,
    server_cmd,
    typo_range,
)
from tests.support.emulator import Emulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EMACS = emacs_with_eglot()


@pytest.mark.skipif(
    EMACS is None, reason="emacs with eglot not installed (apt-get install emacs-nox elpa-eglot)"
)
def test_emacs_eglot_end_to_end(tmp_path: Path, emulator: Emulator, org: str) -> None:
    assert EMACS is not None
    work = tmp_path / "work"
    work.mkdir()
    (work / ".git").mkdir()
    path = work / "greeter.scriptum"
    path.write_text(BROKEN_SCRIPT, encoding="utf-8")
    result_path = tmp_path / "result.json"
    env = isolated_env(
        tmp_path / "home",
        DODIL_TOKEN=emulator.token,
        SCRIPTUM_E2E_PLUGIN=str(EMACS_PLUGIN),
        SCRIPTUM_E2E_CMD=json.dumps(server_cmd()),
        SCRIPTUM_E2E_SETTINGS=json.dumps({"endpoint": emulator.url, "organization": org}),
        SCRIPTUM_E2E_RESULT=str(result_path),
        SCRIPTUM_E2E_INPUT=json.dumps({"name": "emacs"}),
        SCRIPTUM_E2E_TIMEOUT_MS="60000",
    )
    run = run_editor(
        [EMACS, "--batch", "-l", str(HERE / "eglot_e2e.el"), path.name], env, work, result_path, timeout=240
    )
    result = run.result
    assert run.returncode == 0 and result.get("ok") is True, run.explain()

    assert result["major_mode"] == "scriptum-mode"
    assert result["server_class"] == "scriptum-eglot-server"
    line, col, end_line, end_col = typo_range("codepoints")  # Emacs columns are characters
    typo = [d for d in result["diagnostics"] if TYPO in d["text"]]
    assert typo, result["diagnostics"]
    assert typo[0]["start"] == [line, col] and typo[0]["end"] == [end_line, end_col]
    assert typo[0]["type"] == "eglot-error"
    # the default entry of the code-action menu is the preferred quick fix
    assert f"Replace '{TYPO}' with '{FIX}'" in result["menu"]
    assert result["fixed_text"] == FIXED_SCRIPT
    assert result["remaining_errors"] == 0

    version = int(result["publish"]["version"])
    v2 = int(result["publish2"]["version"])
    assert v2 == version + 1
    version_menu, action_menu = result["version_prompts"]
    assert [item.split()[0] for item in version_menu["items"]] == [f"v{version}", f"v{v2}"]
    assert version_menu["items"][1].endswith("(active)")
    assert set(action_menu["items"]) == {"rollback", "open", "restore"}
    assert result["rollback"]["activeVersion"] == version
    assert result["opened_version"] == {"text": result["fixed_text"], "read_only": True}
    assert result["restored_text"] == result["fixed_text"]
    assert "greeter.scriptum" in result["confirm_prompt"]  # eglot asked before applying the restore edit
    test = result["test"]
    assert test["status"] == "COMPLETED", test
    assert f"## thread {test['threadId']}  COMPLETED" in result["thread_buffer"]
    assert "Hello, emacs!" in result["thread_buffer"]
    assert result["status"]["organization"] == org
    assert result["status"]["tokenSource"] == "DODIL_TOKEN"
    assert result["mode_line"] == f"scriptum: ok ({emulator.url})"  # from scriptum/status notifications

    with emulator.client(org) as http:
        versions = http.get("/v1/scriptum/scripts/greeter/versions").json()["versions"]
        info = http.get("/v1/scriptum/scripts/greeter").json()
        code = http.get(f"/v1/scriptum/scripts/greeter/code/versions/{version}").json()
    assert [int(v["version"]) for v in versions] == [version, v2]
    assert int(info["activeVersion"]) == version
    assert code["dslContent"] == result["fixed_text"]
    assert path.read_text(encoding="utf-8") == result["fixed_text"] + "-- second version\n"


@pytest.mark.skipif(
    EMACS is None, reason="emacs with eglot not installed (apt-get install emacs-nox elpa-eglot)"
)
def test_scriptum_mode_byte_compiles_without_warnings(tmp_path: Path) -> None:
    assert EMACS is not None
    source = tmp_path / "scriptum-mode.el"
    source.write_text((EMACS_PLUGIN / "scriptum-mode.el").read_text(encoding="utf-8"), encoding="utf-8")
    proc = subprocess.run(
        [
            EMACS,
            "--batch",
            "--eval",
            "(setq byte-compile-error-on-warn t)",
            "-f",
            "batch-byte-compile",
            str(source),
        ],
        env=isolated_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "scriptum-mode.elc").is_file()
