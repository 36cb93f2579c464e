"""Parsing of compiler hints: "did you mean 'X'?" becomes a replacement suggestion."""

from __future__ import annotations

import re

_DID_YOU_MEAN = re.compile(
    r"""did\s+you\s+mean\s*:?\s*(?P<q>['"`‘“])(?P<name>[^'"`’”]+)(?:['"`’”])""",
    re.IGNORECASE,
)


def suggestion(hint: str | None) -> str | None:
    """The replacement a hint suggests, or None. Only the first suggestion counts."""
    if not hint:
        return None
    m = _DID_YOU_MEAN.search(hint)
    if not m:
        return None
    name = m.group("name").strip()
    return name or None
