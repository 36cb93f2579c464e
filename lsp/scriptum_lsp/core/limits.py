"""Size limits that keep the server responsive on huge buffers (one place, documented in docs/settings.md)."""

from __future__ import annotations

# Documents longer than this (in characters) are "large": the server does not save them to the draft on
# every keystroke and runs no local analysis on them (parse+check of ~500k characters takes seconds of CPU,
# which would stall every other request). Explicit commands (publish, test, compile) still send them.
LARGE_DOCUMENT_CHARS = 500_000


def is_large(text: str) -> bool:
    return len(text) > LARGE_DOCUMENT_CHARS


def large_document_message(text: str) -> str:
    size_kb = len(text.encode("utf-8", "surrogatepass")) // 1024
    return (
        f"This file is large ({size_kb} KiB, {len(text):,} characters; the limit is "
        f"{LARGE_DOCUMENT_CHARS:,}): live save+compile and local checks are off for it, so the editor stays "
        "responsive. Run the 'scriptum.compile' command (or `scriptum-lsp check FILE`) to compile it on demand."
    )
