"""Which script a file is: its file stem, unless `scriptum.toml` at the workspace root maps its path.

```toml
[scripts]
"flows/invoice.scriptum" = "invoice-parser"
```
Paths are relative to the workspace root, with `/` separators.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import PurePosixPath

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def parse_script_map(toml_text: str) -> tuple[dict[str, str], list[str]]:
    """(relative path -> script name, warnings). Never raises."""
    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"scriptum.toml: {exc}; ignored"]
    scripts = data.get("scripts", {})
    warnings: list[str] = []
    if not isinstance(scripts, Mapping):
        return {}, ['scriptum.toml: [scripts] must be a table of "path" = "script-name"; ignored']
    out: dict[str, str] = {}
    for path, name in scripts.items():
        if not isinstance(name, str) or not name.strip():
            warnings.append(f"scriptum.toml: script name for {path!r} must be a non-empty string; ignored")
            continue
        out[normalise(path)] = name.strip()
    return out, warnings


def normalise(path: str) -> str:
    p = PurePosixPath(path.replace("\\", "/"))
    parts = [part for part in p.parts if part not in (".", "")]
    return "/".join(parts)


def script_name_for(relative_path: str | None, file_name: str, mapping: Mapping[str, str]) -> str:
    """The script name of a document: the mapping for its workspace-relative path, else its stem."""
    if relative_path is not None:
        mapped = mapping.get(normalise(relative_path))
        if mapped:
            return mapped
    stem = file_name
    for suffix in (".scriptum",):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        stem = PurePosixPath(file_name).stem or file_name
    return stem
