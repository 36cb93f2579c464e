"""Read-only documents the commands open: version sources and run results.

Two ways to show them, chosen per client:

* virtual documents (VS Code, which announces `experimental.scriptum.virtualDocuments`): the URIs
  `scriptum-version:/<script>/v<N>.scriptum` and `scriptum-run:/<threadId>.json`, whose text the extension
  asks for with the custom requests `scriptum/versionContent` and `scriptum/threadContent`;
* files under the server's cache folder (every other editor), written read-only (mode 0444) and opened
  with `window/showDocument`.

Also the two ranges the commands need in the client's position encoding: a whole document and one line.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path
from typing import cast
from urllib.parse import quote, unquote

from scriptum_lsp.core.positions import Encoding, units_len
from scriptum_lsp.core.text import split_lines

VERSION_SCHEME = "scriptum-version"
RUN_SCHEME = "scriptum-run"

_VERSION_URI = re.compile(rf"^{VERSION_SCHEME}:/*(?P<script>[^/]+)/v(?P<version>\d+)\.scriptum$")
_RUN_URI = re.compile(rf"^{RUN_SCHEME}:/*(?P<thread>[^/]+)\.json$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def version_uri(script: str, version: int) -> str:
    return f"{VERSION_SCHEME}:/{quote(script, safe='')}/v{version}.scriptum"


def parse_version_uri(uri: str) -> tuple[str, int] | None:
    m = _VERSION_URI.match(uri)
    return (unquote(m["script"]), int(m["version"])) if m else None


def run_uri(thread_id: str) -> str:
    return f"{RUN_SCHEME}:/{quote(thread_id, safe='')}.json"


def parse_run_uri(uri: str) -> str | None:
    m = _RUN_URI.match(uri)
    return unquote(m["thread"]) if m else None


def safe_name(text: str) -> str:
    """A file-name-safe spelling of a script name or thread id."""
    return _UNSAFE.sub("_", text) or "_"


def write_readonly(path: Path, text: str) -> Path:
    """Write `text` to `path` (replacing a previous read-only copy) and make it read-only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with contextlib.suppress(OSError):
            os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        path.unlink()
    path.write_text(text, encoding="utf-8", newline="")
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return path


def version_file(cache_dir: Path, organization: str, script: str, version: int) -> Path:
    return (
        cache_dir
        / "versions"
        / safe_name(organization or "default")
        / safe_name(script)
        / f"v{version}.scriptum"
    )


def run_file(cache_dir: Path, thread_id: str) -> Path:
    return cache_dir / "runs" / f"{safe_name(thread_id)}.json"


def units(text: str, encoding: str) -> int:
    """Length of `text` in the negotiated position encoding ("utf-8", "utf-16" or "utf-32")."""
    return units_len(text, cast(Encoding, encoding))


def document_end(text: str, encoding: str) -> tuple[int, int]:
    """(line, character) just after the last character."""
    lines = split_lines(text)
    return len(lines) - 1, units(lines[-1], encoding)


def line_span(text: str, line: int, encoding: str) -> tuple[int, int, int] | None:
    """(line, first non-blank character, end character) of 0-based `line`; None when out of range."""
    lines = split_lines(text)
    if not 0 <= line < len(lines):
        return None
    content = lines[line]
    indent = len(content) - len(content.lstrip())
    return line, units(content[:indent], encoding), units(content, encoding)
