"""Code lenses on the script line (placeholder until the module lands)."""

from __future__ import annotations

from typing import Any


def register(ls: Any) -> None:
    """Register the code lens provider."""
