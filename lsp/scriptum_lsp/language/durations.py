"""Durations, one definition for the language, the runner, the API's `timeout` field and fault specs.

A duration is a number followed by a unit: `ms`, `s`, `m`, `h` or `d` (`"250ms"`, `"1.5s"`, `"5m"`, `"2h"`,
`"1d"`), with optional spaces around (see docs/language.md §11). Where a bare number is allowed (the runner's
`wait 100`, fault specs), it counts in milliseconds.
"""

from __future__ import annotations

import re

UNITS_MS: dict[str, float] = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0, "d": 86_400_000.0}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*")
EXAMPLES = '"30s", "5m" or "2h"'


def parse_ms(text: str, *, bare_ms: bool = False) -> float | None:
    """`text` in milliseconds, or None when it is not a duration (a bare number only with `bare_ms`)."""
    m = _DURATION.fullmatch(text)
    if m is None or (m.group(2) is None and not bare_ms):
        return None
    return float(m.group(1)) * UNITS_MS[m.group(2) or "ms"]


def is_duration(text: str) -> bool:
    return parse_ms(text) is not None
