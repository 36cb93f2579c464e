"""The syntax tree. All three dialects (indentation, brace, inline call) normalise to these nodes.

Positions are 0-based `Span`s (line, code-point column), end-exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .lexer import Token


class Span(NamedTuple):
    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def contains(self, line: int, col: int) -> bool:
        if (line, col) < (self.start_line, self.start_col):
            return False
        return (line, col) <= (self.end_line, self.end_col)


NO_SPAN = Span(0, 0, 0, 0)


_new_tuple = tuple.__new__


def join(a: Span, b: Span) -> Span:
    """The span from the start of `a` to the end of `b`."""
    span: Span = _new_tuple(Span, (a[0], a[1], b[2], b[3]))
    return span


@dataclass(frozen=True, slots=True)
class Problem:
    """A syntax problem found by the lexer/parser (the checker adds semantic ones)."""

    span: Span
    message: str
    code: str = "syntax"
    hint: str = ""
    severity: str = "error"


# --- expressions ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Expr:
    span: Span


@dataclass(slots=True)
class Lit(Expr):
    value: str | int | float | bool | None


@dataclass(slots=True)
class InterpPath:
    path: list[str]
    span: Span  # span of the path text inside the string (without braces)


@dataclass(slots=True)
class Str(Expr):
    parts: list[str | InterpPath]
    triple: bool = False

    @property
    def plain(self) -> str:
        """The text with interpolations written back as `{a.b}`."""
        return "".join(p if isinstance(p, str) else "{" + ".".join(p.path) + "}" for p in self.parts)


@dataclass(slots=True)
class Name(Expr):
    name: str


@dataclass(slots=True)
class Get(Expr):
    target: Expr
    field: str
    safe: bool
    field_span: Span


@dataclass(slots=True)
class Index(Expr):
    target: Expr
    at: Expr


@dataclass(slots=True)
class Call(Expr):
    func: str
    func_span: Span
    args: list[Expr]


@dataclass(slots=True)
class Method(Expr):
    target: Expr
    name: str
    name_span: Span
    args: list[Expr]


@dataclass(slots=True)
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr
    op_span: Span


@dataclass(slots=True)
class Unary(Expr):
    op: str  # "not" | "neg"
    operand: Expr


@dataclass(slots=True)
class Param:
    name: str
    span: Span


@dataclass(slots=True)
class Lambda(Expr):
    params: list[Param]
    body: Expr


@dataclass(slots=True)
class ListLit(Expr):
    items: list[Expr]


@dataclass(slots=True)
class Entry:
    key: str
    key_span: Span
    value: Expr


@dataclass(slots=True)
class ObjectLit(Expr):
    entries: list[Entry]


@dataclass(slots=True)
class EnvRef(Expr):
    name: str
    name_span: Span
    default: Expr | None


@dataclass(slots=True)
class ErrorExpr(Expr):
    pass


# --- declarations -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Annotation:
    name: str
    values: list[str]
    span: Span
    name_span: Span
    before_script: bool


@dataclass(slots=True)
class TypeExpr:
    name: str
    span: Span
    args: list[TypeExpr] = field(default_factory=list)


@dataclass(slots=True)
class Constraint:
    name: str
    args: list[Expr]
    span: Span
    name_span: Span


@dataclass(slots=True)
class FieldDecl:
    name: str
    name_span: Span
    type: TypeExpr | None
    constraints: list[Constraint]
    default: Expr | None
    comment: str
    span: Span


@dataclass(slots=True)
class EnumVariant:
    value: str | int | float
    span: Span
    quoted: bool


@dataclass(slots=True)
class EnumDecl:
    name: str
    name_span: Span
    base: str | None
    base_span: Span | None
    variants: list[EnumVariant]
    span: Span


@dataclass(slots=True)
class ToolImport:
    name: str  # "*" for the wildcard
    name_span: Span
    source: str  # "native" | "mcp:<server>" | <ident> | "" when no `from`
    span: Span


@dataclass(slots=True)
class EnvDecl:
    name: str
    name_span: Span
    type: TypeExpr | None
    from_key: str | None
    default: Expr | None
    comment: str
    span: Span


@dataclass(slots=True)
class Block:
    """A declaration block: input | output | stream | tools | env | secrets."""

    kind: str
    keyword_span: Span
    span: Span
    fields: list[FieldDecl] = field(default_factory=list)
    imports: list[ToolImport] = field(default_factory=list)
    env: list[EnvDecl] = field(default_factory=list)


# --- steps ------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Assign:
    name: str
    name_span: Span
    value: Expr
    span: Span


@dataclass(slots=True)
class Binding:
    name: str
    span: Span  # the name
    stream: bool
    arrow_span: Span


@dataclass(slots=True)
class Action:
    action: str  # continue | goto | retry | fail
    span: Span
    target: str | None = None
    target_span: Span | None = None
    count: int | None = None
    message: Expr | None = None


@dataclass(slots=True)
class OnError:
    action: str  # retry | fallback | ignore
    span: Span
    count: int | None = None
    tool: str | None = None
    tool_span: Span | None = None
    inputs: list[Assign] = field(default_factory=list)


@dataclass(slots=True)
class Rule:
    when: Expr
    branch: str
    branch_span: Span
    span: Span


@dataclass(slots=True)
class Branch:
    name: str
    name_span: Span
    span: Span
    body: list[Step] = field(default_factory=list)


@dataclass(slots=True)
class Step:
    """One body statement; `kind` is the source verb (do, let, each, ..., section)."""

    kind: str
    span: Span
    verb_span: Span
    label: Str | None = None
    tool: str | None = None
    tool_span: Span | None = None
    inputs: list[Assign] = field(default_factory=list)
    on_error: OnError | None = None
    binding: Binding | None = None
    # let
    name: str | None = None
    name_span: Span | None = None
    value: Expr | None = None
    # each / pipe
    item: Param | None = None
    index: Param | None = None
    source: Expr | None = None
    parallel: Expr | None = None
    sleep: Expr | None = None
    batch: Expr | None = None
    body: list[Step] = field(default_factory=list)
    # check
    condition: Expr | None = None
    ask_llm: Expr | None = None
    on_pass: Action | None = None
    on_fail: Action | None = None
    # decide
    strategy: str | None = None
    rules: list[Rule] = field(default_factory=list)
    otherwise: str | None = None
    otherwise_span: Span | None = None
    branches: list[Branch] = field(default_factory=list)
    # together: lanes are the body steps; repeat: until / max
    until: Expr | None = None
    max: Expr | None = None
    # wait
    duration: Expr | None = None
    # send
    channel: Str | None = None
    # section
    title: str | None = None


@dataclass(slots=True)
class Script:
    annotations: list[Annotation] = field(default_factory=list)
    name: str | None = None
    name_span: Span | None = None
    script_span: Span | None = None
    description: str = ""
    description_span: Span | None = None
    version: str | None = None
    version_span: Span | None = None
    enums: list[EnumDecl] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    body: list[Step] = field(default_factory=list)
    on_thread_error: list[Step] = field(default_factory=list)
    on_thread_error_span: Span | None = None
    dialect: str = "indent"  # indent | brace
    end_span: Span | None = None  # the last token of the `script` line's block (its `}` in the brace dialect)
    # (kind, span) of declaration blocks and enums in source order, for the block-order check
    order: list[tuple[str, Span]] = field(default_factory=list)
    # first body step position (declarations after it are out of order)
    body_start: Span | None = None


@dataclass(frozen=True, slots=True)
class ParseResult:
    script: Script
    problems: tuple[Problem, ...]
    lines: tuple[str, ...]
    comments: tuple[tuple[int, int, str], ...]  # (line, col, text)
    # the lexer's tokens per physical line (lexed once: semantic tokens reuse them) and the first physical
    # line of every top-level node of the line tree (the units `language.incremental` re-parses)
    tokens: tuple[list[Token], ...] = ()
    tops: tuple[int, ...] = ()
