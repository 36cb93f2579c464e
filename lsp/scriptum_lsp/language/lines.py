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
    script_seen = False  # a logical line starting with `script` was emitted already
    while i < n:
        row = toks[i]
        if not desc_mode and row and _plain_line(lines[i], row):
            # fast path: one physical line, no comments, no brackets (nothing can continue or open)
            out.append(LogicalLine(row, row[0].col, i, i))
            i += 1
            continue
        code = [t for t in row if t.kind != "comment"]
        comments.extend(t for t in row if t.kind == "comment")
        if not code:
            if not row:
                blanks.append(i)
            i += 1
            continue
        if desc_mode:
            if not _starts_code(code) and row[0].kind != "comment":
                out.append(_description_line(lines[i], i, comments))
                i += 1
                continue
            desc_mode = False
        ll = _gather(toks, i, comments)
        out.append(ll)
        first = code[0]
        if first.kind == "name" and first.text == "script":
            desc_mode = not script_seen
            script_seen = True
        i = ll.last_line + 1
    return out, blanks


def _plain_line(line: str, row: list[Token]) -> bool:
    """Whether a physical line is a logical line on its own: no comment, bracket, triple quote or `script`."""
    return (
        "--" not in line
        and "(" not in line
        and "[" not in line
        and "{" not in line
        and '"""' not in line
        and not (row[0].kind == "name" and row[0].text == "script")
    )


def _starts_code(code: list[Token]) -> bool:
    """Whether a line inside the script description starts code (ending the free text)."""
    first = code[0]
    return (
        (first.kind in ("section", "op") and first.text in ("}", "###", "->", "->>"))
        or first.kind == "section"
        or (first.kind == "name" and (first.text in DECL_WORDS or first.text in STEP_VERBS))
        or (len(code) > 1 and code[1].kind == "op" and code[1].text == "=")
    )


def _description_line(line: str, i: int, comments: list[Token]) -> LogicalLine:
    """A free-text description line, kept raw."""
    text = line.strip()
    start = len(line) - len(line.lstrip())
    # comments found by the lexer inside description text are not comments
    comments[:] = [c for c in comments if c.line != i]
    return LogicalLine(
        [Token("desc", text, i, start, i, start + len(text))], start, i, i, None, description=text
    )


def _opens_block(tokens: list[Token]) -> bool:
    """Whether the last token is a `{` that opens a block (not an expression `{`)."""
    last = tokens[-1]
    return (
        last.kind == "op"
        and last.text == "{"
        and len(tokens) > 1
        and not (tokens[-2].kind == "op" and tokens[-2].text in _NO_BLOCK_BEFORE)
    )


def _scan_row(
    row: list[Token], tokens: list[Token], stack: list[str], trailing: Token | None, inner: bool
) -> tuple[Token | None, bool]:
    """Add a physical row's code tokens to `tokens`, tracking open brackets. Returns (trailing, inner)."""
    for t in row:
        if t.kind == "comment":
            if stack:
                inner = True
            trailing = t
            continue
        tokens.append(t)
        if t.kind == "op":
            if t.text in _OPENERS:
                stack.append(_OPENERS[t.text])
            elif stack and t.text == stack[-1]:
                stack.pop()
    return trailing, inner


def _starts_statement(row: list[Token], col: int) -> bool:
    """Whether a physical row obviously starts a new statement (a verb at column <= `col`, or a section)."""
    first = next((t for t in row if t.kind != "comment"), None)
    if first is None:
        return False
    return (first.kind == "name" and first.text in STEP_VERBS and first.col <= col) or first.kind == "section"


def _gather(toks: list[list[Token]], i: int, comments: list[Token]) -> LogicalLine:
    """The logical line starting at physical line `i` (its comments already collected), continued over the
    following lines while a bracket is open; the comments of those lines are added to `comments`."""
    tokens: list[Token] = []
    trailing: Token | None = None
    inner = False
    stack: list[str] = []
    n = len(toks)
    j = i
    while True:
        trailing, inner = _scan_row(toks[j], tokens, stack, trailing, inner)
        # a trailing `{` of a statement opens a block, it does not continue the line
        if len(stack) == 1 and stack[-1] == "}" and _opens_block(tokens):
            break
        # do not swallow a line that obviously starts a new statement at the same or lower indent
        if not stack or j + 1 >= n or _starts_statement(toks[j + 1], tokens[0].col):
            break
        if trailing is not None and trailing.line == j:
            inner = True
        j += 1
        comments.extend(t for t in toks[j] if t.kind == "comment")
    if trailing is not None and trailing.line < tokens[-1].end_line:
        inner = True
    ll = LogicalLine(tokens, tokens[0].col, i, max(j, tokens[-1].end_line), trailing, inner)
    if _opens_block(tokens):
        ll.opens_brace = tokens[-1]
        ll.tokens = tokens[:-1]
    return ll


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
