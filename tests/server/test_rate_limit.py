"""Rate limiting end to end: the emulator answers CompileScriptDraft with 429 + `Retry-After: 2` twice; the
server (real process over stdio) shows one message for the class, waits at least Retry-After before each retry
(its own backoff would retry after 0.5 s, then 1 s) and then recovers on its own."""

from __future__ import annotations

import time
from pathlib import Path

from tests.server.conftest import Start, doc_uri, open_doc, options, wait_diagnostics, wait_status
from tests.support.emulator import start_emulator

TEXT = 'script "Limited"\n\ninput\n  name : text\n\nlet a = "x {nme}"\n'
RETRY_AFTER_S = 2
FAILURES = 2


def compile_requests(log: str) -> int:
    return sum(1 for line in log.splitlines() if "/draft/compile" in line and "POST" in line)


async def test_server_honours_retry_after_then_recovers(
    start_server: Start, tmp_path: Path, org: str
) -> None:
    fault = f"CompileScriptDraft=status=429,times={FAILURES},retry-after={RETRY_AFTER_S}"
    emu = start_emulator(tmp_path / "emu", extra_args=["--fault", fault, "--log-level", "debug"])
    try:
        client = await start_server(options(emu, org, diagnostics={"debounceMs": 0}))
        uri = doc_uri(tmp_path, "limited.scriptum")
        t_open = time.monotonic()
        open_doc(client, uri, TEXT)

        limited = await wait_status(client, "rate-limited")
        assert f"retrying in {RETRY_AFTER_S}s" in limited["message"]
        diags = await wait_diagnostics(client, uri, lambda ds: any(d.source == "scriptum" for d in ds))
        elapsed = time.monotonic() - t_open
        statuses = client.statuses  # type: ignore[attr-defined]
        await wait_status(client, "ok", after=statuses.index(limited))

        # each of the two retries waited Retry-After (2 s), not the shorter own backoff (0.5 s + 1 s)
        assert elapsed >= FAILURES * RETRY_AFTER_S
        assert compile_requests(emu.log()) == FAILURES + 1  # no retry in between
        assert [d.message for d in diags if d.source == "scriptum"] == [
            "unknown name 'nme' (did you mean 'name'?)"
        ]
        assert len([m for m in client.messages if "rate limiting" in m.message]) == 1
        assert [s["state"] for s in statuses].count("rate-limited") == 1  # one status change, not one per 429
    finally:
        emu.kill()
