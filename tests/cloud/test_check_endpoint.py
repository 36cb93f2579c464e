"""`scriptum-lsp check --endpoint URL`: the remote compile's verdict in the CLI's output formats.

Against the recorded-cloud stand-in, the same cases as the server's ring (`snapshots/check.txt`); against our
emulator, exactly what the local compiler prints, on every example, fixture and diagnostic test case.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.cloud.standin import Case, StandIn, case_names
from tests.cloud.test_cloud_ring import TIMED, assert_documented, check_snapshot
from tests.support.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
CLEAN_ENV = ("DODIL_TOKEN", "SCRIPTUM_TOKEN", "DODIL_ORG", "SCRIPTUM_ORG_NAME", "SCRIPTUM_API_ENDPOINT")


def run_check(args: list[str], home: Path, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    if token:
        env["DODIL_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "scriptum_lsp", "check", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_check_endpoint_on_recorded_cases(standin: StandIn, tmp_path: Path) -> None:
    cases = [Case.load(n) for n in case_names() if n not in TIMED]
    standin.state.load(cases)
    folder = tmp_path / "scripts"
    folder.mkdir()
    for case in cases:
        (folder / f"{case.script}.scriptum").write_bytes(case.buffer.encode("utf-8"))
    args = ["--no-snippet", "--endpoint", standin.url, "--organization", "acme", str(folder)]
    proc = run_check(args, tmp_path / "home", standin.token)
    assert proc.returncode == 1, proc.stderr
    check_snapshot("check", proc.stdout.replace(str(folder) + os.sep, ""))
    assert_documented(standin)


def test_check_endpoint_without_token_says_so(standin: StandIn, tmp_path: Path) -> None:
    """A 401 from the API is said once per file, with exit status 2; nothing is printed as a verdict."""
    standin.state.load([Case.load("seed-literal")])
    path = tmp_path / "seed-literal.scriptum"
    path.write_text(Case.load("seed-literal").buffer, encoding="utf-8")
    proc = run_check(["--endpoint", standin.url, "--organization", "acme", str(path)], tmp_path / "home")
    assert proc.returncode == 2
    assert "seed-literal.scriptum: error:" in proc.stderr
    assert "could not be compiled" in proc.stdout
    assert "ur" not in proc.stdout


def diagnostic_test_sources() -> list[str]:
    """The sources of every `check(...)` case of the diagnostics snapshot tests (scripts with errors)."""
    tree = ast.parse((ROOT / "tests/language/test_diagnostics.py").read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                out.append(textwrap.dedent(first.value).strip("\n") + "\n")
    return out


@pytest.mark.parametrize("fmt", ["text", "github", "sarif"])
def test_check_endpoint_matches_local_compiler_on_emulator(
    emulator: Emulator, org: str, tmp_path: Path, fmt: str
) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    sources = diagnostic_test_sources()
    assert len(sources) >= 30
    for i, text in enumerate(sources):
        (folder / f"diag{i:03d}.scriptum").write_text(text, encoding="utf-8")
    for path in [
        *sorted((ROOT / "examples").glob("*.scriptum")),
        *sorted((ROOT / "tests/fixtures").rglob("*.scriptum")),
    ]:
        (folder / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes())
    common = ["--format", fmt, str(folder)]
    local = run_check(common, tmp_path / "home")
    remote = run_check(
        ["--endpoint", emulator.url, "--organization", org, *common], tmp_path / "home", emulator.token
    )
    assert local.returncode == remote.returncode == 1, remote.stderr
    assert remote.stdout == local.stdout
    assert "error" in local.stdout
