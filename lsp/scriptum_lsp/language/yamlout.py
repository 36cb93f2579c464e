"""Fast block-style YAML for JSON-compatible data (the IR): `yaml.safe_load(dump_yaml(x)) == x`.

PyYAML's dumper spends most of its time in Python-level representer/serializer/emitter events even with
libyaml, so plain JSON data (dicts with text keys, lists, text, int, float, bool, None) is written here
directly. Anything else (non-text keys, tuples, other objects) falls back to PyYAML's safe dumper, libyaml's
when available. Texts are written plain only when they are obviously text to a YAML 1.1 reader; otherwise
double-quoted with JSON escapes (a subset of YAML's), and the characters YAML will not read raw are escaped (lone surrogates go to PyYAML).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

_BaseDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc]
    """Safe YAML dumper (libyaml when available) that never writes anchors/aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# letters first (never a number, date or indicator), no `:`/`#`, no trailing space
_PLAIN = re.compile(r"[A-Za-z_](?:[A-Za-z0-9_./ -]*[A-Za-z0-9_./-])?")
# YAML 1.1 words that resolve to booleans or null (compared in lower case, so a few more are quoted)
_RESERVED = frozenset({"yes", "no", "true", "false", "on", "off", "null", "y", "n"})
# characters a YAML reader rejects raw or reads as line breaks inside a double-quoted scalar
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # not valid Unicode text: left to PyYAML, as before
_dumps = json.dumps


class _Unsupported(Exception):
    """The data is not plain JSON: use PyYAML."""


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}"


def _text(s: str) -> str:
    if _PLAIN.fullmatch(s) and s.lower() not in _RESERVED and " -" not in s and "- " not in s:
        return s
    q = _dumps(s, ensure_ascii=False)
    if _UNSAFE.search(q):
        if _SURROGATE.search(q):
            raise _Unsupported
        q = _UNSAFE.sub(_escape, q)
    return q


def _float(x: float) -> str:
    if x != x:
        return ".nan"
    if x == float("inf"):
        return ".inf"
    if x == float("-inf"):
        return "-.inf"
    r = repr(x).lower()
    if "." not in r and "e" in r:
        r = r.replace("e", ".0e", 1)  # YAML 1.1 floats need a dot: 1e+20 -> 1.0e+20
    return r


def _scalar(v: Any) -> str:
    t = type(v)
    if t is str:
        return _text(v)
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return _float(v)
    if t is dict and not v:
        return "{}"
    if t is list and not v:
        return "[]"
    raise _Unsupported


_KEYS: dict[str, str] = {}  # written form of mapping keys (the IR has few distinct ones; bounded)


def _key(k: Any) -> str:
    if type(k) is not str:
        raise _Unsupported
    text = _text(k)
    if len(_KEYS) < 4096:
        _KEYS[k] = text
    return text


def _mapping(d: dict[Any, Any], ind: str, out: list[str]) -> None:
    deeper = ind + "  "
    keys = _KEYS
    for k, v in d.items():
        key = keys.get(k) if type(k) is str else None
        if key is None:
            key = _key(k)
        t = type(v)
        if t is dict and v:
            out.append(f"{ind}{key}:")
            _mapping(v, deeper, out)
        elif t is list and v:
            out.append(f"{ind}{key}:")
            _sequence(v, ind, out)
        elif t is str:
            out.append(f"{ind}{key}: {_text(v)}")
        else:
            out.append(f"{ind}{key}: {_scalar(v)}")


def _sequence(items: list[Any], ind: str, out: list[str]) -> None:
    deeper = ind + "  "
    cut = len(deeper)
    dash = ind + "- "
    for v in items:
        t = type(v)
        if t is dict and v:
            start = len(out)
            _mapping(v, deeper, out)
            out[start] = dash + out[start][cut:]
        elif t is list and v:
            start = len(out)
            _sequence(v, deeper, out)
            out[start] = dash + out[start][cut:]
        else:
            out.append(dash + _scalar(v))


def dump_yaml(data: Any) -> str:
    """Block-style YAML text of `data`; exact for JSON data, PyYAML's safe dumper for anything else."""
    try:
        t = type(data)
        out: list[str] = []
        if t is dict and data:
            _mapping(data, "", out)
        elif t is list and data:
            _sequence(data, "", out)
        else:
            raise _Unsupported  # a lone scalar: let PyYAML write the document markers it wants
        out.append("")
        return "\n".join(out)
    except (_Unsupported, RecursionError):
        text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
        return text
