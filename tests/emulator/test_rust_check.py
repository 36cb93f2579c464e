"""emulator.ignite.rust_check without a real cargo: the stand-in's version, the flags cargo gets, the time
limit (the process group is killed), a failing exit, and the message when cargo is missing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from scriptum_lsp.emulator.ignite import rust_check
from scriptum_lsp.emulator.ignite.rust_check import (
    CARGO_MISSING,
    CheckResult,
    check_crate,
    registry_requirements,
    stand_in_version,
)
from tests.support.archives import tgz

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the fake cargo is a sh script")

MANIFEST = '[package]\nname = "x"\nversion = "0.1.0"\n\n[dependencies]\nignite = "0.4"\nserde_json = "1"\n'


@pytest.mark.parametrize(
    ("requirement", "version"),
    [
        ("0.3", "0.3.0"),
        ("^0.3.1", "0.3.1"),
        ("~1.2", "1.2.0"),
        ("=0.3.5", "0.3.5"),
        (">0.3.1", "0.3.2"),
        (">=0.2, <0.4", "0.2.0"),
        ("<0.4", "0.3.0"),
        ("<1", "0.0.0"),
        ("1", "1.0.0"),
        ("0.3.*", "0.3.0"),
        ("*", "0.3.0"),
    ],
)
def test_stand_in_version_meets_the_requirement(requirement: str, version: str) -> None:
    assert stand_in_version(requirement) == version


def test_registry_requirements_skip_path_git_and_follow_renames() -> None:
    manifest = {
        "dependencies": {
            "ignite": {"version": "0.3", "features": ["x"]},
            "local": {"path": "../local"},
            "sdk": {"package": "ignite-macros", "version": "0.3"},
        },
        "dev-dependencies": {"tokio": "1"},
        "target": {"cfg(unix)": {"dependencies": {"libc": {"git": "https://example.invalid/libc"}}}},
        "workspace": {"dependencies": {"serde": "1"}},
    }
    assert registry_requirements(manifest) == {
        "ignite": "0.3",
        "ignite-macros": "0.3",
        "tokio": "1",
        "serde": "1",
    }


def fake_cargo(tmp_path: Path, body: str) -> str:
    script = tmp_path / "cargo"
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(0o755)
    return str(script)


def run(source: bytes, tmp_path: Path, timeout_s: float = 30) -> tuple[CheckResult, list[str]]:
    lines: list[str] = []
    result = asyncio.run(
        check_crate(source, on_line=lines.append, timeout_s=timeout_s, cache_dir=tmp_path / "cache")
    )
    return result, lines


def test_cargo_gets_the_stand_in_through_config_patches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cargo = fake_cargo(tmp_path, 'for a in "$@"; do echo "arg $a"; done\necho "cwd $PWD"\nenv | sort\n')
    monkeypatch.setattr(rust_check, "find_cargo", lambda: cargo)
    monkeypatch.setenv("SCRIPTUM_SECRET_TOKEN", "do-not-leak")
    result, lines = run(
        tgz({"app/Cargo.toml": MANIFEST, "app/src/main.rs": "fn main() {}\n", "app/Cargo.lock": ""}), tmp_path
    )
    assert result == CheckResult(True)
    assert [line for line in lines if line.startswith("arg ")][:4] == [
        "arg check",
        "arg --offline",
        "arg --color",
        "arg never",
    ]
    sdk = tmp_path / "cache" / "sdk" / "0.4.0"
    assert f'arg patch.crates-io.ignite.path="{sdk / "ignite"}"' in lines
    assert f'arg patch.crates-io.ignite-macros.path="{sdk / "ignite-macros"}"' in lines
    assert 'version = "0.4.0"' in (sdk / "ignite" / "Cargo.toml").read_text(encoding="utf-8")
    assert (sdk / "ignite-macros" / "src" / "lib.rs").is_file()
    assert any("only the `ignite` crate" in line and "serde_json" in line for line in lines)
    assert f"CARGO_TARGET_DIR={tmp_path / 'cache' / 'target'}" in lines and "CARGO_NET_OFFLINE=true" in lines
    assert not any("SCRIPTUM_SECRET_TOKEN" in line for line in lines)
    cwd = next(line for line in lines if line.startswith("cwd "))[4:]
    assert cwd.endswith("/crate")  # the single top folder is stripped on unpack


def test_a_failing_check_reports_its_first_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cargo = fake_cargo(
        tmp_path,
        "echo 'error[E0308]: mismatched types'\necho ' --> src/main.rs:5:9'\n"
        "echo 'error: could not compile `x` (bin \"x\") due to 1 previous error'\nexit 101\n",
    )
    monkeypatch.setattr(rust_check, "find_cargo", lambda: cargo)
    result, lines = run(tgz({"Cargo.toml": MANIFEST, "src/main.rs": ""}), tmp_path)
    assert result == CheckResult(
        False, "cargo check failed: error[E0308]: mismatched types at src/main.rs:5:9"
    )
    assert " --> src/main.rs:5:9" in lines


def test_the_time_limit_kills_cargo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cargo = fake_cargo(tmp_path, "echo started\nsleep 30\necho never\n")
    monkeypatch.setattr(rust_check, "find_cargo", lambda: cargo)
    result, lines = run(tgz({"Cargo.toml": MANIFEST, "src/main.rs": ""}), tmp_path, timeout_s=0.5)
    assert result == CheckResult(False, "cargo check timed out after 0.5s")
    assert "started" in lines and "never" not in lines


def test_no_cargo_toml_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rust_check, "find_cargo", lambda: fake_cargo(tmp_path, "exit 0\n"))
    result, _ = run(tgz({"a/src/main.rs": "", "b/x.rs": ""}), tmp_path)
    assert not result.ok and "no Cargo.toml" in result.error


def test_without_cargo_the_message_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CARGO_HOME", raising=False)
    assert rust_check.find_cargo() is None
    result, lines = run(tgz({"Cargo.toml": MANIFEST}), tmp_path)
    assert result == CheckResult(False, CARGO_MISSING)
    assert "apt-get install cargo" in CARGO_MISSING and "https://rustup.rs" in CARGO_MISSING
    assert lines == [f"error: {CARGO_MISSING}"]


def test_find_cargo_looks_in_cargo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bin").mkdir()
    cargo = fake_cargo(tmp_path / "bin", "exit 0\n")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.setenv("CARGO_HOME", str(tmp_path))
    assert rust_check.find_cargo() == cargo
