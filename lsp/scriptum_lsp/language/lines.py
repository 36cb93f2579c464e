"""Physical lines -> logical lines -> a tree of lines (indentation and `{ }` blocks).

A logical line continues over line breaks while a `(` or `[` (or an expression `{`) is open. A line whose
last token is `{` (not after `=`, `:`, `(`, `,`, `[`) opens a brace block that ends at the matching `}` line;
otherwise children are the following lines indented deeper. Free-text description lines after `script`
are kept raw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .lexer import Token
from .syntax import Problem, Span

DECL_WORDS = frozenset(
    {"script", "version", "enum", "input", "output", "stream", "import", "tools", "env", "secrets"}
)
STEP_VERBS = frozenset(
    {
        "do", "let", "each", "decide", "check", "together", "pipe", "repeat", "wait", "agent", "ask",
        "plan", "run", "emit", "yield", "send", "on",
    }
)  # fmt: skip
MAX_NEST = 60
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_NO_BLOCK_BEFORE = frozenset({"=", ":", "(", ",", "[", "{", "=>", "==", "!=", "+", "-", "*", "/", "%", "??"})


@dataclass(slots=True)
class LogicalLine:
    tokens: list[Token]
    indent: int
    line: int  # first physical line
    last_line: int
    comment: Token | None = None  # trailing comment (on the last physical line)
    inner_comments: bool = False
    description: str | None = None  # raw text when this is a free-text description line
    opens_brace: Token | None = None  # the trailing `{` that opens a block

    @property
    def span(self) -> Span:
        if self.tokens:
            a, b = self.tokens[0], self.tokens[-1]
            return Span(a.line, a.col, b.end_line, b.end_col)
        return Span(self.line, self.indent, self.line, self.indent)


@dataclass(slots=True)
class Node:
    ll: LogicalLine
    children: list[Node] = field(default_factory=list)
    close: Token | None = None  # the `}` closing a brace block
    blank_before: bool = False


def logical_lines(
    lines: list[str], toks: list[list[Token]], comments: list[Token]
) -> tuple[list[LogicalLine], list[int]]:
    """Group physical lines into logical lines. Returns the lines and the physical blank-line numbers."""
    out: list[LogicalLine] = []
    blanks: list[int] = []
    n = len(toks)
    i = 0
    desc_mode = False
    while i < n:
        row = toks[i]
        if not desc_mode and row:
            line = lines[i]
            if (
                "--" not in line
                and "(" not in line
                and "[" not in line
                and "{" not in line
                and '"""' not in line
                and not (row[0].kind == "name" and row[0].text == "script")
            ):
                # fast path: one physical line, no comments, no brackets (nothing can continue or open)
                out.append(LogicalLine(row, row[0].col, i, i))
                i += 1
                continue
        code = [t for t in row if t.kind != "comment"]
        for t in row:
            if t.kind == "comment":
                comments.append(t)
        if not code:
            if not row:
                blanks.append(i)
            i += 1
            continue
        first = code[0]
        if desc_mode:
            starts_code = (
                (first.kind in ("section", "op") and first.text in ("}", "###", "->", "->>"))
                or first.kind == "section"
                or (first.kind == "name" and (first.text in DECL_WORDS or first.text in STEP_VERBS))
                or (len(code) > 1 and code[1].kind == "op" and code[1].text == "=")
            )
            if not starts_code and row[0].kind != "comment":
                text = lines[i].strip()
                start = len(lines[i]) - len(lines[i].lstrip())
                comment = None
                out.append(
                    LogicalLine(
                        [Token("desc", text, i, start, i, start + len(text))],
                        start,
                        i,
                        i,
                        comment,
                        description=text,
                    )
                )
                # comments found by the lexer inside description text are not comments
                comments[:] = [c for c in comments if c.line != i]
                i += 1
                continue
            desc_mode = False
        # gather a logical line
        tokens: list[Token] = []
        trailing: Token | None = None
        inner = False
        stack: list[str] = []
        start_line = i
        j = i
        while True:
            row = toks[j]
            for t in row:
                if t.kind == "comment":
                    if t is not row[-1] or stack:
                        inner = inner or bool(stack)
                    trailing = t
                    continue
                tokens.append(t)
                if t.kind == "op":
                    if t.text in _OPENERS:
                        stack.append(_OPENERS[t.text])
                    elif stack and t.text == stack[-1]:
                        stack.pop()
            if stack and tokens:
                last = tokens[-1]
                # a trailing `{` of a statement opens a block, it does not continue the line
                if (
                    stack[-1] == "}"
                    and len(stack) == 1
                    and last.kind == "op"
                    and last.text == "{"
                    and len(tokens) > 1
                    and not (tokens[-2].kind == "op" and tokens[-2].text in _NO_BLOCK_BEFORE)
                ):
                    break
            if not stack or j + 1 >= n:
                break
            # do not swallow a line that obviously starts a new statement at the same or lower indent
            nxt = [t for t in toks[j + 1] if t.kind != "comment"]
            if nxt and nxt[0].kind == "name" and nxt[0].text in STEP_VERBS and nxt[0].col <= tokens[0].col:
                break
            if nxt and nxt[0].kind == "section":
                break
            if trailing is not None and trailing.line == j:
                inner = True
            j += 1
            for t in toks[j]:
                if t.kind == "comment":
                    comments.append(t)
        if trailing is not None and tokens and trailing.line < tokens[-1].end_line:
            inner = True
        last_line = max(j, tokens[-1].end_line if tokens else j)
        ll = LogicalLine(tokens, tokens[0].col, start_line, last_line, trailing, inner)
        if tokens:
            last = tokens[-1]
            if (
                last.kind == "op"
                and last.text == "{"
                and len(tokens) > 1
                and not (tokens[-2].kind == "op" and tokens[-2].text in _NO_BLOCK_BEFORE)
            ):
                ll.opens_brace = last
                ll.tokens = tokens[:-1]
        out.append(ll)
        if (
            first.kind == "name"
            and first.text == "script"
            and not any(
                x.tokens and x.tokens[0].kind == "name" and x.tokens[0].text == "script" for x in out[:-1]
            )
        ):
            desc_mode = True
        i = last_line + 1
    return out, blanks


def build_tree(lls: list[LogicalLine], blanks: list[int], problems: list[Problem]) -> list[Node]:
    """Nest logical lines by indentation and braces."""
    root = Node(LogicalLine([], -1, -1, -1))
    # frame: (node, indent, is_brace)
    stack: list[tuple[Node, int, bool]] = [(root, -1, True)]
    blank_set = set(blanks)
    prev_last = -1
    too_deep = False
    for ll in lls:
        blank_before = ll.line > prev_last + 1 and any(b in blank_set for b in range(prev_last + 1, ll.line))
        prev_last = ll.last_line
        pending: LogicalLine | None = ll
        while pending is not None:
            cur = pending
            pending = None
            toks = cur.tokens
            if toks and toks[0].kind == "op" and toks[0].text == "}":
                # close the innermost brace frame
                k = len(stack) - 1
                while k > 0 and not stack[k][2]:
                    k -= 1
                if k == 0:
                    t = toks[0]
                    problems.append(Problem(Span(t.line, t.col, t.end_line, t.end_col), "unmatched '}'"))
                else:
                    stack[k][0].close = toks[0]
                    del stack[k:]
                rest = toks[1:]
                if rest:
                    pending = LogicalLine(
                        rest,
                        cur.indent,
                        rest[0].line,
                        cur.last_line,
                        cur.comment,
                        cur.inner_comments,
                        opens_brace=cur.opens_brace,
                    )
                elif cur.opens_brace is not None:
                    # `} {` is meaningless; report
                    t = cur.opens_brace
                    problems.append(Problem(Span(t.line, t.col, t.end_line, t.end_col), "unexpected '{'"))
                continue
            while len(stack) > 1 and not stack[-1][2] and stack[-1][1] >= cur.indent:
                stack.pop()
            node = Node(cur, blank_before=blank_before)
            blank_before = False
            stack[-1][0].children.append(node)
            if cur.description is not None:
                continue  # free text never has children
            if len(stack) > MAX_NEST:
                if not too_deep:
                    too_deep = True
                    t0 = cur.tokens[0] if cur.tokens else None
                    if t0 is not None:
                        problems.append(
                            Problem(Span(t0.line, t0.col, t0.end_line, t0.end_col), "nested too deeply")
                        )
                continue
            stack.append((node, cur.indent, cur.opens_brace is not None))
    for node, _indent, is_brace in stack[1:]:
        if is_brace and node.ll.opens_brace is not None:
            t = node.ll.opens_brace
            problems.append(
                Problem(Span(t.line, t.col, t.end_line, t.end_col), "missing '}' to close this block")
            )
    return root.children


def node_end(node: Node) -> Span:
    """Span of the last token of a node including its nested lines and closing brace."""
    if node.close is not None:
        t = node.close
        return Span(t.line, t.col, t.end_line, t.end_col)
    if node.children:
        return node_end(node.children[-1])
    if node.ll.tokens:
        t = node.ll.tokens[-1]
        return Span(t.line, t.col, t.end_line, t.end_col)
    return node.ll.span
