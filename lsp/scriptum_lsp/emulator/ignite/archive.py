"""The saved source of a draft (`sourceCode` bytes) -> files in a folder.

The bytes are a tar.gz, a zip, or one raw file (then `handler.py` for Python, `src/lib.rs` for Rust).
Unpacking refuses absolute paths, `..`, links and devices, and stops at `MAX_UNPACKED_BYTES`."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from scriptum_lsp.emulator.errors import bad_request

MAX_SOURCE_BYTES = 8 * 1024 * 1024  # decoded sourceCode, per draft
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_FILES = 5000


class ArchiveError(ValueError):
    """The source cannot be unpacked; the message says why."""


def kind(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        return "tar.gz"
    if data[:4] == b"PK\x03\x04":
        return "zip"
    return "file"


def check_source(data: bytes) -> None:
    if len(data) > MAX_SOURCE_BYTES:
        raise bad_request(
            f"sourceCode is {len(data)} bytes; the limit is {MAX_SOURCE_BYTES} bytes",
            [("code.compile.sourceCode", "too large")],
        )


def _safe(name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts:
        raise ArchiveError(f"archive member {name!r} is outside the archive root")
    return PurePosixPath(*[part for part in p.parts if part not in ("", ".")])


def _strip_common_root(names: list[PurePosixPath]) -> int:
    """1 when every member sits in one top folder without the app's marker at the root (a folder archive)."""
    if not names or any(len(n.parts) < 2 for n in names):
        return 0
    tops = {n.parts[0] for n in names}
    return 1 if len(tops) == 1 else 0


def members(data: bytes, single_name: str) -> dict[str, bytes]:
    """relative path -> bytes of every regular file in the source."""
    found: dict[str, bytes] = {}
    total = 0

    def add(name: str, blob: bytes) -> None:
        nonlocal total
        total += len(blob)
        if total > MAX_UNPACKED_BYTES:
            raise ArchiveError(f"the source unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        if len(found) >= MAX_FILES:
            raise ArchiveError(f"the source holds more than {MAX_FILES} files")
        found[str(_safe(name))] = blob

    k = kind(data)
    try:
        if k == "tar.gz":
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                for m in tar.getmembers():
                    if m.isdir():
                        continue
                    if not m.isfile():
                        raise ArchiveError(f"archive member {m.name!r} is a link or device; not accepted")
                    if m.size + total > MAX_UNPACKED_BYTES:
                        raise ArchiveError(f"the source unpacks to more than {MAX_UNPACKED_BYTES} bytes")
                    f = tar.extractfile(m)
                    add(m.name, f.read() if f else b"")
        elif k == "zip":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist():
                    if info.is_dir():
                        continue
                    if info.file_size + total > MAX_UNPACKED_BYTES:
                        raise ArchiveError(f"the source unpacks to more than {MAX_UNPACKED_BYTES} bytes")
                    add(info.filename, z.read(info))
        else:
            add(single_name, data)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ArchiveError(f"the source is not a readable {k} archive: {exc}") from None
    paths = [PurePosixPath(n) for n in found]
    if _strip_common_root(paths) and not any(n in found for n in ("handler.py", "Cargo.toml")):
        found = {str(PurePosixPath(*PurePosixPath(n).parts[1:])): b for n, b in found.items()}
    return found


def unpack(data: bytes, folder: Path, single_name: str) -> list[str]:
    """Write the source's files below `folder`; returns their relative paths."""
    files = members(data, single_name)
    for rel, blob in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
    return sorted(files)
