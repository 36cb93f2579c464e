"""`scriptum-lsp doctor` through the real CLI against the real emulator (loopback HTTP)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.editors.support import isolated_env
from tests.support.emulator import Emulator, free_port


def doctor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scriptum_lsp", "doctor", *args],
        env=isolated_env(tmp_path / "home", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_healthy_endpoint_and_accepted_token(tmp_path: Path, emulator: Emulator, org: str) -> None:
    proc = doctor(tmp_path, "--endpoint", emulator.url, "--organization", org, DODIL_TOKEN=emulator.token)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert f"endpoint       {emulator.url}  (from setting)" in out
    assert f"organization   {org}  (from setting)" in out
    assert "token          from DODIL_TOKEN  (value not shown)" in out
    assert "health         ok: SERVING, server version " in out
    assert "credentials    ok" in out
    assert emulator.token not in out + proc.stderr


def test_rejected_token_fails_without_printing_it(tmp_path: Path, emulator: Emulator, org: str) -> None:
    secret = "wrong-secret-4711"
    proc = doctor(tmp_path, "--endpoint", emulator.url, "--organization", org, SCRIPTUM_TOKEN=secret)
    assert proc.returncode == 1
    assert "token          from SCRIPTUM_TOKEN" in proc.stdout
    assert "health         ok" in proc.stdout
    assert "credentials    FAILED: ListScripts: Unauthenticated" in proc.stdout
    assert secret not in proc.stdout + proc.stderr


def test_unreachable_endpoint(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    proc = doctor(tmp_path, "--endpoint", url, "--timeout", "5", DODIL_TOKEN="t")
    assert proc.returncode == 1
    assert "health         FAILED: Unavailable" in proc.stdout
    assert "credentials" not in proc.stdout


def test_json_with_environment_and_cli_config(tmp_path: Path, emulator: Emulator, org: str) -> None:
    config_dir = tmp_path / "home" / "config" / "dodil"
    config_dir.mkdir(parents=True)
    config = config_dir / "config.json"
    config.write_text(json.dumps({"token": emulator.token, "organization": org}), encoding="utf-8")
    proc = doctor(tmp_path, "--json", SCRIPTUM_API_ENDPOINT=emulator.url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is True
    assert report["settings"]["endpoint"] == emulator.url
    assert report["settings"]["endpointSource"] == "SCRIPTUM_API_ENDPOINT"
    assert report["settings"]["tokenSource"] == f"dodil CLI config ({config})"
    assert report["settings"]["organization"] == org
    assert report["cli_config"] == str(config)
    assert report["health"]["ok"] is True and report["auth"]["ok"] is True
    assert emulator.token not in proc.stdout


def test_settings_file_as_the_editor_sends_it(tmp_path: Path, emulator: Emulator, org: str) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(
        json.dumps({"scriptum": {"endpoint": emulator.url, "organization": org}}), encoding="utf-8"
    )
    proc = doctor(
        tmp_path, "--settings", f"@{settings}", "--json", DODIL_TOKEN=emulator.token, DODIL_ORG="ignored"
    )
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, report
    assert report["settings"]["organization"] == org
    assert report["settings"]["organizationSource"] == "setting"


def test_bad_settings_argument(tmp_path: Path) -> None:
    proc = doctor(tmp_path, "--settings", "{not json")
    assert proc.returncode == 2
    assert "--settings is not valid JSON" in proc.stderr


def test_bad_endpoint_setting_is_reported(tmp_path: Path, emulator: Emulator) -> None:
    proc = doctor(tmp_path, "--settings", json.dumps({"endpoint": "http://example.com"}), "--timeout", "5")
    assert "warning        scriptum.endpoint" in proc.stdout
    assert "local (the emulator inside the server process)" in proc.stdout


def test_defaults_to_the_embedded_emulator(tmp_path: Path) -> None:
    proc = doctor(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "endpoint       local (the emulator inside the server process)  (from default)" in proc.stdout
    assert "token          none found" in proc.stdout
    assert "health         ok: SERVING" in proc.stdout
    assert "credentials    ok" in proc.stdout


def test_local_check_writes_nothing(tmp_path: Path) -> None:
    """#17: doctor on the embedded emulator must not create a database just to check health."""
    home = tmp_path / "home"
    proc = doctor(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = home / "local-emulator" / "emulator.sqlite3"
    assert f"local data     {db} (not created yet; the server creates it on first use)" in proc.stdout
    assert not (home / "local-emulator").exists()
    assert not any(p.is_file() for p in (home / "data").rglob("*"))
