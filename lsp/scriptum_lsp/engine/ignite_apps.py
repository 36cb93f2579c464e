"""Ignite apps on disk: which app folder holds a file (declared in `scriptum.toml`, else found by its marker
file) and the app's archive, built the way the dodil CLI builds one (docs/ignite.md): a gzip'd tar of the
folder's files at the archive root, without `.git`, `target/`, `__pycache__`, `.venv` and `node_modules`,
with the editor's unsaved buffers in place of the files on disk. The archive is deterministic: the same
files give the same bytes (and so the same `codeHash`)."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from scriptum_lsp.core.ignite import (
    IGNORED_DIRS,
    MARKERS,
    MAX_ARCHIVE_BYTES,
    AppSpec,
    declared_app_for,
    is_ignored,
    slug,
)

# how far above a file the marker search goes when there is no workspace root
MAX_UP = 4
MAX_RAW_BYTES = 64 * 1024 * 1024
MAX_FILES = 5000


class ArchiveError(ValueError):
    """An app folder that cannot be archived (too big, too many files, unreadable)."""


@dataclass(frozen=True)
class App:
    """An app with its folder on disk."""

    spec: AppSpec
    folder: Path

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def runtime(self) -> str:
        return self.spec.runtime


def runtime_of_folder(folder: Path) -> str:
    for marker, runtime in MARKERS:
        if (folder / marker).is_file():
            return runtime
    return ""


def find_app(path: Path, root: Path | None, declared: Mapping[str, AppSpec]) -> App | None:
    """The app a file (or folder) belongs to, or None when it is in no app folder."""
    path = path.resolve() if path.exists() else path
    if root is not None:
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            rel = None
        if rel is not None:
            spec = declared_app_for(rel, declared)
            if spec is not None:
                folder = root / spec.path if spec.path else root
                if not spec.runtime:
                    spec = replace(spec, runtime=runtime_of_folder(folder) or "python")
                return App(spec, folder)
    start = path if path.is_dir() else path.parent
    for i, folder in enumerate((start, *start.parents)):
        if root is None and i > MAX_UP:
            break
        runtime = runtime_of_folder(folder)
        if runtime:
            rel_folder = folder.relative_to(root).as_posix() if root and folder.is_relative_to(root) else ""
            name = slug(folder.name)
            return App(
                AppSpec(name, rel_folder if rel_folder != "." else "", runtime, declared=False), folder
            )
        if root is not None and folder == root:
            break
    return None


def all_apps(root: Path | None, declared: Mapping[str, AppSpec]) -> list[App]:
    """The declared apps, plus the folders with a marker file up to two levels below the root."""
    if root is None:
        return []
    apps = {}
    for spec in declared.values():
        folder = root / spec.path if spec.path else root
        runtime = spec.runtime or runtime_of_folder(folder) or "python"
        apps[spec.name] = App(replace(spec, runtime=runtime), folder)
    taken = {a.folder.resolve() for a in apps.values()}
    candidates = [root, *sorted(p for p in root.glob("*") if p.is_dir()), *sorted(root.glob("*/*"))]
    for folder in candidates:
        if not folder.is_dir() or folder.name in IGNORED_DIRS or folder.resolve() in taken:
            continue
        if any(part in IGNORED_DIRS for part in folder.relative_to(root).parts):
            continue
        found = find_app(folder, root, {})
        if found is not None and found.folder == folder and found.name not in apps:
            apps[found.name] = found
            taken.add(folder.resolve())
    return sorted(apps.values(), key=lambda a: a.name)


@dataclass(frozen=True)
class Archive:
    data: bytes
    files: tuple[str, ...]
    skipped: tuple[str, ...]  # symbolic links and unreadable files, left out


def _files(folder: Path) -> tuple[list[str], list[str]]:
    files: list[str] = []
    skipped: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS)
        here = Path(dirpath)
        for d in list(dirnames):
            if (here / d).is_symlink():
                dirnames.remove(d)
                skipped.append((here / d).relative_to(folder).as_posix())
        for f in sorted(filenames):
            rel = (here / f).relative_to(folder).as_posix()
            if is_ignored(rel):
                continue
            if (here / f).is_symlink():
                skipped.append(rel)
                continue
            files.append(rel)
            if len(files) > MAX_FILES:
                raise ArchiveError(f"the app folder has more than {MAX_FILES} files; nothing was uploaded")
    return sorted(files), skipped


def build_archive(folder: Path, buffers: Mapping[Path, str] | None = None) -> Archive:
    """The app folder as a deterministic tar.gz; `buffers` (absolute path -> text) replace files on disk."""
    if not folder.is_dir():
        raise ArchiveError(f"{folder} is not a folder")
    overlay = {p.resolve(): t for p, t in (buffers or {}).items()}
    names, skipped = _files(folder)
    raw = io.BytesIO()
    total = 0
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel in names:
            path = folder / rel
            text = overlay.get(path.resolve())
            try:
                blob = text.encode("utf-8") if text is not None else path.read_bytes()
                mode = 0o755 if os.access(path, os.X_OK) and text is None else 0o644
            except OSError as exc:
                skipped.append(f"{rel} ({type(exc).__name__})")
                continue
            total += len(blob)
            if total > MAX_RAW_BYTES:
                raise ArchiveError(
                    f"the app folder holds more than {MAX_RAW_BYTES // (1024 * 1024)} MiB; nothing was uploaded"
                )
            info = tarfile.TarInfo(rel)
            info.size, info.mode, info.mtime = len(blob), mode, 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(blob))
    data = gzip.compress(raw.getvalue(), compresslevel=6, mtime=0)
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveError(
            f"the app archive is {len(data) / (1024 * 1024):.1f} MiB, over the"
            f" {MAX_ARCHIVE_BYTES // (1024 * 1024)} MiB limit; nothing was uploaded (large data files do not"
            " belong in an app folder)"
        )
    return Archive(data, tuple(names), tuple(skipped))


def read_archive(data: bytes) -> dict[str, bytes]:
    """The files of an archive that GetAppCode returned (tar.gz, zip or one file), by relative path."""
    import zipfile

    out: dict[str, bytes] = {}
    if data[:2] == b"\x1f\x8b":
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for m in tar.getmembers():
                if m.isfile() and not m.name.startswith("/") and ".." not in Path(m.name).parts:
                    f = tar.extractfile(m)
                    if f is not None:
                        out[m.name.removeprefix("./")] = f.read()
    elif data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for n in z.namelist():
                if not n.endswith("/") and not n.startswith("/") and ".." not in Path(n).parts:
                    out[n] = z.read(n)
    else:
        out["handler.py"] = data
    return out
