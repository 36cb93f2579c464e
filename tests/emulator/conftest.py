"""Fixtures for the emulator's tests: an httpx client bound to a fresh organization of the shared emulator."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.emulator import Emulator

HELLO = """script "Hello"
Greets someone.

input
  name : text = "world"

output
  greeting : text

import tools
  echo from native

do "Greet" with echo
  message = "Hello, {name}!"
-> greeting

emit "Result"
  greeting = greeting.message
"""

BROKEN = """script "Broken"

input
  source : text

import tools
  http_request from native

do "fetch_data" with http_request
  ur = source
-> page

emit
  status = page.status
"""


def hello(tag: str) -> str:
    """A compiling script whose source is unique to `tag` (so tests can tell versions apart)."""
    return HELLO.replace("Greets someone.", f"Greets someone ({tag}).")


@pytest.fixture
def api(emulator: Emulator, org: str) -> Iterator[httpx.Client]:
    with emulator.client(org) as client:
        yield client


def make_script(api: httpx.Client, name: str, source: str | None = None) -> None:
    r = api.post("/v1/scriptum/scripts", json={"name": name})
    assert r.status_code == 200, r.text
    if source is not None:
        r = api.post(f"/v1/scriptum/scripts/{name}/draft", json={"dslContent": source})
        assert r.status_code == 200, r.text


def publish(api: httpx.Client, name: str, source: str) -> int:
    assert api.post(f"/v1/scriptum/scripts/{name}/draft", json={"dslContent": source}).status_code == 200
    r = api.post(f"/v1/scriptum/scripts/{name}/draft/compile", json={})
    assert r.status_code == 200 and r.json()["success"], r.text
    r = api.post(f"/v1/scriptum/scripts/{name}/draft/publish", json={})
    assert r.status_code == 200, r.text
    return int(r.json()["version"])


def assert_error(r: httpx.Response, status: int, code: int, *words: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["details"], list)
    for w in words:
        assert w.lower() in str(body["message"]).lower(), body
    return dict(body)
