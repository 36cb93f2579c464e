"""CompileDiagnostic (API dict, camelCase) -> a range in code points on the current buffer.

`line`/`col` are 1-based. The column unit of the API lives in `API_COLUMN_UNIT` only (the emulator
documents code points; the cloud does not document its unit - see docs/decisions.md). The range covers
the whole token at the column (identifier, string, number, operator), else runs to the end of the line.
If `sourceLine` no longer equals the buffer line, the diagnostic is re-anchored on the nearest equal
line, or dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scriptum_lsp.core.hints import suggestion
from scriptum_lsp.core.positions import Encoding, units_len, units_to_cp

ColumnUnit = Literal["codepoint", "utf-16", "utf-8"]
API_COLUMN_UNIT: ColumnUnit = "codepoint"

Severity = Literal["error", "warning", "information", "hint"]

_SEVERITIES: dict[str, Severity] = {
    "error": "error",
    "err": "error",
    "fatal": "error",
    "warning": "warning",
    "warn": "warning",
    "info": "information",
    "information": "information",
    "note": "information",
    "hint": "hint",
}

# token patterns, tried in order at each position of a line
_TOKEN = re.compile(
    r"""
    (?P<comment>--.*)
  | (?P<string>"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)
  | (?P<number>\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[^\W\d]\w*)
  | (?P<op>->>|->|=>|==|!=|<=|>=|&&|\|\||\.\.|::|[-+*/%<>=!.,:;|&?^~@#$(){}\[\]])
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Span:
    line: int  # 0-based
    start: int  # code points
    end: int


@dataclass(frozen=True)
class MappedDiagnostic:
    span: Span
    severity: Severity
    message: str  # the message to show: the API message plus the hint
    api_message: str
    hint: str
    suggestion: str | None  # replacement for the token of `span`, from "did you mean 'X'?"
    raw: Mapping[str, Any]


def parse_severity(value: object) -> Severity:
    """Map an API severity to ours; unknown or missing -> warning."""
    if not isinstance(value, str):
        return "warning"
    key = value.strip().lower()
    for prefix in ("diagnostic_severity_", "severity_"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return _SEVERITIES.get(key, "warning")


def token_spans(line: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every token of a line, in code points."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    while pos < len(line):
        m = _TOKEN.match(line, pos)
        if m is None:  # pragma: no cover - `other` matches any character
            break
        kind = m.lastgroup or "other"
        out.append((m.start(), m.end(), kind))
        pos = m.end()
    return out


def token_extent(line: str, col: int) -> tuple[int, int]:
    """The range to underline for a column: the token there, else from `col` to the end of the line.

    Whitespace, comments and stray characters run to the end of the line. A column at or past the end
    of a non-empty line underlines its last token.
    """
    col = max(0, col)
    if col >= len(line):
        stripped = line.rstrip()
        if not stripped:
            return len(line), len(line)
        col = len(stripped) - 1
    for start, end, kind in token_spans(line):
        if start <= col < end:
            if kind in ("ident", "string", "number", "op"):
                return start, end
            if kind == "space":
                rest = line[end:].rstrip()
                return (end, end + len(rest)) if rest else (start, len(line))
            return col, len(line)
    return col, len(line)


_QUOTED = re.compile(r"""['`‘“"]([^'`’”"\s]+)['`’”"]""")


def narrow_to_quoted(
    line: str, start: int, end: int, message: str, suggestion: str | None
) -> tuple[int, int]:
    """Inside a string token (interpolation), narrow the range to the name the message quotes.

    `unknown name 'nme'` reported at the start of `"hi {nme}"` underlines `nme` only, so that a
    "did you mean" fix replaces the name and not the whole string."""
    segment = line[start:end]
    if not (segment.startswith('"') or segment.startswith("'")):
        return start, end
    for m in _QUOTED.finditer(message):
        word = m.group(1)
        if word == suggestion:
            continue
        at = _find_word(segment, word)
        if at >= 0:
            return start + at, start + at + len(word)
    return start, end


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what `\w` matches in a str pattern


def _find_word(text: str, word: str) -> int:
    """Offset of the first `word` in `text` not inside a longer word (regex `(?<!\\w)word(?!\\w)`), else -1.
    A plain search: a regex per quoted name would be compiled anew for every new name."""
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not _is_word_char(text[at - 1])) and (
            end == len(text) or not _is_word_char(text[end])
        ):
            return at
        at = text.find(word, at + 1)
    return -1


def api_col_to_cp(line_text: str, col0: int, unit: ColumnUnit = API_COLUMN_UNIT) -> int:
    """A 0-based API column in `unit` -> code points on `line_text`."""
    if unit == "codepoint":
        return col0
    enc: Encoding = "utf-16" if unit == "utf-16" else "utf-8"
    if col0 > 0 and col0 >= _units(line_text, enc):
        return len(line_text) + (col0 - _units(line_text, enc))
    return units_to_cp(line_text, col0, enc)


def _units(s: str, enc: Encoding) -> int:
    return units_len(s, enc)


def _as_int(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return default
    if isinstance(value, float) and value == value:
        return int(value)
    return default


def _same(s: str) -> str:
    return s


def _norm(s: str) -> str:
    return s.rstrip("\r\n")


def anchor_line(lines: Sequence[str], line0: int, source_line: str | None) -> int | None:
    """The buffer line a diagnostic belongs to, or None to drop it.

    Without `source_line` the reported line is kept (clamped). With one, the reported line is kept if
    it still matches, else the nearest equal line (ties: the earlier one); no equal line -> None.
    Lines are compared exactly, then ignoring trailing whitespace."""
    if not lines:
        return None
    clamped = max(0, min(line0, len(lines) - 1))
    if source_line is None:
        return clamped
    wanted = _norm(source_line)
    keys: tuple[Callable[[str], str], ...] = (_same, str.rstrip)
    for key in keys:
        target = key(wanted)
        if 0 <= line0 < len(lines) and key(lines[line0]) == target:
            return line0
        best: int | None = None
        for i, text in enumerate(lines):
            if key(text) == target and (best is None or abs(i - line0) < abs(best - line0)):
                best = i
        if best is not None:
            return best
    return None


def map_diagnostic(
    diag: Mapping[str, Any], lines: Sequence[str], *, unit: ColumnUnit = API_COLUMN_UNIT
) -> MappedDiagnostic | None:
    """Map one CompileDiagnostic onto the buffer `lines`; None if it no longer applies."""
    line0 = _as_int(diag.get("line"), 1) - 1
    col0 = _as_int(diag.get("col"), 1) - 1
    raw_source = diag.get("sourceLine", diag.get("source_line"))
    source_line = raw_source if isinstance(raw_source, str) and raw_source != "" else None
    anchored = anchor_line(lines, line0, source_line)
    if anchored is None:
        return None
    text = lines[anchored]
    # the column is measured on the line the compiler saw
    basis = _norm(source_line) if source_line is not None else text
    col_cp = api_col_to_cp(basis, max(0, col0), unit)
    start, end = token_extent(text, col_cp)
    message = str(diag.get("message") or "").strip() or "compile error"
    hint = str(diag.get("hint") or "").strip()
    start, end = narrow_to_quoted(text, start, end, message, suggestion(hint))
    shown = f"{message} ({hint})" if hint and hint not in message else message
    return MappedDiagnostic(
        span=Span(anchored, start, end),
        severity=parse_severity(diag.get("severity")),
        message=shown,
        api_message=message,
        hint=hint,
        suggestion=suggestion(hint),
        raw=diag,
    )


def map_diagnostics(
    diags: Sequence[Mapping[str, Any]], lines: Sequence[str], *, unit: ColumnUnit = API_COLUMN_UNIT
) -> list[MappedDiagnostic]:
    out = []
    for d in diags:
        if isinstance(d, Mapping):
            m = map_diagnostic(d, lines, unit=unit)
            if m is not None:
                out.append(m)
    return out


def render(m: MappedDiagnostic) -> str:
    """`12:5-12:7 error message` (1-based line:col, code points): readable snapshot form."""
    s = m.span
    return f"{s.line + 1}:{s.start + 1}-{s.line + 1}:{s.end + 1} {m.severity} {m.message}"
