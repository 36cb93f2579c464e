"""Less work per edit: a save of unchanged content sends nothing, drafts.json is written off the event loop,
once for a burst of saves."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

from scriptum_lsp.engine import persisted
from scriptum_lsp.engine.persisted import SentStore
from tests.server.test_engine import COMPILED, TEXT, URI, Script, make_engine, ok, remote_messages


async def test_a_save_of_unchanged_content_sends_no_request(tmp_path: Path) -> None:
    script = Script(info=[ok({})], save=[ok({})], compile=[ok(COMPILED)])
    engine, host = make_engine(tmp_path, script)
    engine.open(URI, 1, TEXT)
    await host.until(lambda: bool(remote_messages(engine, URI)))
    calls = list(script.calls)
    engine.saved(URI)
    await asyncio.sleep(0.1)
    assert script.calls == calls  # no GetDraftInfo, no save, no compile
    engine.change(URI, 2, TEXT + "-- 2\n")
    engine.saved(URI)  # changed since the last save: confirmed and sent
    for _ in range(250):
        if script.calls[len(calls) :] == ["info", "save", "compile"]:
            break
        await asyncio.sleep(0.02)
    assert script.calls[len(calls) :] == ["info", "save", "compile"]
    await engine.aclose()


async def test_drafts_json_is_written_once_per_burst_on_a_worker_thread(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(persisted, "FLUSH_DELAY", 0.05)
    store = SentStore(tmp_path / "drafts.json")
    writers: list[str] = []
    original = store._write_payload

    def spy(payload: str) -> None:
        writers.append(threading.current_thread().name)
        original(payload)

    store._write_payload = spy  # type: ignore[method-assign]
    for i in range(5):
        store.record("k", [f"h{i}"])
        store.flush_soon()
    await asyncio.sleep(0.3)
    assert len(writers) == 1 and writers[0] != threading.main_thread().name
    assert json.loads((tmp_path / "drafts.json").read_text()) == {"k": ["h4"]}
