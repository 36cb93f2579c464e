"""Shared fixtures: a real emulator process on loopback, shared by the whole session.

Tests isolate themselves from each other with their own organization (`org` fixture) or script names,
because the emulator isolates data per organization.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cloud.standin import StandIn, running_standin
from tests.support.emulator import Emulator, running_emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    data: Path = tmp_path_factory.mktemp("emulator-data")
    with running_emulator(data) as emu:
        yield emu


@pytest.fixture
def org() -> str:
    """A fresh organization name: data in the emulator is isolated per organization."""
    return f"org-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def standin() -> Iterator[StandIn]:
    """The recorded-cloud stand-in (tests/cloud/standin.py) on loopback, fresh per test."""
    with running_standin() as s:
        yield s
