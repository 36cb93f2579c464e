from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .dapclient import DapClient

# line numbers below are referred to by the tests (keep them in sync: each test names the line it means)
SCRIPT = """script "Debug Me"
Exercises every kind of stop.

input
  items : list<text>
  mode : text = "calm"
  limit : integer = 10

import tools
  echo from native

let total = count(items)
each item, i in items
  let shout = upper(item)
  do "Echo item" with echo
    message = "{i}: {shout}"
  -> said
-> echoes
decide "Tone" with rules
  when mode == "loud" -> "Loud"
  otherwise -> "Calm"
  "Loud":
    let final = "LOUD {total}"
  "Calm":
    let final = "calm {total}"
emit "Done"
  final = final
  total = total
"""
# 1-based lines of the steps
L_TOTAL, L_EACH, L_SHOUT, L_ECHO, L_DECIDE, L_LOUD, L_CALM, L_EMIT = 12, 13, 14, 15, 19, 23, 25, 26

FAILING = """script "Fails"

input
  n : integer = 1

let a = n + 1
let b = a / 0
emit "Never"
  b = b
"""


@pytest.fixture
def script(tmp_path: Path) -> Path:
    p = tmp_path / "debug_me.scriptum"
    p.write_text(SCRIPT, encoding="utf-8")
    return p


@pytest.fixture
def dap(tmp_path: Path) -> Iterator[DapClient]:
    client = DapClient(env={"SCRIPTUM_LSP_LOCAL_DATA": str(tmp_path / "emu")})
    try:
        yield client
    finally:
        client.close()
