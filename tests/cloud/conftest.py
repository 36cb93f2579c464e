"""The recorded-cloud ring's fixtures: the real server over stdio (the stand-in is in tests/conftest.py)."""

from __future__ import annotations

from tests.server.conftest import start_server

__all__ = ["start_server"]
