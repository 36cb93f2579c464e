"""Show the remote draft of a script: written under the cache folder and opened with showDocument."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from scriptum_lsp.server.app import ScriptumLanguageServer


async def show_remote_draft(ls: ScriptumLanguageServer, uri: str) -> str:
    """Write the remote draft to `<cache>/remote-drafts/<script>.remote.scriptum`; returns its URI."""
    text = await ls.engine.open_remote_draft(uri)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", ls.engine.script_name(uri)) or "script"
    folder = ls.engine.cache_dir / "remote-drafts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.remote.scriptum"
    path.write_text(text, encoding="utf-8")
    target = path.as_uri()
    with contextlib.suppress(Exception):
        await ls.window_show_document_async(types.ShowDocumentParams(uri=target, take_focus=True))
    return target
