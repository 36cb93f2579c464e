"""What this editor sent, kept across restarts: per (endpoint, organization, script) the content hashes of
the last drafts it saved, so a restarted server still tells its own drafts from someone else's.

The file (`drafts.json` in the cache folder) is written after a save + compile is done, off the edit ->
diagnostics path (see docs/decisions.md), and once more on shutdown.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from pathlib import Path

MAX_SCRIPTS = 500
MAX_HASHES = 8
FLUSH_DELAY = 0.5  # seconds: saves within this share one write


class SentStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, list[str]] = self._read()
        self._dirty = False  # `entries` has changes the file does not have yet
        self._scheduled = False
        self._lock = threading.Lock()  # one writer at a time (worker threads and shutdown)

    @staticmethod
    def key(endpoint: str, organization: str | None, name: str) -> str:
        return f"{endpoint}|{organization or ''}|{name}"

    def get(self, key: str) -> list[str] | None:
        return self.entries.get(key)

    def _read(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: [h for h in v if isinstance(h, str)] for k, v in data.items() if isinstance(v, list)}

    def record(self, key: str, sent: Sequence[str]) -> None:
        """Record what we are about to send; the file is written by `flush_soon`."""
        self.entries[key] = list(sent[-MAX_HASHES:])
        if len(self.entries) > MAX_SCRIPTS:
            for k in list(self.entries)[:-MAX_SCRIPTS]:
                del self.entries[k]
        self._dirty = True

    def flush_soon(self) -> None:
        """Write the file `FLUSH_DELAY` from now, on a worker thread: the saves of a burst share one write,
        and the event loop never waits for the disk."""
        if self._dirty and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_later(FLUSH_DELAY, self._write_off_loop)

    def _write_off_loop(self) -> None:
        self._scheduled = False
        if not self._dirty:
            return
        self._dirty = False
        payload = json.dumps(self.entries)  # a snapshot, taken on the loop
        asyncio.get_running_loop().run_in_executor(None, self._write_payload, payload)

    def write(self) -> None:
        """Write now (shutdown, or a write still pending)."""
        self._scheduled = False
        if not self._dirty:
            return
        self._dirty = False
        self._write_payload(json.dumps(self.entries))

    def _write_payload(self, payload: str) -> None:
        with self._lock:
            try:
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text(payload, encoding="utf-8")
                tmp.replace(self.path)
            except OSError:
                pass
