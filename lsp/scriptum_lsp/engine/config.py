"""The IO half of settings: the dodil CLI config file and per-user folders."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scriptum_lsp.dirs import user_cache_dir as user_cache_dir  # the one definition

log = logging.getLogger(__name__)

CONFIG_NAMES = ("config.json", "config.yaml", "config.yml")


def dodil_config_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where `dodil login` writes its config: `$DODIL_CONFIG_DIR`, `~/.config/dodil`,
    `~/.config/unified-cli` (the name the Ignite docs use)."""
    env = os.environ if environ is None else environ
    dirs: list[Path] = []
    if env.get("DODIL_CONFIG_DIR"):
        dirs.append(Path(env["DODIL_CONFIG_DIR"]).expanduser())
    base = Path(env.get("XDG_CONFIG_HOME") or Path(env.get("HOME") or Path.home()) / ".config")
    dirs += [base / "dodil", base / "unified-cli"]
    return dirs


def load_dodil_cli_config(
    environ: Mapping[str, str] | None = None,
) -> tuple[Mapping[str, Any] | None, str | None]:
    """(contents, path) of the first dodil CLI config file found; (None, None) if there is none.

    An unreadable or malformed file is skipped (logged without its contents)."""
    for folder in dodil_config_dirs(environ):
        for name in CONFIG_NAMES:
            path = folder / name
            if not path.is_file():
                continue
            try:
                text = path.read_text(encoding="utf-8")
                data: object
                if name.endswith(".json"):
                    data = json.loads(text)
                else:
                    import yaml

                    data = yaml.safe_load(text)
            except (OSError, ValueError, ImportError) as exc:
                log.warning("cannot read %s: %s", path, type(exc).__name__)
                continue
            except Exception as exc:  # yaml errors
                log.warning("cannot parse %s: %s", path, type(exc).__name__)
                continue
            if isinstance(data, Mapping):
                return data, str(path)
    return None, None
