"""`analyze(source)`: the facts editor features need (outline, folding, semantic tokens, bindings, context).

All positions are 0-based (line, code-point column), end-exclusive `Span`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .builtins import BUILTINS
from .catalog import MODEL_CAPABILITIES, TOOLS
from .checker import Facts, Sym, check
from .compiler import CompileResult, compile_parsed
from .diagnostics import CompileDiagnostic, to_diagnostics
from .gcpause import gc_paused
from .incremental import reparse
from .lexer import Token, tokenize
from .lines import DECL_WORDS, STEP_VERBS
from .parser import parse
from .syntax import (
    BinOp,
    Call,
    EnvRef,
    Expr,
    Get,
    Index,
    Lambda,
    ListLit,
    Method,
    ObjectLit,
    ParseResult,
    Script,
    Span,
    Step,
    TypeExpr,
    Unary,
)

KEYWORDS = frozenset(
    DECL_WORDS
    | STEP_VERBS
    | {
        "from", "native", "mcp", "with", "in", "parallel", "sleep", "batch", "via", "rules", "when",
        "otherwise", "error", "thread", "retry", "fallback", "ignore", "pass", "fail", "continue", "goto",
        "and", "or", "not", "true", "false", "null", "until", "max", "tools",
    }
)  # fmt: skip
TOKEN_TYPES = (
    "keyword", "string", "number", "comment", "variable", "parameter", "function", "type", "enumMember",
    "property", "operator", "namespace", "decorator",
)  # fmt: skip
TOKEN_MODIFIERS = ("declaration", "readonly", "defaultLibrary")
SYMBOL_KINDS = ("script", "block", "enum", "field", "step", "section", "binding", "branch", "handler")
BINDING_KINDS = {
    "input": "input",
    "let": "let",
    "step": "step",
    "loop": "loop",
    "lambda": "loop",
    "env": "env",
}
_INTERP = re.compile(r"\{\s*[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*\s*\}")
_WORD_TAIL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")

SemanticToken = tuple[int, int, int, str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    detail: str
    kind: str
    span: Span
    selection_span: Span
    children: tuple[Symbol, ...] = ()


@dataclass(slots=True)
class BindingInfo:
    name: str
    kind: str  # input | let | step | loop | env | enum | enumVariant
    definition: Span
    references: list[Span]
    type: str
    scope: Span | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What the cursor is at. `kind` is one of:

    comment, string, interpolation, annotation, top-level (start of a line before the steps: declaration
    keywords or steps), step-verb (start of a body line), type, constraint, import, env-decl, env-key,
    after-with (a tool name), tool-input (a `do`'s input name; `tool` is set), ask-field, agent-field,
    emit-field (`fields` lists the contract fields), check-clause, decide-clause, goto-target,
    branch-target, field-access (`path` is the dotted path before the dot), binding-name, expression.
    """

    kind: str
    prefix: str = ""
    tool: str | None = None
    path: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    given: frozenset[str] = frozenset()


@dataclass(slots=True)
class Analysis:
    """The facts of one text. Parse, check and diagnostics are computed up front (every edit needs them);
    the outline, folds, bindings and semantic tokens on first use, since only the requests that ask for
    them pay for them."""

    source: str
    parse: ParseResult
    facts: Facts
    diagnostics: tuple[CompileDiagnostic, ...]
    imported_tools: dict[str, str]
    env_keys: list[str]
    enums: dict[str, list[str | int | float]]
    lines: list[str] = field(default_factory=list)
    incremental: bool = False  # built by re-parsing one top-level step of a previous analysis
    _result: CompileResult | None = None
    _symbols: list[Symbol] | None = None
    _folds: list[tuple[int, int]] | None = None
    _tokens: list[SemanticToken] | None = None
    _bindings: list[BindingInfo] | None = None

    @property
    def result(self) -> CompileResult:
        """The full compile result (IR, YAML, AST JSON), computed on first use."""
        if self._result is None:
            self._result = compile_parsed(self.parse)
        return self._result

    @property
    def symbols(self) -> list[Symbol]:
        if self._symbols is None:
            with gc_paused():
                self._symbols = _outline(self.parse.script)
        return self._symbols

    @property
    def folds(self) -> list[tuple[int, int]]:
        if self._folds is None:
            with gc_paused():
                self._folds = _folds(self.parse.script, self.parse)
        return self._folds

    @property
    def tokens(self) -> list[SemanticToken]:
        if self._tokens is None:
            with gc_paused():
                self._tokens = _semantic_tokens(self.parse, self.facts)
        return self._tokens

    @property
    def bindings(self) -> list[BindingInfo]:
        if self._bindings is None:
            with gc_paused():
                self._bindings = _bindings(self.facts, self.parse.script)
        return self._bindings

    # --- lookups ----------------------------------------------------------------------------------------
    def binding_at(self, line: int, col: int) -> BindingInfo | None:
        """The binding whose definition or one of whose references covers (line, col)."""
        for b in self.bindings:
            if _within(b.definition, line, col):
                return b
        for b in self.bindings:
            for r in b.references:
                if _within(r, line, col):
                    return b
        return None

    def reference_at(self, line: int, col: int) -> tuple[BindingInfo, Span] | None:
        """The binding and the exact span (definition or reference) under the cursor."""
        for b in self.bindings:
            if _within(b.definition, line, col):
                return b, b.definition
            for r in b.references:
                if _within(r, line, col):
                    return b, r
        return None

    def names_visible_at(self, line: int, col: int) -> list[tuple[str, str, str]]:
        """(name, kind, type) of every name usable at (line, col): loop vars first, then bindings, inputs, env."""
        seen: set[str] = set()
        out: list[tuple[str, str, str]] = []
        order = {"loop": 0, "let": 1, "step": 1, "input": 2, "env": 3}
        cands = []
        for b in self.bindings:
            if b.kind in ("enum", "enumVariant"):
                continue
            if b.kind in ("input", "env"):
                cands.append(b)
                continue
            if b.scope is None or not _within(b.scope, line, col):
                continue
            if (b.definition.start_line, b.definition.start_col) >= (line, col):
                continue
            if b.kind in ("let", "step") and b.definition.start_line == line:
                continue
            cands.append(b)
        cands.sort(key=lambda b: (order.get(b.kind, 9), -b.definition.start_line))
        for b in cands:
            if b.name in seen:
                continue
            seen.add(b.name)
            out.append((b.name, b.kind, b.type))
        handler = self.parse.script.on_thread_error_span
        if (
            handler is not None
            and (line, col) > (handler.start_line, handler.end_col)
            and line >= handler.start_line
        ):
            out.extend((n, "implicit", "object") for n in ("error", "thread") if n not in seen)
        return out

    def tool_call_at(self, line: int, col: int) -> tuple[str, set[str]] | None:
        """(tool, given input names) of the `do` step whose inputs surround (line, col)."""
        best: tuple[str, Span, frozenset[str]] | None = None
        for tool, span, given in self.facts.tool_calls:
            if _within(span, line, col) and (best is None or span.start_line >= best[1].start_line):
                best = (tool, span, given)
        if best is not None:
            return best[0], set(best[2])
        parent = _parent_line(self.lines, line, col)
        if parent is not None:
            for tool, span, given in self.facts.tool_calls:
                if span.start_line == parent:
                    return tool, set(given)
        return None

    def context_at(self, line: int, col: int) -> Context:
        return context_at(self, line, col)


def _within(span: Span, line: int, col: int) -> bool:
    if (line, col) < (span.start_line, span.start_col):
        return False
    return (line, col) <= (span.end_line, span.end_col)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))


def _parent_line(lines: list[str], line: int, col: int) -> int | None:
    if line >= len(lines):
        return None
    text = lines[line]
    ind = _indent(text) if text.strip() else col
    for j in range(line - 1, -1, -1):
        t = lines[j]
        if not t.strip() or t.lstrip().startswith("--"):
            continue
        if _indent(t) < ind:
            return j
    return None


# --- building --------------------------------------------------------------------------------------------


def analyze(source: str, previous: Analysis | None = None) -> Analysis:
    """Parse, check and index `source` for editor features (never raises).

    With `previous` (the analysis of an earlier version of the same document), an edit that stays inside
    one top-level step re-parses only that step (see `language.incremental`); the result is the same.
    """
    if previous is not None and previous.source == source:
        return previous
    with gc_paused():  # every object built here lives as long as the analysis: nothing for the GC to find
        pr = reparse(previous.parse, source) if previous is not None else None
        incremental = pr is not None
        if pr is None:
            pr = parse(source)
        problems, facts = check(pr)
        diagnostics = to_diagnostics([*pr.problems, *problems], pr.lines)
    enums = {name: [v.value for v in e.variants] for name, e in facts.enums.items()}
    return Analysis(
        source,
        pr,
        facts,
        diagnostics,
        dict(facts.imported),
        list(facts.env),
        enums,
        list(pr.lines),
        incremental,
    )


def _sel(span: Span | None, fallback: Span) -> Span:
    return span if span is not None else fallback


def _step_name(st: Step) -> tuple[str, str]:
    if st.kind == "section":
        return st.title or "section", "section"
    if st.kind == "let":
        return f"let {st.name}", "expression"
    label = st.label.plain if st.label is not None else ""
    detail = st.kind
    if st.tool:
        detail = f"{st.kind} with {st.tool}" if st.kind != "run" else f"run {st.tool}"
    if st.binding is not None:
        detail += f" -> {st.binding.name}"
    return (label or st.kind), detail


def _step_symbols(steps: list[Step]) -> list[Symbol]:
    out: list[Symbol] = []
    for st in steps:
        name, detail = _step_name(st)
        children = _step_symbols(st.body)
        for br in st.branches:
            children.append(
                Symbol(br.name, "branch", "branch", br.span, br.name_span, tuple(_step_symbols(br.body)))
            )
        kind = "section" if st.kind == "section" else ("binding" if st.kind == "let" else "step")
        sel = (
            st.label.span
            if st.label is not None
            else (st.name_span if st.name_span is not None else st.verb_span)
        )
        out.append(Symbol(name, detail, kind, st.span, sel, tuple(children)))
    return out


def _outline(sc: Script) -> list[Symbol]:
    children: list[Symbol] = []
    for e in sc.enums:
        children.append(
            Symbol(e.name, " | ".join(str(v.value) for v in e.variants), "enum", e.span, e.name_span)
        )
    for b in sc.blocks:
        fields: list[Symbol] = []
        for f in b.fields:
            fields.append(Symbol(f.name, _type_text(f.type), "field", f.span, f.name_span))
        for imp in b.imports:
            fields.append(
                Symbol(imp.name, f"from {imp.source}" if imp.source else "", "field", imp.span, imp.name_span)
            )
        for ed in b.env:
            fields.append(
                Symbol(ed.name, f"from {ed.from_key}" if ed.from_key else "", "field", ed.span, ed.name_span)
            )
        word = "import tools" if b.kind == "tools" else b.kind
        children.append(Symbol(word, "", "block", b.span, b.keyword_span, tuple(fields)))
    children.extend(_step_symbols(sc.body))
    if sc.on_thread_error_span is not None:
        hs = sc.on_thread_error_span
        end = sc.on_thread_error[-1].span if sc.on_thread_error else hs
        children.append(
            Symbol(
                "on thread error",
                "handler",
                "handler",
                Span(hs.start_line, hs.start_col, end.end_line, end.end_col),
                hs,
                tuple(_step_symbols(sc.on_thread_error)),
            )
        )
    if sc.script_span is None:
        return children
    start = sc.script_span
    last = sc.end_span if sc.end_span is not None else start
    for c in children:
        if (c.span.end_line, c.span.end_col) > (last.end_line, last.end_col):
            last = c.span
    span = Span(start.start_line, start.start_col, last.end_line, last.end_col)
    return [
        Symbol(
            sc.name or "script",
            sc.description[:80],
            "script",
            span,
            _sel(sc.name_span, start),
            tuple(children),
        )
    ]


def _type_text(t: TypeExpr | None) -> str:
    if t is None:
        return ""
    if t.args:
        return f"{t.name}<{', '.join(_type_text(a) for a in t.args)}>"
    return t.name


def _folds(sc: Script, pr: ParseResult) -> list[tuple[int, int]]:
    out: set[tuple[int, int]] = set()

    def add(span: Span) -> None:
        if span.end_line > span.start_line:
            out.add((span.start_line, span.end_line))

    def steps(items: list[Step]) -> None:
        for st in items:
            add(st.span)
            for br in st.branches:
                add(br.span)
                steps(br.body)
            steps(st.body)

    for b in sc.blocks:
        add(b.span)
    steps(sc.body)
    if sc.on_thread_error_span is not None and sc.on_thread_error:
        hs = sc.on_thread_error_span
        add(Span(hs.start_line, hs.start_col, sc.on_thread_error[-1].span.end_line, 0))
        steps(sc.on_thread_error)
    # sections fold up to the next section
    secs = [st for st in sc.body if st.kind == "section"]
    last_line = len(pr.lines) - 1
    while last_line > 0 and not pr.lines[last_line].strip():
        last_line -= 1
    for i, st in enumerate(secs):
        end = secs[i + 1].span.start_line - 1 if i + 1 < len(secs) else last_line
        while end > st.span.start_line and not pr.lines[end].strip():
            end -= 1
        if end > st.span.start_line:
            out.add((st.span.start_line, end))
    return sorted(out)


def _type_str(sym: Sym) -> str:
    return sym.ty.show()


def _bindings(facts: Facts, sc: Script) -> list[BindingInfo]:
    out: list[BindingInfo] = []
    for s in facts.symbols:
        if s.span is None:
            continue
        kind = BINDING_KINDS.get(s.kind)
        if kind is None:
            continue
        out.append(BindingInfo(s.name, kind, s.span, list(s.refs), _type_str(s), s.scope))
    # enums and their variants
    enum_refs: dict[str, list[Span]] = {}

    def walk_type(t: TypeExpr | None) -> None:
        if t is None:
            return
        if t.name in facts.enums:
            enum_refs.setdefault(t.name, []).append(
                Span(t.span.start_line, t.span.start_col, t.span.start_line, t.span.start_col + len(t.name))
            )
        for a in t.args:
            walk_type(a)

    for b in sc.blocks:
        for f in b.fields:
            walk_type(f.type)
        for ed in b.env:
            walk_type(ed.type)
    for name, e in facts.enums.items():
        out.append(BindingInfo(name, "enum", e.name_span, enum_refs.get(name, []), "enum"))
        for v in e.variants:
            out.append(BindingInfo(str(v.value), "enumVariant", v.span, [], name))
    return out


def _semantic_tokens(pr: ParseResult, facts: Facts) -> list[SemanticToken]:
    info: dict[tuple[int, int], tuple[str, frozenset[str]]] = {}
    decl = frozenset({"declaration"})
    none: frozenset[str] = frozenset()

    def put(span: Span | None, kind: str, mods: frozenset[str] = none) -> None:
        if span is not None:
            info[(span.start_line, span.start_col)] = (kind, mods)

    for span, sym in facts.resolved:
        kind = "parameter" if sym.kind in ("input", "lambda") else "variable"
        put(span, kind, frozenset({"readonly"}) if sym.kind == "env" else none)
    for sym in facts.symbols:
        if sym.span is None:
            continue
        kind = "parameter" if sym.kind in ("input", "lambda") else "variable"
        mods = {"declaration"}
        if sym.kind == "env":
            mods.add("readonly")
        put(sym.span, kind, frozenset(mods))
    sc = pr.script
    for e in sc.enums:
        put(e.name_span, "type", decl)
        for v in e.variants:
            if not v.quoted and isinstance(v.value, str):
                put(v.span, "enumMember", decl)
    for b in sc.blocks:
        for f in b.fields:
            put(f.name_span, "parameter" if b.kind == "input" else "property", decl)
            _type_tokens(f.type, put)
            for c in f.constraints:
                put(c.name_span, "function", frozenset({"defaultLibrary"}))
            _expr_tokens(f.default, put, facts)
        for imp in b.imports:
            if imp.name != "*":
                put(imp.name_span, "function", decl)
        for ed in b.env:
            put(ed.name_span, "variable", frozenset({"declaration", "readonly"}))
            _type_tokens(ed.type, put)
            _expr_tokens(ed.default, put, facts)
    for a in sc.annotations:
        put(a.span, "decorator")

    def steps(items: list[Step]) -> None:
        for st in items:
            if st.tool_span is not None:
                builtin = st.tool in MODEL_CAPABILITIES
                put(
                    st.tool_span,
                    "function" if st.kind != "run" else "variable",
                    frozenset({"defaultLibrary"}) if builtin else none,
                )
            for a in st.inputs:
                put(a.name_span, "property")
                _expr_tokens(a.value, put, facts)
            if st.on_error is not None:
                put(st.on_error.tool_span, "function")
                for a in st.on_error.inputs:
                    put(a.name_span, "property")
                    _expr_tokens(a.value, put, facts)
            for e in (st.value, st.source, st.parallel, st.sleep, st.batch, st.condition, st.ask_llm, st.until,
                      st.max, st.duration):  # fmt: skip
                _expr_tokens(e, put, facts)
            for r in st.rules:
                _expr_tokens(r.when, put, facts)
            if st.kind == "section":
                put(st.span, "namespace")
            steps(st.body)
            for br in st.branches:
                steps(br.body)

    steps(sc.body)
    steps(sc.on_thread_error)

    toks = pr.tokens or tokenize(list(pr.lines))
    out: list[SemanticToken] = []
    desc = sc.description_span
    for row in toks:
        for t in row:
            if desc is not None and desc.start_line <= t.line <= desc.end_line:
                continue
            _emit_token(t, info, out)
    out.sort(key=lambda x: (x[0], x[1]))
    return out


def _emit_token(
    t: Token,
    info: dict[tuple[int, int], tuple[str, frozenset[str]]],
    out: list[SemanticToken],
) -> None:
    none: frozenset[str] = frozenset()
    k = t.kind
    if k == "comment":
        kind = "decorator" if re.match(r"--\s*@", t.text) and (t.line, t.col) in info else "comment"
        out.append((t.line, t.col, len(t.text), kind, none))
        return
    if k == "section":
        out.append((t.line, t.col, len(t.text), "namespace", none))
        return
    if k in ("str", "tstr", "badstr", "badtstr"):
        _string_tokens(t, out)
        return
    if k == "num":
        out.append((t.line, t.col, len(t.text), "number", none))
        return
    if k == "op":
        if t.text not in ("(", ")", "[", "]", "{", "}", ",", ".", ":", ";"):
            out.append((t.line, t.col, len(t.text), "operator", none))
        return
    if k == "name":
        hit = info.get((t.line, t.col))
        if hit is not None:
            out.append((t.line, t.col, len(t.text), hit[0], hit[1]))
        elif t.text in KEYWORDS:
            out.append((t.line, t.col, len(t.text), "keyword", none))
        elif t.text in BUILTINS:
            out.append((t.line, t.col, len(t.text), "function", frozenset({"defaultLibrary"})))


def _string_tokens(t: Token, out: list[SemanticToken]) -> None:
    none: frozenset[str] = frozenset()
    text_lines = t.text.split("\n")
    for i, piece in enumerate(text_lines):
        line = t.line + i
        col0 = t.col if i == 0 else 0
        pos = 0
        for m in _INTERP.finditer(piece):
            if m.start() > pos:
                out.append((line, col0 + pos, m.start() - pos, "string", none))
            out.append((line, col0 + m.start(), m.end() - m.start(), "variable", none))
            pos = m.end()
        if pos < len(piece):
            out.append((line, col0 + pos, len(piece) - pos, "string", none))


def _type_tokens(t: TypeExpr | None, put: object) -> None:
    if t is None:
        return
    assert callable(put)
    put(
        Span(t.span.start_line, t.span.start_col, t.span.start_line, t.span.start_col + len(t.name)),
        "type",
        frozenset(),
    )
    for a in t.args:
        _type_tokens(a, put)


def _expr_tokens(e: Expr | None, put: object, facts: Facts) -> None:
    if e is None:
        return
    assert callable(put)
    if isinstance(e, Get):
        put(e.field_span, "property", frozenset())
        _expr_tokens(e.target, put, facts)
    elif isinstance(e, Method):
        put(e.name_span, "function", frozenset({"defaultLibrary"}) if e.name in BUILTINS else frozenset())
        _expr_tokens(e.target, put, facts)
        for a in e.args:
            _expr_tokens(a, put, facts)
    elif isinstance(e, Call):
        put(e.func_span, "function", frozenset({"defaultLibrary"}) if e.func in BUILTINS else frozenset())
        for a in e.args:
            _expr_tokens(a, put, facts)
    elif isinstance(e, EnvRef):
        put(e.name_span, "variable", frozenset({"readonly"}))
        _expr_tokens(e.default, put, facts)
    elif isinstance(e, BinOp):
        _expr_tokens(e.left, put, facts)
        _expr_tokens(e.right, put, facts)
    elif isinstance(e, Unary):
        _expr_tokens(e.operand, put, facts)
    elif isinstance(e, Index):
        _expr_tokens(e.target, put, facts)
        _expr_tokens(e.at, put, facts)
    elif isinstance(e, Lambda):
        for p in e.params:
            put(p.span, "parameter", frozenset({"declaration"}))
        _expr_tokens(e.body, put, facts)
    elif isinstance(e, ListLit):
        for i in e.items:
            _expr_tokens(i, put, facts)
    elif isinstance(e, ObjectLit):
        for en in e.entries:
            put(en.key_span, "property", frozenset())
            _expr_tokens(en.value, put, facts)


# --- cursor context ---------------------------------------------------------------------------------------

_BODY_PARENTS = frozenset({"each", "pipe", "together", "repeat", "on", "when", "otherwise", "script"})


def _line_tokens(text: str) -> list[Token]:
    rows = tokenize([text])
    return rows[0] if rows else []


def context_at(a: Analysis, line: int, col: int) -> Context:
    lines = a.lines
    if line < 0 or line >= len(lines):
        return Context("top-level")
    text = lines[line]
    col = max(0, min(col, len(text)))
    before = text[:col]
    m = _WORD_TAIL.search(before)
    prefix = m.group() if m else ""
    toks = _line_tokens(before)
    # comments and strings
    if toks and toks[-1].kind == "comment":
        if re.match(r"--\s*@", toks[-1].text):
            return Context("annotation", prefix)
        return Context("comment", prefix)
    if (toks and toks[-1].kind in ("badstr",)) or (
        toks and toks[-1].kind == "str" and toks[-1].end_col > col
    ):
        s = toks[-1].text
        if s.rfind("{") > s.rfind("}"):
            return Context("interpolation", prefix)
        return Context("string", prefix)
    if toks and toks[-1].kind == "section":
        return Context("comment", prefix)
    code = [t for t in toks if t.kind != "comment"]
    if prefix and code and code[-1].kind == "name" and code[-1].end_col == col:
        code = code[:-1]
    prev = code[-1] if code else None
    first = code[0] if code else None
    parent_idx = _parent_line(lines, line, col)
    ptoks = (
        [t for t in _line_tokens(lines[parent_idx]) if t.kind != "comment"] if parent_idx is not None else []
    )
    pword = ptoks[0].text if ptoks and ptoks[0].kind == "name" else (ptoks[0].kind if ptoks else "")
    in_body = a.parse.script.body_start is not None and (
        line > a.parse.script.body_start.start_line
        or (parent_idx is not None and parent_idx >= a.parse.script.body_start.start_line)
    )
    # after specific tokens
    if prev is not None and prev.kind == "op" and prev.text in (".", "?."):
        path: list[str] = []
        k = len(code) - 2
        while k >= 0:
            t = code[k]
            if t.kind == "name":
                path.insert(0, t.text)
                if k >= 1 and code[k - 1].kind == "op" and code[k - 1].text in (".", "?."):
                    k -= 2
                    continue
            break
        return Context("field-access", prefix, path=tuple(path), fields=_fields_of(a, tuple(path), line, col))
    if prev is not None and prev.kind == "name" and prev.text == "with":
        return Context("after-with", prefix)
    if prev is not None and prev.kind == "name" and prev.text == "goto":
        return Context("goto-target", prefix)
    if prev is not None and prev.kind == "op" and prev.text in ("->", "->>"):
        if first is not None and first.text in ("when", "otherwise"):
            return Context("branch-target", prefix)
        return Context("binding-name", prefix)
    if prev is not None and prev.kind == "name" and prev.text == "let" and len(code) == 1:
        return Context("binding-name", prefix)
    if len(code) >= 2 and code[-1].kind == "op" and code[-1].text in ("(", ","):
        # env( KEY
        depth = 0
        for k in range(len(code) - 1, -1, -1):
            t = code[k]
            if t.kind == "op" and t.text in (")", "]", "}"):
                depth += 1
            elif t.kind == "op" and t.text in ("(", "[", "{"):
                if depth == 0:
                    if t.text == "(" and k >= 1 and code[k - 1].text == "env":
                        return Context("env-key", prefix)
                    if t.text in ("(", "{") and k >= 2 and code[k - 2].text == "with":
                        tool = code[k - 1].text
                        given = frozenset(
                            x.text
                            for j, x in enumerate(code[k + 1 :], start=k + 1)
                            if x.kind == "name" and j + 1 < len(code) and code[j + 1].text in (":", "=")
                        )
                        return Context("tool-input", prefix, tool=tool, given=given)
                    break
                depth -= 1
    # declaration blocks
    block_word = pword
    if pword == "import":
        block_word = "tools"
    if block_word in ("input", "output", "stream") and parent_idx is not None and not in_body:
        if any(t.kind == "op" and t.text == "=" for t in code):
            return Context("expression", prefix)
        if prev is not None and prev.kind == "op" and prev.text in (":", "<", ","):
            return Context("type", prefix)
        if any(t.kind == "op" and t.text == ":" for t in code):
            return Context("constraint", prefix)
        return Context("binding-name", prefix)
    if block_word == "tools" and not in_body:
        return Context("import", prefix)
    if block_word == "env" and not in_body:
        if prev is not None and prev.kind == "op" and prev.text == ":":
            return Context("type", prefix)
        return Context("env-decl", prefix)
    # children of steps
    if not code and parent_idx is not None:
        if pword == "do":
            call = a.tool_call_at(line, col)
            tname = call[0] if call else _tool_after_with(ptoks)
            return Context(
                "tool-input", prefix, tool=tname, given=frozenset(call[1]) if call else frozenset()
            )
        if pword == "ask":
            return Context("ask-field", prefix)
        if pword in ("agent", "plan"):
            return Context("agent-field", prefix, tool=pword)
        if pword == "emit":
            return Context("emit-field", prefix, fields=tuple(a.facts.outputs))
        if pword == "yield":
            return Context("emit-field", prefix, fields=tuple(a.facts.stream))
        if pword == "check":
            return Context("check-clause", prefix)
        if pword == "decide":
            return Context("decide-clause", prefix)
        if pword in ("send", "run"):
            return Context("emit-field", prefix)
        return Context("step-verb", prefix)
    if not code:
        if in_body or parent_idx is not None:
            return Context("step-verb", prefix)
        return Context("top-level", prefix)
    return Context("expression", prefix)


def _fields_of(a: Analysis, path: tuple[str, ...], line: int, col: int) -> tuple[str, ...]:
    """Known field names of the value at `path` (e.g. a tool output's fields), () when unknown."""
    if not path:
        return ()
    ty = None
    for sym in a.facts.symbols:
        if sym.name != path[0]:
            continue
        if sym.scope is None or _within(sym.scope, line, col):
            ty = sym.ty
    if ty is None and path[0] == "input":
        return tuple(a.facts.inputs)
    for part in path[1:]:
        if ty is None:
            break
        ty = ty.field(part)
    if ty is None or ty.fields is None:
        return ()
    return tuple(name for name, _t in ty.fields)


def _tool_after_with(toks: list[Token]) -> str | None:
    for i, t in enumerate(toks):
        if t.kind == "name" and t.text == "with" and i + 1 < len(toks):
            return toks[i + 1].text
    return None


def tool_names() -> list[str]:
    return sorted(TOOLS)
