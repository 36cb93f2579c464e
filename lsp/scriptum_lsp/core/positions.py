"""Code points <-> the client's position encoding (UTF-16 by default, UTF-8 or UTF-32 if offered).

The only place where columns change unit. Every function clamps: a column past the end of a line maps
to the end of the line; a column inside a surrogate pair or a multi-byte sequence rounds down to the
start of that character.
"""

from __future__ import annotations

from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]
ENCODINGS: tuple[Encoding, ...] = ("utf-8", "utf-16", "utf-32")


def char_units(ch: str, encoding: Encoding) -> int:
    cp = ord(ch)
    if encoding == "utf-16":
        return 2 if cp > 0xFFFF else 1
    if encoding == "utf-8":
        return 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4
    return 1


def units_len(s: str, encoding: Encoding) -> int:
    if encoding == "utf-32":
        return len(s)
    if encoding == "utf-16":
        return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)
    return len(s.encode("utf-8", errors="surrogatepass"))


def cp_to_units(line: str, col: int, encoding: Encoding) -> int:
    """Code-point column -> column in `encoding` units, clamped to [0, end of line]."""
    col = max(0, min(col, len(line)))
    if encoding == "utf-32" or line.isascii():
        return col
    return units_len(line[:col], encoding)


def units_to_cp(line: str, units: int, encoding: Encoding) -> int:
    """Column in `encoding` units -> code-point column, clamped; mid-character rounds down."""
    if units <= 0:
        return 0
    if encoding == "utf-32" or line.isascii():
        return min(units, len(line))
    acc = 0
    for i, ch in enumerate(line):
        nxt = acc + char_units(ch, encoding)
        if nxt > units:
            return i
        acc = nxt
    return len(line)
