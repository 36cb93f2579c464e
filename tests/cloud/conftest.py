"""The recorded-cloud ring's fixtures: the stand-in on loopback, and the real server over stdio."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cloud.standin import StandIn, running_standin
from tests.server.conftest import start_server

__all__ = ["standin", "start_server"]


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with running_standin() as s:
        yield s
