"""The per-user folders of scriptum-lsp, one definition for every part (platformdirs' conventions).

* cache (versions, runs, remote drafts, drafts.json): `user_cache_dir` (`~/.cache/scriptum-lsp` on Linux,
  `~/Library/Caches/scriptum-lsp` on macOS, `%LOCALAPPDATA%\\scriptum-lsp\\Cache` on Windows);
* data of the local emulator (embedded or `scriptum-lsp emulator`): `emulator_data_dir`
  (`~/.local/share/scriptum-lsp/emulator`, `~/Library/Application Support/scriptum-lsp/emulator`,
  `%LOCALAPPDATA%\\scriptum-lsp\\emulator`).

On Linux an `environ` mapping may set `XDG_CACHE_HOME` / `XDG_DATA_HOME` explicitly (tests, and a server
started with its own environment); elsewhere platformdirs decides.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP = "scriptum-lsp"


def _xdg(environ: Mapping[str, str] | None, name: str) -> Path | None:
    if environ is None or sys.platform in ("win32", "darwin"):
        return None
    value = environ.get(name)
    return Path(value) / APP if value else None


def user_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The cache folder, created on demand (a temporary folder when it cannot be created)."""
    folder = _xdg(environ, "XDG_CACHE_HOME") or Path(platformdirs.user_cache_dir(APP, appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        uid = os.getuid() if hasattr(os, "getuid") else 0
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"{APP}-{uid}"
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def emulator_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The local emulator's data folder when `--data` / `SCRIPTUM_LSP_LOCAL_DATA` is not given."""
    base = _xdg(environ, "XDG_DATA_HOME") or Path(platformdirs.user_data_dir(APP, appauthor=False))
    return base / "emulator"
