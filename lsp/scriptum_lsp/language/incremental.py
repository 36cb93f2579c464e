"""Incremental re-parse: when an edit stays inside one top-level step, parse only that step again.

Scriptum's indentation makes a top-level step (with its nested lines, its `-> binding` line and the blank and
comment lines after it) a natural unit: nothing before it or after it parses differently when only its
lines change. `reparse(previous, source)` finds the changed lines, checks that they lie inside one such
unit and that the unit is self-contained before and after the edit, parses the unit's new lines on their
own (padded with blank lines so every position is already absolute) and splices the result into the
previous tree. It returns None whenever it cannot prove the splice equals a full parse; the caller then
parses the whole text. `tests/language/test_incremental.py` checks the equality on many random edits.

Supported: edits that keep the number of lines (typing inside lines, the common case). An edit that adds
or removes lines, touches a declaration block, the header, the handler, a triple-quoted string, an
annotation, leaves a bracket open, or changes what the unit's first line or the next unit's first line
attaches to, takes the full parse.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace

from .lexer import Token, split_lines
from .parser import parse
from .syntax import ParseResult

_ANNOTATION = re.compile(r"--\s*@")
_OPENERS = {"(": ")", "[": "]", "{": "}"}


def reparse(previous: ParseResult, source: str, lines: list[str] | None = None) -> ParseResult | None:
    """The parse of `source` built from `previous` by re-parsing one top-level step, or None (parse it all).

    `lines` are `source`'s lines when the caller has already split them.
    """
    new = lines if lines is not None else split_lines(source)
    old = previous.lines
    n = len(new)
    sc = previous.script
    if (
        n != len(old)
        or sc.dialect != "indent"
        or sc.script_span is None
        or not sc.body
        or not previous.tops
        or len(previous.tokens) != n
    ):
        return None
    p = 0
    while p < n and old[p] == new[p]:
        p += 1
    if p == n:
        return previous
    q = n - 1
    while q > p and old[q] == new[q]:
        q -= 1
    # the top-level step whose unit holds the first changed line
    body = sc.body
    starts = [st.span.start_line for st in body]
    i = bisect_right(starts, p) - 1
    if i < 0:
        return None
    step = body[i]
    start = step.span.start_line
    if start <= sc.script_span.end_line:
        return None
    tops = previous.tops
    t = bisect_right(tops, start) - 1
    if t < 0 or tops[t] != start:
        return None  # the step is not a top-level node of its own
    k = bisect_right(tops, step.span.end_line)
    end = tops[k] - 1 if k < len(tops) else n - 1
    if q > end:
        return None
    if i + 1 < len(body) and body[i + 1].span.start_line <= end:  # pragma: no cover - defensive
        return None
    seg_old = old[start : end + 1]
    seg_new = new[start : end + 1]
    for text in (*seg_old, *seg_new):
        if '"""' in text or ("--" in text and _ANNOTATION.search(text)):
            return None
    old_first = previous.tokens[start]
    if not old_first or old_first[0].col != 0:
        return None
    # the next unit's first line must not attach to this step (`-> x`, `on pass:`, a closing brace)
    if k < len(tops):
        nxt = previous.tokens[tops[k]]
        if not nxt or not _starts_fresh(nxt) or nxt[0].col != 0:
            return None
    padded = "\n" * start + "\n".join(seg_new)
    part = parse(padded)
    rows = part.tokens[start:]
    if len(rows) != len(seg_new) or not rows[0] or rows[0][0].col != 0 or not _starts_fresh(rows[0]):
        return None
    if not _balanced(rows):
        return None
    ps = part.script
    if (
        ps.script_span is not None
        or ps.name is not None
        or ps.description
        or ps.version is not None
        or ps.enums
        or ps.blocks
        or ps.order
        or ps.on_thread_error_span is not None
        or ps.on_thread_error
        or ps.annotations
        or ps.dialect != "indent"
    ):
        return None
    if not ps.body or ps.body[0].span.start_line != start:
        return None  # the first line must parse as a step: the lines after it may attach to it
    new_body = [*body[:i], *ps.body, *body[i + 1 :]]
    body_start = ps.body_start if i == 0 else sc.body_start
    script = replace(sc, body=new_body, body_start=body_start)
    problems = [pr for pr in previous.problems if not start <= pr.span.start_line <= end]
    problems.extend(pr for pr in part.problems if pr.code != "missing-script")
    problems.sort(key=lambda pr: (pr.span.start_line, pr.span.start_col))
    comments = (
        *(c for c in previous.comments if c[0] < start),
        *part.comments,
        *(c for c in previous.comments if c[0] > end),
    )
    return ParseResult(
        script,
        tuple(problems),
        tuple(new),
        comments,
        (*previous.tokens[:start], *rows, *previous.tokens[end + 1 :]),
        (*tops[:t], *part.tops, *tops[k:]),
    )


def _starts_fresh(row: list[Token]) -> bool:
    """Whether a top-level line starts a node that does not attach to the step before it."""
    first = row[0]
    if first.kind == "comment":
        return False
    if first.kind == "op":
        return first.text not in ("->", "->>", "}")
    if first.kind == "name" and first.text == "on" and len(row) > 1 and row[1].text in ("pass", "fail"):
        return False
    return first.kind in ("name", "section")


def _balanced(rows: tuple[list[Token], ...]) -> bool:
    """No bracket is left open at the end of the unit (else the line would continue past it)."""
    stack: list[str] = []
    for row in rows:
        for tok in row:
            if tok.kind != "op":
                continue
            text = tok.text
            closer = _OPENERS.get(text)
            if closer is not None:
                stack.append(closer)
            elif stack and text == stack[-1]:
                stack.pop()
    return not stack
