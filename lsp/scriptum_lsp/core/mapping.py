"""CompileDiagnostic (API dict, camelCase) -> a range in code points on the current buffer.

Only the documented fields are needed: `line`, `col` (1-based), `message`, `hint`, `severity`, `sourceLine`.
`endLine`, `endCol` and `code` (which our own compiler adds) are used when present, never required. The rules
(docs/decisions.md, "Mapping remote diagnostics"):

- **Line.** `sourceLine` is compared with the buffer ignoring leading, trailing and repeated whitespace. The
  reported line (clamped into the buffer) is kept when it matches, else the nearest matching line. No match: the
  reported line is kept when the compile was for exactly this buffer (`exact=True`: dropping a real error is worse
  than showing it on the reported line), and the diagnostic is dropped otherwise (the line changed under it).
- **Range.** The column is a hint, not the truth (the cloud may put it on the step, on the token, or count it in
  another unit). The range is the token that the message or the hint names (a quoted name like `'ur'`) nearest the
  reported column; else the token at the column; else the step's text from its first non-blank character to the
  end of the line.
- **Fix.** A "did you mean 'X'?" hint becomes a replacement only of the token the suggestion replaces: the quoted
  name found on the line (or a precise single-word span of our own compiler). Otherwise there is no fix.
- **Top-level error.** A failed compile with an `error` and no diagnostic: `error_diagnostic` puts it on the step
  the error names ("type error in step fetch_data"), else on line 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Literal

from scriptum_lsp.core.hints import suggestion as hint_suggestion
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

# a name quoted in a message or hint: 'ur', "ur", `ur`, ‘ur’, “ur”
_QUOTED = re.compile(r"""['`‘“"]([^'`’”"\s]+)['`’”"]""")


@dataclass(frozen=True)
class Span:
    line: int  # 0-based
    start: int  # code points
    end: int
    end_line: int | None = None  # a multi-line span (only from a precise `endLine`); None: on `line`

    @property
    def last_line(self) -> int:
        return self.line if self.end_line is None else self.end_line


@dataclass(frozen=True)
class MappedDiagnostic:
    span: Span
    severity: Severity
    message: str  # the message to show: the API message plus the hint
    api_message: str
    hint: str
    suggestion: str | None  # replacement for `replaces` (the text of `span`), from "did you mean 'X'?"
    raw: Mapping[str, Any]
    replaces: str | None = None  # the token the suggestion replaces; None when there is no fix
    precise: Span | None = None  # the compiler's own span, when the response carried one that still applies


def parse_severity(value: object) -> Severity | None:
    """Map an API severity to ours; unknown or missing -> None (the caller decides)."""
    if not isinstance(value, str):
        return None
    key = value.strip().lower()
    for prefix in ("diagnostic_severity_", "severity_"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return _SEVERITIES.get(key)


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


def step_extent(line: str) -> tuple[int, int]:
    """The step's text: from the first non-blank character to the end of the line (without trailing blanks)."""
    body = line.rstrip()
    start = len(body) - len(body.lstrip())
    if not body:
        return len(line), len(line)
    return start, len(body)


def token_extent(line: str, col: int) -> tuple[int, int]:
    """The token at a 0-based code-point column (identifier, string, number, operator); anything else
    (a blank, a comment, a stray character, a column before the start or past the end) -> `step_extent`."""
    if 0 <= col < len(line):
        for start, end, kind in token_spans(line):
            if start <= col < end:
                if kind in ("ident", "string", "number", "op"):
                    return start, end
                break
    return step_extent(line)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what `\w` matches in a str pattern


def _word_hits(text: str, word: str) -> list[int]:
    """Offsets of `word` in `text` not inside a longer word (regex `(?<!\\w)word(?!\\w)`)."""
    out: list[int] = []
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not _is_word_char(text[at - 1]) or not _is_word_char(word[0])) and (
            end == len(text) or not _is_word_char(text[end]) or not _is_word_char(word[-1])
        ):
            out.append(at)
        at = text.find(word, at + 1)
    return out


def quoted_names(message: str, hint: str, fix: str | None) -> list[str]:
    """The names a diagnostic quotes, message first; of the hint's, not the suggested replacement itself."""
    out: list[str] = []
    for text, skip in ((message, None), (hint, fix)):
        for m in _QUOTED.finditer(text):
            word = m.group(1)
            if word != skip and word not in out:
                out.append(word)
    return out


def _comment_start(line: str) -> int:
    for start, _end, kind in token_spans(line):
        if kind == "comment":
            return start
    return len(line)


def named_token(line: str, col: int, names: Sequence[str], fix: str | None) -> tuple[int, int] | None:
    """The occurrence on `line` of a quoted name nearest `col`, or None if none occurs.

    With a suggestion, the name most similar to it wins (the token "did you mean 'url'?" replaces is `ur`,
    not `http_request`); without one, the first name the message quotes. Occurrences in code come before
    occurrences in a trailing comment."""
    found: list[tuple[float, int, str, list[int]]] = []
    for order, name in enumerate(names):
        hits = _word_hits(line, name)
        if hits:
            score = SequenceMatcher(None, name, fix).ratio() if fix else 0.0
            found.append((-score, order, name, hits))
    if not found:
        return None
    _score, _order, name, hits = min(found, key=lambda f: (f[0], f[1]))
    code_end = _comment_start(line)

    def distance(at: int) -> tuple[int, int, int]:
        in_comment = 1 if at >= code_end else 0
        gap = 0 if at <= col < at + len(name) else min(abs(col - at), abs(col - (at + len(name) - 1)))
        return (in_comment, gap, at)

    best = min(hits, key=distance)
    return best, best + len(name)


def api_col_to_cp(line_text: str, col0: int, unit: ColumnUnit = API_COLUMN_UNIT) -> int:
    """A 0-based API column in `unit` -> code points on `line_text` (past the end stays past the end)."""
    if unit == "codepoint":
        return col0
    enc: Encoding = "utf-16" if unit == "utf-16" else "utf-8"
    total = units_len(line_text, enc)
    if col0 > 0 and col0 >= total:
        return len(line_text) + (col0 - total)
    return units_to_cp(line_text, col0, enc)


def as_int(value: object) -> int | None:
    """An int32 field as the API may send it: a number, a numeric string ("12", " 12 ", "12.0"); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                f = float(text)
            except ValueError:
                return None
            return int(f) if f == f and abs(f) != float("inf") else None
    return None


def _norm(s: str) -> str:
    """A line compared with `sourceLine`: no terminator, no leading/trailing blanks, runs of blanks as one."""
    return " ".join(s.split())


def _clamp_line(lines: Sequence[str], line0: int) -> int:
    """Line 0 or negative -> the first line; past the end -> the last non-blank line."""
    if line0 < 0:
        return 0
    if line0 < len(lines):
        return line0
    last = len(lines) - 1
    while last > 0 and not lines[last].strip():
        last -= 1
    return last


def anchor_line(
    lines: Sequence[str], line0: int, source_line: str | None, *, exact: bool = True
) -> int | None:
    """The buffer line a diagnostic belongs to, or None to drop it.

    Without `source_line`: the reported line, clamped. With one: the reported line if it matches (whitespace
    ignored), else the nearest matching line (ties: the earlier one), else the reported line (clamped) when
    the compile was for exactly this buffer, else None."""
    if not lines:
        return None
    clamped = _clamp_line(lines, line0)
    if source_line is None:
        return clamped
    target = _norm(source_line)
    if _norm(lines[clamped]) == target:
        return clamped
    best: int | None = None
    for i, text in enumerate(lines):
        if _norm(text) == target and (best is None or abs(i - line0) < abs(best - line0)):
            best = i
    if best is not None:
        return best
    return clamped if exact else None


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip())


def map_diagnostic(
    diag: Mapping[str, Any],
    lines: Sequence[str],
    *,
    unit: ColumnUnit = API_COLUMN_UNIT,
    exact: bool = True,
    default_severity: Severity = "warning",
) -> MappedDiagnostic | None:
    """Map one CompileDiagnostic onto the buffer `lines`; None if it no longer applies.

    `exact`: the compile was for exactly these `lines` (not an older version of the buffer)."""
    line_no = as_int(diag.get("line"))
    line0 = (line_no if line_no is not None else 1) - 1
    col_no = as_int(diag.get("col"))
    col0 = col_no - 1 if col_no is not None and col_no > 0 else -1  # -1: no usable column
    raw_source = diag.get("sourceLine", diag.get("source_line"))
    source_line = raw_source if isinstance(raw_source, str) and raw_source.strip() else None
    anchored = anchor_line(lines, line0, source_line, exact=exact)
    if anchored is None:
        return None
    text = lines[anchored]
    source = source_line.rstrip("\r\n") if source_line is not None else None
    col = -1
    if col0 >= 0:
        # an exact compile counts on this very line; an older one on the line it saw (`sourceLine`): a line
        # re-indented since shifts the column by the change of indentation
        basis = text if exact or source is None or _norm(source) != _norm(text) else source
        col = api_col_to_cp(basis, col0, unit)
        if basis is not text and col >= _indent(basis):
            col += _indent(text) - _indent(basis)
    message = str(diag.get("message") or "").strip() or "compile error"
    hint = str(diag.get("hint") or "").strip()
    fix = hint_suggestion(hint)
    names = quoted_names(message, hint, fix)
    replaces: str | None = None
    span: Span | None = _precise_span(diag, lines, anchored, line0, col0, text, source)
    precise = span
    if span is not None:
        narrowed = named_token(text[span.start : span.end], col - span.start, names, fix)
        if span.end_line is None and narrowed is not None:
            span = Span(anchored, span.start + narrowed[0], span.start + narrowed[1])
            replaces = text[span.start : span.end]
        elif span.end_line is None and _is_single_word(text[span.start : span.end]):
            replaces = text[span.start : span.end]
    else:
        named = named_token(text, col, names, fix)
        if named is not None:
            span = Span(anchored, *named)
            replaces = text[named[0] : named[1]]
        else:
            span = Span(anchored, *token_extent(text, col))
    shown = f"{message} ({hint})" if hint and hint not in message else message
    return MappedDiagnostic(
        span=span,
        severity=parse_severity(diag.get("severity")) or default_severity,
        message=shown,
        api_message=message,
        hint=hint,
        suggestion=fix if replaces is not None and fix is not None and fix != replaces else None,
        raw=diag,
        replaces=replaces if fix is not None and fix != replaces else None,
        precise=precise,
    )


def _is_single_word(s: str) -> bool:
    return bool(s) and all(_is_word_char(ch) for ch in s)


def _precise_span(
    diag: Mapping[str, Any],
    lines: Sequence[str],
    anchored: int,
    line0: int,
    col0: int,
    text: str,
    source: str | None,
) -> Span | None:
    """The span of a precise compiler, when it still applies: a usable column and the line unchanged since
    (equal to `sourceLine`, or no `sourceLine`). Either the emulator's `span` extension (`line`, `col`, `endLine`,
    `endCol`, 1-based, end exclusive: the compiler's own range, sent beside a `col` placed as the cloud places
    it) or top-level `col`..`endCol`/`endLine`."""
    extension = diag.get("span")
    if isinstance(extension, Mapping):  # the emulator's precise span (an extension the cloud may lack)
        start_line_no, start_col_no = as_int(extension.get("line")), as_int(extension.get("col"))
        if start_line_no is not None and start_col_no is not None and start_line_no - 1 == line0:
            col0 = start_col_no - 1
            end_line_no, end_col_no = as_int(extension.get("endLine")), as_int(extension.get("endCol"))
        else:
            end_line_no = end_col_no = None
    else:
        end_line_no = as_int(diag.get("endLine"))
        end_col_no = as_int(diag.get("endCol"))
    if end_line_no is None or end_col_no is None or col0 < 0 or col0 > len(text):
        return None
    if source is not None and source.rstrip() != text.rstrip():
        return None
    end_line0 = end_line_no - 1 + (anchored - line0)
    end0 = end_col_no - 1
    if end_line0 < anchored or end_line0 >= len(lines):
        return None
    if end_line0 == anchored:
        end = min(end0, len(text))
        return Span(anchored, col0, end) if end > col0 else None
    return Span(anchored, col0, max(0, min(end0, len(lines[end_line0]))), end_line0)


def map_diagnostics(
    diags: Sequence[Mapping[str, Any]],
    lines: Sequence[str],
    *,
    unit: ColumnUnit = API_COLUMN_UNIT,
    exact: bool = True,
    failed: bool = False,
) -> list[MappedDiagnostic]:
    """Map a compile's diagnostics. A missing or unknown severity is a warning, except on a failed compile
    that reports no error otherwise: then it is the error (a failed compile always shows why)."""
    usable = [d for d in diags if isinstance(d, Mapping)]
    has_error = any(parse_severity(d.get("severity")) == "error" for d in usable)
    default: Severity = "error" if failed and not has_error else "warning"
    out = []
    for d in usable:
        m = map_diagnostic(d, lines, unit=unit, exact=exact, default_severity=default)
        if m is not None:
            out.append(m)
    return out


_STEP_IN_ERROR = re.compile(r"""\bstep\s+(?:['"`‘“]([^'"`’”]+)['"`’”]|([^\W\d]\w*))""", re.IGNORECASE)


def error_diagnostic(error: str, lines: Sequence[str]) -> MappedDiagnostic:
    """The top-level `error` of a failed compile without diagnostics, as one error: on the step the error
    names (`type error in step fetch_data` -> the line `do fetch_data ...` or `do "fetch_data" ...`, i.e. the
    first line whose first word is followed by that name), else on line 1."""
    message = error.strip() or "compile failed"
    line0 = 0
    m = _STEP_IN_ERROR.search(message)
    if m is not None:
        name = m.group(1) or m.group(2)
        verb_then_name = re.compile(r"""^\s*[^\W\d]\w*\s+(?:"%s"|'%s'|%s(?!\w))""" % ((re.escape(name),) * 3))
        for i, text in enumerate(lines):
            if verb_then_name.match(text):
                line0 = i
                break
    text = lines[line0] if lines else ""
    return MappedDiagnostic(
        span=Span(line0, *step_extent(text)),
        severity="error",
        message=message,
        api_message=message,
        hint="",
        suggestion=None,
        raw={"message": message},
    )


def render(m: MappedDiagnostic) -> str:
    """`12:37-12:39 error message -> fix 'url'` (1-based line:col, code points): readable snapshot form."""
    s = m.span
    text = f"{s.line + 1}:{s.start + 1}-{s.last_line + 1}:{s.end + 1} {m.severity} {m.message}"
    return f"{text} -> fix '{m.suggestion}'" if m.suggestion else text
