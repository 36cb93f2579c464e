"""Degraded modes: one message per failure class, status states, retry backoff."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from scriptum_lsp.api.errors import ApiError

# failure class -> (status state, user message)
STATES: dict[str, tuple[str, str]] = {
    "unavailable": ("offline", "Scriptum endpoint {endpoint} is unreachable; showing the last diagnostics (stale) "
                    "and retrying."),
    "timeout": ("offline", "Scriptum endpoint {endpoint} timed out; showing the last diagnostics (stale) and retrying."),
    "auth": ("unauthorized", "Scriptum rejected the credentials ({detail}). Set `scriptum.token`, DODIL_TOKEN or run "
             "`dodil login`; the server picks up a new token without a restart."),
    "rate-limited": ("rate-limited", "Scriptum is rate limiting requests; retrying in {retry:.0f}s."),
    "server-error": ("error", "Scriptum returned a server error ({detail}); retrying."),
    "bad-response": ("error", "Scriptum sent a malformed response ({detail}); retrying."),
    "unimplemented": ("error", "The endpoint does not implement a call the server needs ({detail})."),
    "error": ("error", "Scriptum request failed: {detail}"),
}  # fmt: skip

RETRYABLE = frozenset({"unavailable", "timeout", "rate-limited", "server-error", "bad-response"})
BACKOFF_BASE = 0.5
BACKOFF_MAX = 30.0
MESSAGE_MIN_INTERVAL = 30.0


def failure_kind(exc: ApiError) -> str:
    kind = exc.kind
    return kind if kind in STATES else "error"


def backoff_delay(attempt: int, retry_after: float | None = None) -> float:
    """0.5 s, 1 s, 2 s, ... capped at 30 s; a server's Retry-After wins if longer."""
    delay: float = min(BACKOFF_MAX, BACKOFF_BASE * (2.0 ** max(0, attempt)))
    if retry_after is not None:
        delay = max(delay, min(retry_after, 300.0))
    return delay


@dataclass
class FailureTracker:
    """Decides when to tell the user about a failure: once per class while it lasts; a class that
    flaps (fails again within MESSAGE_MIN_INTERVAL after a recovery) is not announced again."""

    active: set[str] = field(default_factory=set)
    last_shown: dict[str, float] = field(default_factory=dict)

    def should_show(self, kind: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if kind in self.active:
            return False
        self.active.add(kind)
        last = self.last_shown.get(kind)
        if last is not None and now - last < MESSAGE_MIN_INTERVAL:
            return False
        self.last_shown[kind] = now
        return True

    def recovered(self) -> bool:
        """Record a success; True if something was failing before."""
        was = bool(self.active)
        self.active.clear()
        return was
