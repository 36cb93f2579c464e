"""CompileDraft of a Rust draft in the emulator: a real `cargo check` of the saved crate, offline.

The draft's source is unpacked to a temporary folder; the `ignite` dependency (and `ignite-macros`)
resolves to the stand-in SDK shipped next to this module (`sdk/`, the documented surface only) through
`--config patch.crates-io...` flags, so nothing is downloaded. Other dependencies resolve only when they
are already in the local cargo cache. cargo's rendered output goes line by line to `on_line`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scriptum_lsp.emulator.ignite.archive import ArchiveError, kind, unpack

SDK = Path(__file__).with_name("sdk")
SDK_CRATES = ("ignite", "ignite-macros")
SDK_DEFAULT_VERSION = "0.3.0"
DEFAULT_TIMEOUT_S = 300.0
MAX_LOG_LINES = 5000
CARGO_MISSING = (
    "cargo is not installed: install Rust (apt-get install cargo, or https://rustup.rs) to compile Rust"
    " drafts in the emulator"
)
_ENV_KEEP = ("PATH", "HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "LANG", "LC_ALL", "TMPDIR")
_SINGLE_FILE_MANIFEST = """[package]
name = "app"
version = "0.1.0"
edition = "2021"

[dependencies]
ignite = "0.3"
"""
_HEADER = re.compile(r"^(error|warning)(\[\w+\])?: (.*)$")
_ARROW = re.compile(r"^\s*--> (.+):(\d+):(\d+)$")
_SUMMARIES = ("could not compile", "aborting due to")


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    error: str = ""


def find_cargo() -> str | None:
    """The cargo executable: on PATH, else in `$CARGO_HOME/bin` or `~/.cargo/bin` (rustup's default)."""
    found = shutil.which("cargo")
    if found:
        return found
    homes = [os.environ.get("CARGO_HOME", ""), str(Path.home() / ".cargo")]
    for home in filter(None, homes):
        candidate = Path(home) / "bin" / ("cargo.exe" if os.name == "nt" else "cargo")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def crate_root(folder: Path) -> Path | None:
    """The folder holding Cargo.toml: `folder` itself or its single top folder."""
    if (folder / "Cargo.toml").is_file():
        return folder
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / "Cargo.toml").is_file():
        return entries[0]
    return None


def _dependency_tables(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    tables: list[Any] = [manifest.get(k) for k in ("dependencies", "dev-dependencies", "build-dependencies")]
    workspace = manifest.get("workspace")
    if isinstance(workspace, dict):
        tables.append(workspace.get("dependencies"))
    targets = manifest.get("target")
    if isinstance(targets, dict):
        for t in targets.values():
            if isinstance(t, dict):
                tables += [t.get(k) for k in ("dependencies", "dev-dependencies", "build-dependencies")]
    return [t for t in tables if isinstance(t, dict)]


def registry_requirements(manifest: dict[str, Any]) -> dict[str, str]:
    """crate name -> version requirement of every crates.io dependency (not path, git or workspace ones)."""
    out: dict[str, str] = {}
    for table in _dependency_tables(manifest):
        for name, spec in table.items():
            if isinstance(spec, str):
                out[str(name)] = spec
            elif isinstance(spec, dict) and not {"path", "git", "workspace", "registry"} & set(spec):
                out[str(spec.get("package", name))] = str(spec.get("version", "*"))
    return out


def stand_in_version(requirement: str) -> str:
    """A version of the stand-in that meets `requirement` ("0.3" -> "0.3.0", ">0.3.1" -> "0.3.2")."""
    m = re.search(r"(>=|<=|>|<|=|\^|~)?\s*(\d+)(?:\.(\d+|\*))?(?:\.(\d+|\*))?", requirement)
    if not m:
        return SDK_DEFAULT_VERSION
    op = m.group(1) or "^"
    parts = [int(p) if p and p != "*" else 0 for p in m.group(2, 3, 4)]
    if op == ">":
        parts[2] += 1
    elif op == "<":  # below the bound: the previous minor, or 0.0.0
        parts = [parts[0], parts[1] - 1, 0] if parts[1] else [max(parts[0] - 1, 0), 0, 0]
    return ".".join(map(str, parts))


def _write_if_changed(path: Path, data: bytes) -> None:
    if not path.is_file() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def prepare_sdk(cache: Path, version: str) -> Path:
    """The stand-in crates at `version`, under `cache/sdk/<version>/` (kept, so cargo's fingerprints hold)."""
    root = cache / "sdk" / version
    for src in SDK.rglob("*"):
        if not src.is_file() or "target" in src.relative_to(SDK).parts:
            continue
        data = src.read_bytes()
        if src.name == "Cargo.toml":
            data = data.replace(
                f'version = "{SDK_DEFAULT_VERSION}"'.encode(), f'version = "{version}"'.encode()
            )
        _write_if_changed(root / src.relative_to(SDK), data)
    return root


def _environment(cargo: str, target: Path) -> dict[str, str]:
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env.setdefault("HOME", str(Path.home()))
    env["PATH"] = os.pathsep.join(filter(None, [str(Path(cargo).parent), env.get("PATH", "")]))
    env.update(
        {
            "CARGO_TARGET_DIR": str(target),
            "CARGO_NET_OFFLINE": "true",
            "CARGO_INCREMENTAL": "0",  # each check is a fresh folder: incremental data would only pile up
            "RUSTUP_AUTO_INSTALL": "0",  # a rust-toolchain.toml naming a missing toolchain must not download
            "CARGO_TERM_COLOR": "never",
            "CARGO_TERM_PROGRESS_WHEN": "never",
        }
    )
    return env


def summarize(lines: list[str]) -> str:
    """The draft's error: the first compiler error and where it is, and how many there are."""
    errors: list[str] = []
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if not m or m.group(1) != "error" or m.group(3).startswith(_SUMMARIES):
            continue
        where = ""
        for nxt in lines[i + 1 : i + 3]:
            if a := _ARROW.match(nxt):
                where = f" at {a.group(1)}:{a.group(2)}:{a.group(3)}"
                break
        errors.append(f"error{m.group(2) or ''}: {m.group(3)}{where}")
    if not errors:
        tail = [ln for ln in lines if ln.startswith("error")][-1:] or ["cargo check failed"]
        return tail[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"cargo check failed: {errors[0]}{more}"


async def check_crate(
    source: bytes,
    *,
    on_line: Callable[[str], None],
    timeout_s: float = DEFAULT_TIMEOUT_S,
    cache_dir: Path | None = None,
) -> CheckResult:
    """`cargo check` of the crate in `source` (a tar.gz, a zip or one `src/lib.rs`), offline."""
    cargo = find_cargo()
    if cargo is None:
        on_line(f"error: {CARGO_MISSING}")
        return CheckResult(False, CARGO_MISSING)
    cache = cache_dir or Path(tempfile.gettempdir()) / "scriptum-ignite-cargo"
    with tempfile.TemporaryDirectory(prefix="ignite-check-") as tmp:
        folder = Path(tmp) / "crate"
        folder.mkdir()
        if kind(source) == "file":  # one file: src/lib.rs of a crate that depends on ignite
            (folder / "src").mkdir()
            (folder / "src" / "lib.rs").write_bytes(source)
            (folder / "Cargo.toml").write_text(_SINGLE_FILE_MANIFEST, encoding="utf-8")
            files = ["Cargo.toml", "src/lib.rs"]
            on_line('note: the draft is one file, checked as src/lib.rs of a crate with ignite = "0.3"')
        else:
            try:
                files = unpack(source, folder, "src/lib.rs")
            except ArchiveError as exc:
                on_line(f"error: cannot unpack the draft: {exc}")
                return CheckResult(False, f"cannot unpack the draft: {exc}")
        root = crate_root(folder)
        if root is None:
            listed = ", ".join(files[:10]) or "nothing"
            why = f"the draft has no Cargo.toml at its root (it holds {listed})"
            on_line(f"error: {why}")
            return CheckResult(False, why)
        return await _run(cargo, root, cache, on_line, timeout_s)


def _flags(root: Path, cache: Path, on_line: Callable[[str], None]) -> list[str]:
    try:
        manifest = tomllib.loads((root / "Cargo.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        manifest = {}  # cargo reports it, with the line
    wanted = registry_requirements(manifest)
    requirement = wanted.get("ignite", wanted.get("ignite-macros", SDK_DEFAULT_VERSION))
    sdk = prepare_sdk(cache, stand_in_version(requirement))
    others = sorted(n for n in wanted if n not in SDK_CRATES)
    if others:
        on_line(
            "note: only the `ignite` crate (the emulator's stand-in for the SDK) is available offline; "
            f"{', '.join(others)} must already be in the local cargo cache"
        )
    lock = root / "Cargo.lock"
    if lock.is_file():
        lock.unlink()  # it pins ignite from crates.io; cargo locks the stand-in afresh
    flags: list[str] = []
    for name in SDK_CRATES:
        flags += ["--config", f"patch.crates-io.{name}.path={json.dumps(str(sdk / name))}"]
    return flags


async def _run(
    cargo: str, root: Path, cache: Path, on_line: Callable[[str], None], timeout_s: float
) -> CheckResult:
    flags = _flags(root, cache, on_line)
    cmd = [cargo, "check", "--offline", "--color", "never", "--message-format", "human", *flags]
    on_line("$ cargo check --offline (ignite: the emulator's stand-in SDK)")
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=str(root),
        env=_environment(cargo, cache / "target"),
        start_new_session=True,
    )
    lines: list[str] = []
    dropped = 0

    async def read() -> None:
        nonlocal dropped
        assert proc.stdout is not None
        while raw := await proc.stdout.readline():
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if len(lines) < MAX_LOG_LINES:
                lines.append(line)
                on_line(line)
            else:
                dropped += 1
        await proc.wait()

    work = asyncio.ensure_future(read())
    try:
        await asyncio.wait_for(asyncio.shield(work), timeout_s)
    except TimeoutError:
        _kill(proc)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(work, 5.0)
        why = f"cargo check timed out after {timeout_s:g}s"
        on_line(f"error: {why}")
        return CheckResult(False, why)
    except asyncio.CancelledError:
        _kill(proc)
        work.cancel()
        raise
    if dropped:
        on_line(f"[{dropped} more lines of output dropped: the log limit is {MAX_LOG_LINES} lines]")
    if proc.returncode == 0:
        return CheckResult(True)
    return CheckResult(False, summarize(lines))


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
