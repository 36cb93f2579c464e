"""Lexer: text -> physical lines of tokens. Total: any input gives tokens, never an exception.

Positions are 0-based (line, code-point column), end-exclusive. Lines split on ``\\n``, ``\\r\\n`` and ``\\r``.
Characters the language does not know become ``bad`` tokens; the parser reports them only where it reads
code (free-text description lines may contain anything).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from scriptum_lsp.core.text import split_lines as split_lines  # the one definition (core/text.py)


class Token(NamedTuple):
    kind: str  # name | num | str | tstr | badstr | op | comment | section | bad
    text: str
    line: int
    col: int
    end_line: int
    end_col: int


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\f\v\u00a0\ufeff]+)
    |(?P<comment>--.*)
    |(?P<tstr>\"\"\")
    |(?P<str>"(?:[^"\\]|\\.)*")
    |(?P<badstr>"(?:[^"\\]|\\.)*\\?)
    |(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>->>|->|=>|\?\.|\?\?|==|!=|<=|>=|[-+*/%<>=!.,:;()\[\]{}|@?])
    |(?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# the same tokens for `findall`: (leading whitespace, name, string, operator, anything else) with exactly one
# of the last four set; the order keeps every prefix rule of _TOKEN_RE (`--` comments and the single `-`
# are in the last group, after `->>` and `->`)
_FAST_RE = re.compile(
    r"""([ \t\f\v\u00a0\ufeff]*)(?:([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\]|\\.)*")"""
    r"""|(->>|->|=>|\?\.|\?\?|==|!=|<=|>=|[+*/%<>=!.,:;()\[\]{}|@?])"""
    r"""|(--.*|"(?:[^"\\]|\\.)*\\?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|.))""",
    re.DOTALL,
)
_WS = frozenset(" \t\f\v\u00a0\ufeff")


def _string_kind(s: str) -> str:
    if len(s) < 2 or s[-1] != '"':
        return "badstr"
    k = len(s) - 2
    while k > 0 and s[k] == "\\":
        k -= 1
    return "str" if (len(s) - 2 - k) % 2 == 0 else "badstr"


_new = tuple.__new__


def _fast_line(line: str, i: int, toks: list[Token]) -> None:
    pos = 0
    new = _new
    append = toks.append
    for ws, name, string, op, other in _FAST_RE.findall(line):
        if ws:
            pos += len(ws)
        if name:
            end = pos + len(name)
            append(new(Token, ("name", name, i, pos, i, end)))
        elif op:
            end = pos + len(op)
            append(new(Token, ("op", op, i, pos, i, end)))
        elif string:
            end = pos + len(string)
            append(new(Token, ("str", string, i, pos, i, end)))
        else:
            end = pos + len(other)
            c = other[0]
            if c == "-":
                kind = "comment" if other.startswith("--") else "op"
            elif c == '"':
                kind = _string_kind(other)
            elif c.isdecimal():  # what `\d` matches (`²` is a digit, not a decimal: a bad character)
                kind = "num"
            elif c in _WS:  # trailing whitespace: its last character is matched alone
                pos = end
                continue
            else:
                kind = "bad"
            append(new(Token, (kind, other, i, pos, i, end)))
        pos = end


_SECTION_RE = re.compile(r"[ \t]*###(.*?)(###)?[ \t]*$")


def tokenize(lines: list[str]) -> list[list[Token]]:
    """Tokens per physical line. A triple-quoted string spanning lines belongs to the line it starts on."""
    out: list[list[Token]] = []
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        toks: list[Token] = []
        out.append(toks)
        if "###" in line and _SECTION_RE.match(line):
            start = line.index("###")
            toks.append(Token("section", line[start:].rstrip(), i, start, i, len(line.rstrip())))
            i += 1
            continue
        if '"""' not in line:
            # fast path: no multi-line strings on this line
            _fast_line(line, i, toks)
            i += 1
            continue
        pos = 0
        length = len(line)
        next_line = i + 1
        while pos < length:
            mt = _TOKEN_RE.match(line, pos)
            if mt is None:  # pragma: no cover - the pattern matches any character
                break
            kind = mt.lastgroup or "bad"
            end = mt.end()
            if kind == "ws":
                pos = end
                continue
            if kind == "tstr":
                close = line.find('"""', end)
                if close >= 0:
                    toks.append(Token("tstr", line[pos : close + 3], i, pos, i, close + 3))
                    pos = close + 3
                    continue
                # spans lines: look for the closing quotes on the following lines
                parts = [line[pos:]]
                j = i + 1
                found = False
                while j < n:
                    c = lines[j].find('"""')
                    if c >= 0:
                        parts.append(lines[j][: c + 3])
                        toks.append(Token("tstr", "\n".join(parts), i, pos, j, c + 3))
                        found = True
                        break
                    parts.append(lines[j])
                    j += 1
                if not found:
                    toks.append(Token("badtstr", "\n".join(parts), i, pos, n - 1, len(lines[n - 1])))
                    out.extend([] for _ in range(i + 1, n))
                    return out
                # the rest of line j continues this logical line
                for _ in range(i + 1, j + 1):
                    out.append([])
                rest = lines[j]
                i = j
                line = rest
                length = len(rest)
                pos = c + 3
                next_line = j + 1
                continue
            toks.append(Token(kind, mt.group(), i, pos, i, end))
            pos = end
        i = next_line
    return out
