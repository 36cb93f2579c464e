"""The IO half of settings: the dodil CLI config file, scriptum.toml script names, the cache folder."""

from __future__ import annotations

import json
from pathlib import Path

from scriptum_lsp.core.settings import resolve_settings
from scriptum_lsp.engine.config import load_dodil_cli_config, user_cache_dir
from scriptum_lsp.engine.engine import Engine


def test_cli_config_search_order(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert load_dodil_cli_config(env) == (None, None)
    unified = tmp_path / "cfg" / "unified-cli" / "config.yaml"
    unified.parent.mkdir(parents=True)
    unified.write_text("global:\n  token: from-yaml-1234\n  org: acme\n")
    data, path = load_dodil_cli_config(env)
    assert path == str(unified) and data is not None
    settings, _ = resolve_settings({}, {}, data, cli_config_path=path)
    assert settings.token == "from-yaml-1234"
    assert settings.token_source == f"dodil CLI config ({unified})"
    assert settings.organization == "acme"
    dodil = tmp_path / "cfg" / "dodil" / "config.json"
    dodil.parent.mkdir(parents=True)
    dodil.write_text(json.dumps({"token": "from-json-1234"}))
    assert load_dodil_cli_config(env)[1] == str(dodil)  # ~/.config/dodil wins over unified-cli
    explicit = tmp_path / "explicit"
    explicit.mkdir()
    (explicit / "config.json").write_text("{not json")  # malformed: skipped
    data, path = load_dodil_cli_config({**env, "DODIL_CONFIG_DIR": str(explicit)})
    assert path == str(dodil)


def test_cache_dir_is_created(tmp_path: Path) -> None:
    folder = user_cache_dir({"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert folder == tmp_path / "cache" / "scriptum-lsp" and folder.is_dir()


def test_script_names_from_stem_and_scriptum_toml(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "flows").mkdir(parents=True)
    (ws / "scriptum.toml").write_text('[scripts]\n"flows/invoice.scriptum" = "invoice-parser"\n')
    engine = Engine(environ={}, cli_config_loader=lambda: (None, None), cache_dir=tmp_path / "c")
    engine.set_workspace(str(ws))
    assert engine.script_name((ws / "flows" / "invoice.scriptum").as_uri()) == "invoice-parser"
    assert engine.script_name((ws / "flows" / "other one.scriptum").as_uri()) == "other one"
    assert engine.script_name((ws / "ticket-router.scriptum").as_uri()) == "ticket-router"
    assert engine.script_name("untitled:Untitled-1") == "Untitled-1"
