"""App archives for the Ignite tests: a tar.gz of {relative path: text}, as a draft's `sourceCode` carries."""

from __future__ import annotations

import io
import tarfile


def tgz(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
