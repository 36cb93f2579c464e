"""Neovim (0.7 from Debian, 0.11 from binwheels) + the plugin's Ignite commands + the real server + the real
emulator, which runs the handler: :IgniteSave, :IgniteTest, :IgnitePublish twice, :IgniteVersions and
:IgniteRollback; the emulator's state is checked over HTTP afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.editors.support import HERE, NVIM_PLUGIN, find_nvims, isolated_env, run_editor, server_cmd
from tests.support.emulator import Emulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NVIMS = find_nvims()
HANDLER = """def handler(payload, ctx):
    import json
    return {"greeting": "Hello, " + json.loads(payload)["name"] + "!"}
"""


@pytest.mark.parametrize("which", ["debian", "0.11"])
def test_nvim_ignite_commands(which: str, tmp_path: Path, emulator: Emulator, org: str) -> None:
    nvim = NVIMS[which]
    if nvim is None:
        pytest.skip(f"Neovim {which} is not installed")
    work = tmp_path / "work"
    app = work / f"nv-{which.replace('.', '')}"
    app.mkdir(parents=True)
    (work / ".git").mkdir()
    (app / "handler.py").write_text(HANDLER, encoding="utf-8")
    result_path = tmp_path / "result.json"
    env = isolated_env(
        tmp_path / "home",
        DODIL_TOKEN=emulator.token,
        SCRIPTUM_E2E_PLUGIN=str(NVIM_PLUGIN),
        SCRIPTUM_E2E_CMD=json.dumps(server_cmd()),
        SCRIPTUM_E2E_SETTINGS=json.dumps({"endpoint": emulator.url, "organization": org}),
        SCRIPTUM_E2E_RESULT=str(result_path),
    )
    run = run_editor(
        [
            nvim.path,
            "--headless",
            "-n",
            "-i",
            "NONE",
            "-u",
            str(HERE / "nvim_ignite.lua"),
            str(app / "handler.py"),
        ],
        env,
        work,
        result_path,
        timeout=240,
    )
    assert run.returncode == 0 and run.result.get("ok") is True, run.explain()
    r = run.result
    assert r["save"]["files"] == ["handler.py"]
    assert r["test"]["status"] == "SUCCEEDED" and json.loads(r["test"]["output"]) == {
        "greeting": "Hello, nvim!"
    }
    assert r["test_window"].endswith(".txt") and "status:    SUCCEEDED" in r["test_lines"]
    assert (r["publish"]["version"], r["publish2"]["version"]) == (1, 2)
    listed = next(m["items"] for m in r["menus"] if m["prompt"] == "Ignite versions")
    assert [item.split()[0] for item in listed] == ["v1", "v2"] and listed[1].endswith("(active)")
    assert r["rollback_from_menu"]["activeVersion"] == 1
    assert r["rollback"]["activeVersion"] == 2
    name = app.name
    with emulator.client(org) as http:
        code = http.get(f"/v1/ignite/app/{org}/{name}/versions").json()["versions"]
        meta = http.get(f"/v1/ignite/app/{org}/{name}").json()["app"]
    assert sorted(int(v["version"]) for v in code) == [1, 2] and meta["activeVersion"] == 2
