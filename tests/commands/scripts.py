"""Scriptum sources used by the command tests (each a small, real script the emulator can run)."""

from __future__ import annotations

GREETER = """\
script "Greeter"
Greets someone, checks the count, and waits a little when asked to.
version "0.1.0"

input
  name : text length(1, 40)
  count : integer range(1, 100) = 1
  pause : text = "0s"

output
  greeting : text

import tools
  echo from native

do "Say hello" with echo
  message = "hello {name}"
-> said

check "Small count" count < 5
  on pass: continue
  on fail: fail "count is too big"

wait pause

emit
  greeting = said.message
"""

# the line (1-based) of the `check` step above
GREETER_CHECK_LINE = GREETER.splitlines().index('check "Small count" count < 5') + 1

BROKEN = """\
script "Broken"
version "0.1.0"

import tools
  echo from native

do "Say" with echo
  mesage = "x"
-> said

emit
  out = nope.value
"""

CLOUD = """\
script "Cloud"
version "0.1.0"

do "Think" with llm
  prompt = "Say hi"
-> note

emit
  text = note.text
"""
