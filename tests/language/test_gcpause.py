"""`gc_paused`: the collector is off inside, back to its previous state after (also on errors and nesting)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from scriptum_lsp.language import parse
from scriptum_lsp.language.gcpause import gc_paused


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_pause_and_resume() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # only the outermost pause resumes
    assert gc.isenabled()


def test_resumes_after_an_exception() -> None:
    gc.enable()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    with gc_paused():
        pass
    parse('script "S"\nlet x = 1\n')
    assert not gc.isenabled()


def test_parse_resumes_the_collector() -> None:
    gc.enable()
    parse('script "S"\nlet x = (1 +\n')
    assert gc.isenabled()
