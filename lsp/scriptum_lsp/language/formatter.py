"""Formatter: canonical layout from the line tree.

Two spaces per nesting level; canonical spacing between tokens; one blank line at most; trailing
whitespace removed; a step's `-> binding` line at the column of its verb; `\\n` line breaks and a final
newline. Comments are kept. The result is checked: if it does not parse to the same tree as the input,
the input is returned unchanged, so formatting never changes meaning. Input with syntax errors is
returned unchanged.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

from .gcpause import gc_paused
from .lexer import Token, split_lines, tokenize
from .lines import STEP_VERBS, LogicalLine, Node, build_tree, logical_lines
from .parser import parse
from .syntax import ParseResult, Problem, Span

INDENT = "  "
_SPACE_KW = frozenset(
    STEP_VERBS
    | {"and", "or", "not", "in", "from", "with", "when", "otherwise", "parallel", "sleep", "batch", "until", "max",
       "via", "fail", "goto", "retry", "fallback", "ignore", "continue", "return", "script", "input", "output",
       "stream", "env", "tools", "import", "enum", "version", "on", "error", "pass"}
)  # fmt: skip
_PAREN_SPACE = frozenset(
    {"and", "or", "not", "in", "from", "with", "when", "parallel", "sleep", "batch", "until", "fail", "via", "each",
     "let", "do", "emit", "yield", "wait", "otherwise", "goto", "check", "pipe", "decide", "retry", "on"}
)  # fmt: skip
_NO_SPACE_BEFORE = frozenset({",", ")", "]", ";", ".", "?."})
_NO_SPACE_AFTER = frozenset({"(", "[", ".", "?."})
_BIND_VERBS = frozenset({"do", "ask", "agent", "plan", "run"})
_STEP_WORDS = (STEP_VERBS - {"on"}) | {"section"}
_DECL_BLOCKS = frozenset({"input", "output", "stream", "env"})


def _is_unary(prev: Token | None, prevprev: Token | None) -> bool:
    """Whether `prev` (a '-' or '!') is a prefix operator given the token before it."""
    if prevprev is None:
        return True
    if prevprev.kind == "op":
        return prevprev.text not in (")", "]", "}")
    return prevprev.kind == "name" and prevprev.text in _SPACE_KW


def render_tokens(toks: list[Token], decl: bool = False) -> str:
    parts: list[str] = []
    tdepth = 0  # inside type parameters `< >` of a declaration
    seen_colon = False
    for i, t in enumerate(toks):
        text = t.text
        if t.kind == "section":
            body = text.strip()[3:]
            if body.rstrip().endswith("###"):
                body = body.rstrip()[:-3]
            text = f"### {body.strip()} ###"
        if i == 0:
            parts.append(text)
            if decl and t.kind == "op" and t.text == ":":
                seen_colon = True
            continue
        a = toks[i - 1]
        aa = toks[i - 2] if i >= 2 else None
        space = True
        if t.kind == "op" and t.text in _NO_SPACE_BEFORE:
            space = False
            if t.text == "," and tdepth:
                space = False
        elif a.kind == "op" and a.text in _NO_SPACE_AFTER:
            space = False
        elif t.kind == "op" and t.text == ":":
            space = decl and not seen_colon
        elif t.kind == "op" and t.text == "(":
            space = not (a.kind == "name" and a.text not in _PAREN_SPACE) and not (
                a.kind == "op" and a.text in (")", "]")
            )
        elif t.kind == "op" and t.text == "[":
            space = not (a.kind in ("name", "str") and a.text not in _PAREN_SPACE) and not (
                a.kind == "op" and a.text in (")", "]")
            )
        elif t.kind == "op" and t.text == "}" and a.kind == "op" and a.text == "{":
            space = False
        elif decl and t.kind == "op" and t.text == "<" and a.kind == "name" and a.text in ("list", "map"):
            space = False
            tdepth += 1
        elif decl and tdepth and t.kind == "op" and t.text == ">":
            space = False
            tdepth -= 1
        elif decl and a.kind == "op" and a.text == "<" and tdepth:
            space = False
        elif a.kind == "op" and a.text in ("-", "!") and _is_unary(a, aa):
            space = t.kind == "op" and t.text in ("-", "!")  # never glue '- -' into a comment
        if decl and t.kind == "op" and t.text == ":":
            seen_colon = True
        if space:
            parts.append(" ")
        parts.append(text)
    return "".join(parts)


def _render_line(ll: LogicalLine, lines: list[str], decl: bool) -> list[str]:
    """The text of a logical line (possibly several physical lines), without indentation."""
    if ll.description is not None:
        return [ll.description + (f" {ll.comment.text}" if ll.comment else "")]
    if ll.inner_comments:
        first = lines[ll.line].strip()
        return [first, *lines[ll.line + 1 : ll.last_line + 1]]
    text = render_tokens(ll.tokens, decl)
    if ll.opens_brace is not None:
        text += " {" if text else "{"
    if ll.comment is not None:
        text += "  " + ll.comment.text.rstrip()
    return text.split("\n")


def _first_word(ll: LogicalLine) -> str:
    if not ll.tokens:
        return ""
    t = ll.tokens[0]
    return t.text if t.kind in ("name", "op") else t.kind


def has_syntax_errors(pr: ParseResult) -> bool:
    """Whether the parser reported an error (the formatter leaves such text alone)."""
    return any(p.severity == "error" for p in pr.problems)


# digests of texts found canonical (formatting them gave them back): formatting one again returns at once
_CANONICAL: OrderedDict[bytes, None] = OrderedDict()
_CANONICAL_MAX = 64


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _remember(text: str) -> None:
    key = _digest(text)
    _CANONICAL[key] = None
    _CANONICAL.move_to_end(key)
    while len(_CANONICAL) > _CANONICAL_MAX:
        _CANONICAL.popitem(last=False)


def is_known_canonical(source: str) -> bool:
    """Whether `source` is a text this process already found (or made) canonical."""
    return _digest(source) in _CANONICAL


def format_parsed(source: str, pr: ParseResult) -> str:
    if is_known_canonical(source):
        return source
    with gc_paused():
        result = _format(source, pr)
    if result is not source and result == source:
        _remember(source)
    return result


def _format(source: str, pr: ParseResult) -> str:
    if has_syntax_errors(pr):
        return source
    lines = split_lines(source)
    toks = list(pr.tokens) if len(pr.tokens) == len(lines) and tuple(lines) == pr.lines else tokenize(lines)
    comments: list[Token] = []
    lls, blanks = logical_lines(lines, toks, comments)
    problems: list[Problem] = []
    tree = build_tree(lls, blanks, problems)
    if problems:
        return source
    # items: (physical line, depth, texts) in source order
    items: list[tuple[int, int, list[str]]] = []

    def walk(nodes: list[Node], depth: int, decl: bool) -> None:
        skip_next = False
        after_check = False
        for idx, node in enumerate(nodes):
            if skip_next:
                skip_next = False
                continue
            ll = node.ll
            texts = _render_line(ll, lines, decl or _first_word(ll) == "enum")
            word = _first_word(ll)
            # `on pass:` / `on fail:` written under a check at its own column go one level in
            clause = word == "on" and len(ll.tokens) > 1 and ll.tokens[1].text in ("pass", "fail")
            items.append(
                (ll.line, depth + 1 if clause and after_check and not node.children else depth, texts)
            )
            after_check = (word == "check" and node.close is None) or (clause and after_check)
            child_decl = word in _DECL_BLOCKS or (word == "import")
            kids = node.children
            hoist: Node | None = None
            if (
                word in _BIND_VERBS
                and kids
                and _first_word(kids[-1].ll) in ("->", "->>")
                and not kids[-1].children
                and all(_first_word(k.ll) not in _STEP_WORDS for k in kids[:-1])
                and node.close is None
            ):
                hoist = kids[-1]
                kids = kids[:-1]
            walk(kids, depth + 1, child_decl and word in _DECL_BLOCKS)
            if hoist is not None:
                items.append((hoist.ll.line, depth, _render_line(hoist.ll, lines, False)))
            if node.close is not None:
                close_line = node.close.line
                nxt = nodes[idx + 1] if idx + 1 < len(nodes) else None
                if (
                    nxt is not None
                    and nxt.ll.line == close_line
                    and nxt.ll.tokens
                    and nxt.ll.tokens[0].line == close_line
                ):
                    rest = _render_line(nxt.ll, lines, False)
                    items.append((close_line, depth, ["} " + rest[0], *rest[1:]]))
                    walk(nxt.children, depth + 1, False)
                    skip_next = True
                else:
                    items.append((close_line, depth, ["}"]))

    walk(tree, 0, False)
    # comment-only lines take the depth of the next item
    code_lines = {n for ll in lls for n in range(ll.line, ll.last_line + 1)}
    for c in comments:
        row = toks[c.line]
        if row and row[0] is c and c.line not in code_lines:
            items.append((c.line, -1, [c.text.rstrip()]))
    items.sort(key=lambda x: (x[0], 0 if x[1] >= 0 else -1))
    indent_of = {ll.line: ll.indent for ll in lls}
    comment_col = {c.line: c.col for c in comments}
    blank_set = set(blanks)
    out: list[str] = []
    prev_line = -1
    for k, (line, depth, texts) in enumerate(items):
        if depth < 0:
            depth = 0
            for j in range(k + 1, len(items)):
                if items[j][1] >= 0:
                    depth = items[j][1] + (1 if items[j][2] and items[j][2][0].startswith("}") else 0)
                    nxt_indent = indent_of.get(items[j][0], 0)
                    if comment_col.get(line, 0) > nxt_indent and not items[j][2][0].startswith("}"):
                        # indented deeper than the next line: it belongs to the block above
                        for p in range(k - 1, -1, -1):
                            if items[p][1] >= 0:
                                depth = max(depth, items[p][1])
                                break
                    break
        if out and any(b in blank_set for b in range(prev_line + 1, line)):
            out.append("")
        out.append((INDENT * depth + texts[0]).rstrip())
        out.extend(texts[1:])
        prev_line = max(line, prev_line)
        # a multi-line item spans more physical lines
        prev_line = max(prev_line, line + len(texts) - 1)
    result = "\n".join(out).strip("\n") + "\n"
    if result == source:
        return result  # already canonical: nothing to verify
    if _shape(parse(result)) != _shape(pr):
        return source
    return result


def _strip(value: Any) -> Any:
    if isinstance(value, Span):
        return None
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _shape(pr: ParseResult) -> Any:
    from .compiler import _tree

    return _strip(_spanless(_tree(pr.script)))


def _spanless(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _spanless(v)
            for k, v in value.items()
            if not k.endswith("span") and k not in ("order", "body_start")
        }
    if isinstance(value, list):
        return [_spanless(v) for v in value]
    return value


def format_source(source: str) -> str:
    """Format `source` in canonical layout; unchanged when it has syntax errors. A text already known to
    be canonical returns at once, without parsing."""
    if is_known_canonical(source):
        return source
    return format_parsed(source, parse(source))
