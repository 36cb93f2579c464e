"""workspace/executeCommand handlers (placeholder until the commands module lands)."""

from __future__ import annotations

from typing import Any


def register(ls: Any) -> None:
    """Register every `scriptum.*` command on the language server."""
