"""didChange never waits for a local analysis: the local check runs a few tens of ms later (coalescing a
burst of edits into one check and one publication), and anything that asks for the diagnostics first gets
them for the current text."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scriptum_lsp.engine.documents import LOCAL_DEBOUNCE
from scriptum_lsp.engine.engine import Engine
from tests.server.test_engine import Host

URI = "file:///w/a.scriptum"
TEXT = 'script "A"\n\ninput\n  name : text\n\nlet a = "x {name}"\n'


def make(tmp_path: Path) -> tuple[Engine, Host, list[str]]:
    host = Host()
    engine = Engine(host, environ={}, cli_config_loader=lambda: (None, None), cache_dir=tmp_path)
    engine.configure({"diagnostics": {"trigger": "off"}})
    checked: list[str] = []

    def compiler(text: str) -> object:
        from scriptum_lsp.language.analysis import analyze

        checked.append(text)
        return analyze(text)

    engine.local_compiler = compiler
    return engine, host, checked


def test_a_burst_of_edits_is_checked_and_published_once(tmp_path: Path) -> None:
    async def run() -> None:
        engine, host, checked = make(tmp_path)
        engine.open(URI, 1, TEXT)
        checked.clear()
        host.published.clear()
        for v, name in enumerate(("n", "na", "nam", "nme"), start=2):
            engine.change(URI, v, TEXT.replace("{name}", "{" + name + "}"))
        assert checked == [] and host.published == []  # the handler returned without analysing
        await asyncio.sleep(LOCAL_DEBOUNCE * 4)
        assert checked == [TEXT.replace("{name}", "{nme}")]
        assert host.published == [URI]
        assert any("nme" in d.message for d in engine.diagnostics(URI))

    asyncio.run(run())


def test_diagnostics_asked_before_the_check_are_for_the_current_text(tmp_path: Path) -> None:
    async def run() -> None:
        engine, _host, checked = make(tmp_path)
        engine.open(URI, 1, TEXT)
        engine.change(URI, 2, TEXT.replace("{name}", "{nme}"))
        assert any("nme" in d.message for d in engine.diagnostics(URI))
        await asyncio.sleep(LOCAL_DEBOUNCE * 4)
        assert len(checked) == 2  # open + the one change, not again when the timer would have fired

    asyncio.run(run())
