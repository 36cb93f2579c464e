"""The checker: semantic diagnostics over the syntax tree, plus the symbol facts the IR and editor need.

Name lookup order (docs/language.md §7): loop variable -> let/step bindings -> inputs -> constants. Declared
env keys and, inside `on thread error`, `error` and `thread` are visible too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .builtins import BUILTINS
from .catalog import MODEL_CAPABILITIES, TOOLS
from .durations import is_duration
from .gcpause import gc_paused
from .suggest import closest, did_you_mean
from .syntax import (
    Assign,
    BinOp,
    Block,
    Call,
    Constraint,
    EnumDecl,
    EnvRef,
    Expr,
    FieldDecl,
    Get,
    Index,
    InterpPath,
    Lambda,
    ListLit,
    Lit,
    Method,
    Name,
    ObjectLit,
    ParseResult,
    Problem,
    Script,
    Span,
    Step,
    Str,
    TypeExpr,
    Unary,
)
from .types import (
    ALIASES,
    ANY,
    BOOLEAN,
    INTEGER,
    LIST,
    NULL,
    NUMBER,
    OBJECT,
    PRIMITIVES,
    TEXT,
    TYPE_WORDS,
    Ty,
    accepts,
    from_schema,
    schema_accepts,
)

BLOCK_RANK = {
    "version": 4,
    "enum": 5,
    "input": 6,
    "output": 7,
    "stream": 8,
    "tools": 9,
    "env": 10,
    "secrets": 11,
}
BLOCK_WORD = {"tools": "import tools", "enum": "enum", "version": "version"}
CONSTANTS = ("true", "false", "null")
ANNOTATIONS = ("accepts_content_type", "accepts_extension")
CONSTRAINTS: Mapping[str, tuple[str, int]] = {
    # name -> (applies to: numeric | text | list, argument count)
    "range": ("numeric", 2),
    "min": ("numeric", 1),
    "max": ("numeric", 1),
    "length": ("text", 2),
    "pattern": ("text", 1),
    "min_items": ("list", 1),
    "max_items": ("list", 1),
    "unique": ("list", 0),
}
ASK_FIELDS = ("prompt", "options", "type", "default", "timeout", "max_retries")
AGENT_FIELDS = ("task", "tools", "system", "max_iterations", "temperature", "max_tokens", "model")
PLAN_FIELDS = ("task", "tools", "context", "model", "max_steps", "validate")
# verb -> (known fields, required fields, other fields allowed); completion offers exactly these
VERB_FIELDS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "ask": (ASK_FIELDS, ("prompt",), False),
    "agent": (AGENT_FIELDS, ("task", "tools"), True),
    "plan": (PLAN_FIELDS, ("task",), False),
}
SEND_CHANNELS = ("slack", "email")
ASK_TY = Ty("object", fields=(("value", ANY), ("provided_by", TEXT), ("provided_at", TEXT), ("attempt", INTEGER)),
            closed=True, origin="ask result")  # fmt: skip
AGENT_TY = Ty("object", fields=(("text", TEXT), ("iterations", INTEGER), ("tool_calls", LIST),
                                ("exhausted", BOOLEAN)), closed=True, origin="agent result")  # fmt: skip
ERROR_TY = Ty("object", fields=(("message", TEXT), ("code", TEXT), ("step", TEXT), ("tool", TEXT)))
THREAD_TY = Ty("object", fields=(("id", TEXT), ("status", TEXT)))


@dataclass(slots=True)
class Sym:
    name: str
    kind: str  # input | let | step | loop | env | implicit | lambda
    ty: Ty
    span: Span | None
    refs: list[Span] = field(default_factory=list)
    scope: Span | None = None  # where the name is visible (None: everywhere)


@dataclass(slots=True)
class Facts:
    """What the checker learned, for the IR, the contract and editor features."""

    symbols: list[Sym] = field(default_factory=list)
    tools_required: set[str] = field(default_factory=set)
    imported: dict[str, str] = field(default_factory=dict)  # tool -> source
    wildcard_sources: set[str] = field(default_factory=set)
    enums: dict[str, EnumDecl] = field(default_factory=dict)
    inputs: dict[str, FieldDecl] = field(default_factory=dict)
    outputs: dict[str, FieldDecl] = field(default_factory=dict)
    stream: dict[str, FieldDecl] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Span] = field(default_factory=dict)
    # name spans resolved to a symbol: (span) -> Sym, for editor features
    resolved: list[tuple[Span, Sym]] = field(default_factory=list)
    # (tool name, call span covering the step, given input names) for editor completion
    tool_calls: list[tuple[str, Span, frozenset[str]]] = field(default_factory=list)


class Checker:
    def __init__(self, pr: ParseResult) -> None:
        self.parsed = pr
        self.script: Script = pr.script
        self.out: list[Problem] = []
        self.facts = Facts()
        self.frames: list[dict[str, Sym]] = []
        self.loop_frames: list[dict[str, Sym]] = []
        self.bound: dict[str, tuple[Span, tuple[tuple[int, int], ...]]] = {}
        self.branch_path: tuple[tuple[int, int], ...] = ()
        self.repeat_outer: list[set[str]] = []
        self.in_handler = False
        self.decide_ids = 0
        n = len(pr.lines)
        self.scope_end: list[Span] = [Span(n, 0, n, 0)]
        self.emitted: dict[str, set[str]] = {}
        self.whole_output = False

    def err(self, span: Span, message: str, code: str, hint: str = "", severity: str = "error") -> None:
        self.out.append(Problem(span, message, code, hint, severity))

    # --- entry ---------------------------------------------------------------------------------------
    def run(self) -> tuple[list[Problem], Facts]:
        self.annotations()
        self.block_order()
        self.enums()
        self.blocks()
        self.collect_labels(self.script.body)
        self.collect_labels(self.script.on_thread_error)
        root: dict[str, Sym] = {}
        for fd in self.facts.inputs.values():
            s = Sym(fd.name, "input", self.decl_ty(fd.type), fd.name_span)
            root[fd.name] = s
            self.facts.symbols.append(s)
        for name, ed in self.facts.env.items():
            s = Sym(name, "env", self.decl_ty(ed.type) if ed.type else TEXT, ed.name_span)
            root.setdefault(name, s)
            self.facts.symbols.append(s)
        self.frames = [root, {}]
        self.steps(self.script.body)
        if self.script.on_thread_error:
            self.in_handler = True
            self.frames.append({})
            if self.script.on_thread_error_span is not None:
                last = self.script.on_thread_error[-1].span
                hs = self.script.on_thread_error_span
                self.scope_end.append(Span(hs.start_line, hs.start_col, last.end_line, last.end_col))
            self.steps(self.script.on_thread_error)
            self.frames.pop()
            self.in_handler = False
        self.unset_contract_fields()
        return self.out, self.facts

    # --- declarations --------------------------------------------------------------------------------
    def annotations(self) -> None:
        for a in self.script.annotations:
            if not a.before_script:
                self.err(
                    a.span,
                    f"annotation '@{a.name}' is ignored after 'script'",
                    "annotation-position",
                    "move it above the 'script' line",
                    "warning",
                )
            elif a.name not in ANNOTATIONS:
                self.err(
                    a.name_span,
                    f"unknown annotation '@{a.name}'",
                    "unknown-annotation",
                    did_you_mean(a.name, ANNOTATIONS),
                    "warning",
                )
            elif not a.values:
                self.err(a.span, f"'@{a.name}' has no values", "annotation-value", "", "warning")

    def block_order(self) -> None:
        best_rank = 0
        best_kind = ""
        seen: dict[str, Span] = {}
        body_start = self.script.body_start
        for kind, span in self.script.order:
            rank = BLOCK_RANK.get(kind, 0)
            word = BLOCK_WORD.get(kind, kind)
            if kind not in ("enum",) and kind in seen:
                self.err(span, f"duplicate '{word}' block", "duplicate-block")
                continue
            seen[kind] = span
            if body_start is not None and (span.start_line, span.start_col) > (
                body_start.start_line,
                body_start.start_col,
            ):
                self.err(
                    span,
                    f"'{word}' after the first step is skipped by the platform",
                    "block-order",
                    "move it above the steps",
                    "warning",
                )
                continue
            if rank < best_rank:
                self.err(
                    span,
                    f"'{word}' is out of order and is skipped by the platform",
                    "block-order",
                    f"move it before '{BLOCK_WORD.get(best_kind, best_kind)}'",
                    "warning",
                )
                continue
            best_rank, best_kind = rank, kind

    def enums(self) -> None:
        for e in self.script.enums:
            if e.name in self.facts.enums:
                self.err(e.name_span, f"duplicate enum '{e.name}'", "duplicate-enum")
                continue
            if e.name in TYPE_WORDS:
                self.err(
                    e.name_span,
                    f"enum '{e.name}' hides the type of the same name",
                    "enum-name",
                    "",
                    "warning",
                )
            self.facts.enums[e.name] = e
            cats = set()
            seen: set[str | int | float] = set()
            first_cat = None
            for v in e.variants:
                cat = (
                    "text"
                    if isinstance(v.value, str)
                    else ("integer" if isinstance(v.value, int) else "number")
                )
                tcat = "text" if cat == "text" else "numeric"
                if first_cat is None:
                    first_cat = tcat
                elif tcat != first_cat:
                    self.err(v.span, f"enum '{e.name}' mixes text and numeric variants", "enum-mixed")
                cats.add(cat)
                if v.value in seen:
                    self.err(v.span, f"duplicate variant {v.value!r} in enum '{e.name}'", "enum-duplicate")
                seen.add(v.value)
            if e.base is not None and e.base_span is not None:
                if e.base not in ("integer", "number", "text"):
                    canon = ALIASES.get(e.base)
                    if canon in ("integer", "number", "text"):
                        continue
                    self.err(
                        e.base_span,
                        f"enum base must be integer, number or text, not '{e.base}'",
                        "enum-base",
                        did_you_mean(e.base, ("integer", "number", "text")),
                    )
                    continue
                if e.base == "text" and cats & {"integer", "number"}:
                    self.err(
                        e.base_span, f"enum '{e.name}' is declared text but has numeric variants", "enum-base"
                    )
                elif e.base in ("integer", "number") and "text" in cats:
                    self.err(
                        e.base_span,
                        f"enum '{e.name}' is declared {e.base} but has text variants",
                        "enum-base",
                    )
                elif e.base == "integer" and "number" in cats:
                    self.err(
                        e.base_span,
                        f"enum '{e.name}' is declared integer but has non-integer variants",
                        "enum-base",
                        "declare it ': number'",
                    )

    def blocks(self) -> None:
        for b in self.script.blocks:
            if b.kind in ("input", "output", "stream"):
                target = {
                    "input": self.facts.inputs,
                    "output": self.facts.outputs,
                    "stream": self.facts.stream,
                }[b.kind]
                for fd in b.fields:
                    if fd.name in target:
                        self.err(
                            fd.name_span, f"duplicate field '{fd.name}' in '{b.kind}'", "duplicate-field"
                        )
                        continue
                    target[fd.name] = fd
                    self.field_decl(fd, b)
            elif b.kind == "tools":
                self.imports(b)
            else:
                for ed in b.env:
                    if ed.name in self.facts.env:
                        self.err(ed.name_span, f"duplicate env key '{ed.name}'", "duplicate-field")
                        continue
                    self.facts.env[ed.name] = ed
                    if ed.type is not None:
                        self.check_type(ed.type)
                    if ed.default is not None:
                        self.literal_default(ed.default, self.decl_ty(ed.type) if ed.type else ANY, ed.name)
                if b.kind == "secrets":
                    self.err(
                        b.keyword_span,
                        "the 'secrets' block is legacy",
                        "legacy-secrets",
                        "use an 'env' block",
                        "info",
                    )

    def imports(self, b: Block) -> None:
        for imp in b.imports:
            if imp.name == "*":
                self.facts.wildcard_sources.add(imp.source)
                continue
            if imp.name in self.facts.imported:
                self.err(
                    imp.name_span, f"tool '{imp.name}' is imported twice", "duplicate-import", "", "warning"
                )
                continue
            if imp.name in MODEL_CAPABILITIES:
                self.err(
                    imp.name_span,
                    f"'{imp.name}' is a model capability and needs no import",
                    "needless-import",
                    "",
                    "info",
                )
            elif imp.source == "native" and imp.name not in TOOLS:
                self.err(
                    imp.name_span,
                    f"unknown native tool '{imp.name}'",
                    "unknown-tool",
                    did_you_mean(imp.name, sorted(TOOLS)),
                    "warning",
                )
            elif imp.source not in ("native", "") and not imp.source.startswith("mcp:"):
                self.err(
                    imp.name_span,
                    f"unknown tool source '{imp.source}'",
                    "unknown-tool-source",
                    'use native or mcp("server")',
                    "warning",
                )
            self.facts.imported[imp.name] = imp.source

    def check_type(self, t: TypeExpr) -> None:
        name = t.name
        if name in ("list", "map"):
            want = 1 if name == "list" else 2
            if t.args and len(t.args) != want:
                self.err(
                    t.span, f"'{name}' takes {want} type parameter{'s' if want > 1 else ''}", "type-args"
                )
            if name == "map" and not t.args:
                self.err(t.span, "'map' needs key and value types", "type-args", "write map<text, any>")
            for a in t.args:
                self.check_type(a)
            return
        if t.args:
            self.err(t.span, f"type '{name}' takes no type parameters", "type-args")
        if name in PRIMITIVES or name in self.facts.enums:
            return
        if name == "file":
            self.err(
                t.span,
                "'file' is not a documented type; it is treated as 'binary'",
                "product-type",
                "write binary",
                "warning",
            )
            return
        if name in ALIASES:
            return
        self.err(
            t.span,
            f"unknown type '{name}'",
            "unknown-type",
            did_you_mean(name, [*PRIMITIVES, "list", "map", *self.facts.enums, *ALIASES]),
        )

    def decl_ty(self, t: TypeExpr | None) -> Ty:
        if t is None:
            return ANY
        name = ALIASES.get(t.name, t.name)
        if name == "list":
            return Ty("list", elem=self.decl_ty(t.args[0]) if t.args else ANY)
        if name == "map":
            return Ty(
                "map",
                key=self.decl_ty(t.args[0]) if t.args else TEXT,
                value=self.decl_ty(t.args[1]) if len(t.args) > 1 else ANY,
            )
        if name in self.facts.enums:
            return Ty("enum", enum=name)
        if name in PRIMITIVES:
            return Ty(name)
        return ANY

    def field_decl(self, fd: FieldDecl, b: Block) -> None:
        if fd.type is None:
            return
        self.check_type(fd.type)
        ty = self.decl_ty(fd.type)
        for c in fd.constraints:
            self.constraint(c, ty)
        if fd.default is not None:
            if b.kind != "input":
                self.err(
                    fd.default.span,
                    "defaults are only meaningful on input fields",
                    "default-ignored",
                    "",
                    "info",
                )
            self.literal_default(fd.default, ty, fd.name)

    def constraint(self, c: Constraint, ty: Ty) -> None:
        """One constraint of a field: known, applicable to the field's type, with the right arguments."""
        spec = CONSTRAINTS.get(c.name)
        if spec is None:
            self.err(
                c.name_span,
                f"unknown constraint '{c.name}'",
                "unknown-constraint",
                did_you_mean(c.name, CONSTRAINTS),
            )
            return
        applies, nargs = spec
        kind = "text" if ty.kind == "enum" else ty.kind
        ok = (
            (applies == "numeric" and kind in ("number", "integer"))
            or (applies == "text" and kind == "text")
            or (applies == "list" and kind == "list")
            or kind == "any"
        )
        if not ok:
            what = {"numeric": "number or integer", "text": "text", "list": "list"}[applies]
            self.err(c.span, f"'{c.name}' applies to {what} fields, not {ty.show()}", "constraint-type")
            return
        if len(c.args) != nargs:
            self.err(
                c.span,
                f"'{c.name}' takes {nargs} argument{'s' if nargs != 1 else ''}, got {len(c.args)}",
                "constraint-args",
                "write unique without parentheses" if c.name == "unique" else "",
            )
            return
        if c.name == "pattern":
            for a in c.args:
                self.pattern_arg(a)
            return
        vals = [v for v in (self.numeric_constraint_arg(c.name, a) for a in c.args) if v is not None]
        if len(vals) == 2 and vals[0] > vals[1]:
            self.err(c.span, f"'{c.name}' minimum is greater than its maximum", "constraint-args")

    def pattern_arg(self, a: Expr) -> None:
        if not isinstance(a, Str) or any(not isinstance(p, str) for p in a.parts):
            self.err(a.span, "'pattern' takes a regular expression string", "constraint-args")
            return
        try:
            re.compile(a.plain)
        except (re.error, RecursionError, OverflowError) as exc:
            self.err(a.span, f"invalid regular expression: {exc}", "constraint-args", "", "warning")

    def numeric_constraint_arg(self, name: str, a: Expr) -> int | float | None:
        """The value of a numeric constraint argument, or None (and a diagnostic) when it is not one."""
        if not isinstance(a, Lit) or isinstance(a.value, bool) or not isinstance(a.value, int | float):
            self.err(a.span, f"'{name}' takes numbers", "constraint-args")
            return None
        if name in ("length", "min_items", "max_items") and (not isinstance(a.value, int) or a.value < 0):
            self.err(a.span, f"'{name}' takes non-negative integers", "constraint-args")
            return None
        return a.value

    def literal_default(self, e: Expr, ty: Ty, name: str) -> None:
        lt = literal_ty(e)
        if lt is None:
            if isinstance(e, Name) and ty.kind == "enum":
                lt = Ty("enum", enum=ty.enum)
            else:
                self.err(e.span, f"the default of '{name}' must be a literal", "default-not-literal")
                return
        if ty.kind == "enum" and ty.enum is not None:
            decl = self.facts.enums.get(ty.enum)
            if decl is None:
                return
            value: object = e.name if isinstance(e, Name) else lit_value(e)
            variants = [v.value for v in decl.variants]
            if value not in variants and not (isinstance(value, int | float) and float(value) in variants):
                self.err(
                    e.span,
                    f"{value!r} is not a variant of enum '{ty.enum}'",
                    "enum-default",
                    did_you_mean(str(value), [str(v) for v in variants]),
                )
            return
        if not accepts(ty, lt):
            self.err(e.span, f"default of '{name}' should be {ty.show()}, got {lt.show()}", "default-type")

    def collect_labels(self, steps: list[Step]) -> None:
        for st in steps:
            if st.kind == "section" and st.title:
                self.facts.labels.setdefault(st.title, st.span)
            elif st.label is not None and all(isinstance(p, str) for p in st.label.parts):
                self.facts.labels.setdefault(st.label.plain, st.label.span)
            for br in st.branches:
                self.facts.labels.setdefault(br.name, br.name_span)
                self.collect_labels(br.body)
            self.collect_labels(st.body)

    # --- scopes --------------------------------------------------------------------------------------
    def lookup(self, name: str) -> Sym | None:
        for fr in reversed(self.loop_frames):
            if name in fr:
                return fr[name]
        for fr in reversed(self.frames):
            if name in fr:
                return fr[name]
        return None

    def candidates(self) -> list[str]:
        out: list[str] = []
        for fr in reversed(self.loop_frames):
            out.extend(fr)
        for fr in reversed(self.frames[1:]):
            out.extend(fr)
        out.extend(self.frames[0] if self.frames else ())
        out.extend(CONSTANTS)
        return out

    def bind(self, name: str, span: Span, kind: str, ty: Ty) -> None:
        prev = self.lookup(name)
        allowed_rebind = bool(self.repeat_outer) and name in self.repeat_outer[-1]
        if prev is not None and not allowed_rebind:
            what = {"input": "an input", "env": "an env key", "loop": "a loop variable"}.get(
                prev.kind, "a binding"
            )
            self.err(
                span,
                f"'{name}' is already declared as {what}",
                "duplicate-binding",
                "bindings are immutable; pick a new name",
            )
        elif name in self.bound and not allowed_rebind:
            other_span, other_path = self.bound[name]
            if not _different_branches(other_path, self.branch_path):
                self.err(
                    span,
                    f"'{name}' is already bound at line {other_span.start_line + 1}",
                    "duplicate-binding",
                    "names must be unique across the script",
                )
        self.bound.setdefault(name, (span, self.branch_path))
        end = self.scope_end[-1]
        s = Sym(name, kind, ty, span, scope=Span(span.start_line, span.start_col, end.end_line, end.end_col))
        self.frames[-1][name] = s
        self.facts.symbols.append(s)

    # --- steps ---------------------------------------------------------------------------------------
    def steps(self, steps: list[Step]) -> None:
        for st in steps:
            self.step(st)

    def step(self, st: Step) -> None:
        """Check one step: its label, then the check of its kind (`STEP_CHECKS`), then its `-> binding`."""
        if st.label is not None:
            self.expr(st.label)
        if st.kind in _NOT_BOUND:
            if st.kind == "let":
                self.step_let(st)
            return
        check_kind = STEP_CHECKS.get(st.kind)
        result = check_kind(self, st) if check_kind is not None else OBJECT
        if st.binding is not None:
            self.bind(st.binding.name, st.binding.span, "step", result)

    def step_let(self, st: Step) -> None:
        assert st.value is not None
        ty = self.expr(st.value)
        if st.name and st.name_span:
            self.bind(st.name, st.name_span, "let", ty)

    def step_loop(self, st: Step) -> Ty:  # each, pipe
        k = st.kind
        assert st.source is not None
        src = self.expr(st.source)
        for e in (st.parallel, st.sleep, st.batch):
            if e is not None:
                self.expr(e)
        self.loop_frames.append({})
        elem = src.elem if src.kind == "list" and src.elem is not None else ANY
        if src.kind in ("text", "number", "integer", "boolean", "null"):
            self.err(
                st.source.span,
                f"'{k}' needs a list to iterate over, got {src.show()}",
                "iterate-type",
                "",
                "warning",
            )
        if st.item is not None:
            self.bind_loop(st.item.name, st.item.span, elem, st.span)
        if st.index is not None:
            self.bind_loop(st.index.name, st.index.span, INTEGER, st.span)
        self.frames.append({})
        self.scope_end.append(st.span)
        self.steps(st.body)
        self.scope_end.pop()
        self.frames.pop()
        self.loop_frames.pop()
        return LIST

    def step_check(self, st: Step) -> Ty:
        if st.condition is not None:
            self.expr(st.condition)
        if st.ask_llm is not None:
            self.expr(st.ask_llm)
            self.facts.tools_required.add("llm")
        for a in (st.on_pass, st.on_fail):
            if a is None:
                continue
            if (
                a.action == "goto"
                and a.target is not None
                and a.target_span is not None
                and a.target not in self.facts.labels
            ):
                self.err(
                    a.target_span,
                    f"unknown goto target '{a.target}'",
                    "unknown-label",
                    did_you_mean(a.target, self.facts.labels),
                )
            if a.message is not None:
                self.expr(a.message)
        return OBJECT

    def step_decide(self, st: Step) -> Ty:
        self.decide(st)
        return OBJECT

    def step_together(self, st: Step) -> Ty:
        for lane in st.body:
            self.step(lane)
        return OBJECT

    def step_repeat(self, st: Step) -> Ty:
        outer = set(self.bound)
        self.repeat_outer.append(outer)
        if st.max is not None:
            self.expr(st.max)
        self.steps(st.body)
        if st.until is not None:
            self.expr(st.until)
        self.repeat_outer.pop()
        return OBJECT

    def step_wait(self, st: Step) -> Ty:
        assert st.duration is not None
        self.expr(st.duration)
        self.check_duration(st.duration)
        return OBJECT

    def step_ask(self, st: Step) -> Ty:
        known, required, open_fields = VERB_FIELDS["ask"]
        self.fixed_fields(st, known, required, "ask", open_fields=open_fields)
        return ASK_TY

    def step_agent(self, st: Step) -> Ty:  # agent, plan
        k = st.kind
        if st.tool != "llm" and st.tool_span is not None:
            self.err(
                st.tool_span,
                f"'{k}' runs with llm, not '{st.tool}'",
                "agent-tool",
                f'write {k} "..." with llm',
            )
        self.facts.tools_required.add("llm")
        known, required, open_fields = VERB_FIELDS[k]
        self.fixed_fields(st, known, required, k, open_fields=open_fields)
        for inp in st.inputs:
            if inp.name == "tools" and isinstance(inp.value, ListLit):
                for item in inp.value.items:
                    if isinstance(item, Str) and all(isinstance(p, str) for p in item.parts):
                        self.facts.tools_required.add(item.plain)
        return AGENT_TY if k == "agent" else OBJECT

    def step_run(self, st: Step) -> Ty:
        if st.tool is not None and st.tool_span is not None:
            sym = self.lookup(st.tool)
            if sym is not None:
                sym.refs.append(st.tool_span)
                self.facts.resolved.append((st.tool_span, sym))
        self.fields(st)
        return OBJECT

    def step_emit(self, st: Step) -> Ty:
        self.contract_fields(st, self.facts.outputs, "output")
        return OBJECT

    def step_yield(self, st: Step) -> Ty:
        if not self.facts.stream:
            self.err(
                st.verb_span,
                "'yield' without a 'stream' block",
                "yield-without-stream",
                "declare the yielded fields in a stream block",
                "warning",
            )
            self.fields(st)
        else:
            self.contract_fields(st, self.facts.stream, "stream")
        return OBJECT

    def step_send(self, st: Step) -> Ty:
        if st.channel is not None:
            ch = st.channel.plain
            if ch not in SEND_CHANNELS:
                self.err(
                    st.channel.span,
                    f"unknown channel '{ch}'",
                    "unknown-channel",
                    did_you_mean(ch, SEND_CHANNELS) or 'channels are "slack" and "email"',
                    "warning",
                )
        self.fields(st)
        return OBJECT

    def bind_loop(self, name: str, span: Span, ty: Ty, scope: Span) -> None:
        prev = self.lookup(name)
        if prev is not None and prev.kind != "loop":
            self.err(
                span,
                f"loop variable '{name}' hides {'an input' if prev.kind == 'input' else 'a binding'}",
                "duplicate-binding",
                "pick a new name",
            )
        s = Sym(
            name, "loop", ty, span, scope=Span(span.start_line, span.start_col, scope.end_line, scope.end_col)
        )
        self.loop_frames[-1][name] = s
        self.facts.symbols.append(s)

    def check_duration(self, e: Expr) -> None:
        if isinstance(e, Str) and all(isinstance(p, str) for p in e.parts):
            if not is_duration(e.plain):
                self.err(
                    e.span,
                    f"invalid duration {e.plain!r}",
                    "duration",
                    'write a duration like "30s", "5m" or "2h"',
                )
        elif isinstance(e, Lit) and (isinstance(e.value, bool) or not isinstance(e.value, int | float)):
            self.err(e.span, 'a duration is a string like "5m" or a number of milliseconds', "duration")

    def fields(self, st: Step) -> None:
        seen: set[str] = set()
        for a in st.inputs:
            if a.name in seen:
                self.err(a.name_span, f"duplicate field '{a.name}'", "duplicate-input")
            seen.add(a.name)
            self.expr(a.value)

    def fixed_fields(self, st: Step, known: tuple[str, ...], required: tuple[str, ...], what: str,
                     open_fields: bool = False) -> None:  # fmt: skip
        self.fields(st)
        names = {a.name for a in st.inputs}
        suggested: set[str] = set()
        if not open_fields:
            for a in st.inputs:
                if a.name not in known:
                    best = closest(a.name, known)
                    if best is not None:
                        suggested.add(best)
                    self.err(
                        a.name_span,
                        f"unknown field '{a.name}' on {what}",
                        "unknown-field",
                        f"did you mean '{best}'?" if best is not None else "",
                    )
        for r in required:
            if r not in names and r not in suggested:
                self.err(st.verb_span, f"missing required field '{r}' on {what}", "missing-field")
        if what == "ask":
            for a in st.inputs:
                if (
                    a.name == "type"
                    and isinstance(a.value, Str)
                    and a.value.plain not in ("text", "number", "boolean")
                ):
                    self.err(
                        a.value.span,
                        'ask type must be "text", "number" or "boolean"',
                        "ask-type",
                        did_you_mean(a.value.plain, ("text", "number", "boolean")),
                    )
                if a.name == "timeout":
                    self.check_duration(a.value)

    def contract_fields(self, st: Step, contract: dict[str, FieldDecl], block: str) -> None:
        self.fields(st)
        if not contract:
            return
        if (
            st.kind == "emit"
            and len(st.inputs) == 1
            and st.inputs[0].name == "output"
            and "output" not in contract
        ):
            self.whole_output = True  # brace dialect `output = value`: the whole result
            return
        given = self.emitted.setdefault(block, set())
        for a in st.inputs:
            given.add(a.name)
            fd = contract.get(a.name)
            if fd is None:
                self.err(
                    a.name_span,
                    f"'{a.name}' is not a field of the {block} block",
                    "unknown-field",
                    did_you_mean(a.name, contract),
                )
                continue
            lt = literal_ty(a.value)
            ty = self.decl_ty(fd.type)
            if lt is not None and not accepts(ty, lt):
                self.err(
                    a.value.span, f"{block} field '{a.name}' is {ty.show()}, got {lt.show()}", "field-type"
                )

    def unset_contract_fields(self) -> None:
        """Output/stream fields that no emit/yield sets (the runtime accumulates emitted fields)."""
        for block, fields, verb in (
            ("output", self.facts.outputs, "emit"),
            ("stream", self.facts.stream, "yield"),
        ):
            if block == "output" and self.whole_output:
                continue
            if block == "stream" and "stream" not in self.emitted:
                continue  # nothing yields: no events, nothing to report
            given = self.emitted.get(block, set())
            for name, fd in fields.items():
                if name not in given:
                    self.err(
                        fd.name_span,
                        f"{block} field '{name}' is never set by '{verb}'",
                        "missing-field",
                        "",
                        "warning",
                    )

    def do_step(self, st: Step) -> Ty:
        tool = st.tool or ""
        span = st.tool_span or st.verb_span
        self.fields(st)
        given = frozenset(a.name for a in st.inputs)
        self.facts.tool_calls.append((tool, st.span, given))
        self.facts.tools_required.add(tool)
        spec = self.tool_access(tool, span)
        if st.on_error is not None:
            oe = st.on_error
            for a in oe.inputs:
                self.expr(a.value)
            if oe.action == "fallback" and oe.tool is not None and oe.tool_span is not None:
                self.facts.tools_required.add(oe.tool)
                fspec = self.tool_access(oe.tool, oe.tool_span)
                if fspec is not None:
                    self.tool_inputs(oe.tool, oe.tool_span, oe.inputs, fspec.input_schema)
        if spec is None:
            return OBJECT
        self.tool_inputs(tool, span, st.inputs, spec.input_schema)
        if TOOLS.get(tool) is spec:
            return _catalog_output_ty(tool)
        return from_schema(spec.output_schema, f"{tool} output")

    def tool_access(self, tool: str, span: Span) -> Any:
        """Check that `tool` may be called; return its catalog spec when its schema applies."""
        if tool in MODEL_CAPABILITIES:
            return TOOLS.get(tool)
        src = self.facts.imported.get(tool)
        if src is not None:
            return TOOLS.get(tool) if src == "native" else None
        if "native" in self.facts.wildcard_sources and tool in TOOLS:
            return TOOLS[tool]
        for s in self.facts.wildcard_sources:
            if s != "native":
                return None  # `* from mcp(...)`: anything may come from there
        if tool in TOOLS:
            # Native tools are "always available" (docs/language.md §9); the platform compiles the reference's
            # own script, which calls http_request without importing it, with no import diagnostic
            # (docs/fidelity.md). The tool still counts as required and its input schema applies.
            return TOOLS[tool]
        cands = [*self.facts.imported, *sorted(MODEL_CAPABILITIES)]
        if "native" in self.facts.wildcard_sources:
            cands.extend(sorted(TOOLS))
        hint = did_you_mean(tool, cands)
        if not hint:
            if tool in TOOLS:
                hint = f"add '{tool} from native' to the import tools block"
            else:
                hint = did_you_mean(tool, sorted(TOOLS)) or "import it in the 'import tools' block"
        self.err(span, f"tool '{tool}' is not imported", "tool-not-imported", hint)
        return None

    def tool_inputs(self, tool: str, span: Span, inputs: list[Assign], schema: Mapping[str, Any]) -> None:
        props: Mapping[str, Any] = schema.get("properties", {})
        names = {a.name for a in inputs}
        suggested: set[str] = set()
        for a in inputs:
            prop = props.get(a.name)
            if prop is None:
                best = closest(a.name, props)
                if best is not None:
                    suggested.add(best)
                self.err(
                    a.name_span,
                    f"unknown field '{a.name}' on {tool} input",
                    "unknown-field",
                    f"did you mean '{best}'?" if best is not None else "",
                )
                continue
            lt = literal_ty(a.value)
            if lt is None:
                continue
            ok, expected = schema_accepts(prop, lt)
            if not ok:
                self.err(
                    a.value.span, f"'{a.name}' of {tool} expects {expected}, got {lt.show()}", "field-type"
                )
                continue
            allowed = prop.get("enum")
            if (
                allowed
                and isinstance(a.value, Str)
                and all(isinstance(p, str) for p in a.value.parts)
                and a.value.plain not in allowed
            ):
                self.err(
                    a.value.span,
                    f"'{a.name}' of {tool} must be one of " + ", ".join(f'"{x}"' for x in allowed),
                    "field-value",
                    did_you_mean(a.value.plain, [str(x) for x in allowed]),
                )
        for r in schema.get("required", ()):
            if r not in names and r not in suggested:
                self.err(span, f"missing required input '{r}' for {tool}", "missing-field")

    def decide(self, st: Step) -> None:
        if st.value is not None:
            self.expr(st.value)
        for a in st.inputs:
            self.expr(a.value)
        if st.strategy == "llm":
            self.facts.tools_required.add("llm")
        for r in st.rules:
            self.expr(r.when)
        names: dict[str, Span] = {}
        for br in st.branches:
            if br.name in names:
                self.err(br.name_span, f"duplicate branch '{br.name}'", "duplicate-branch")
            names.setdefault(br.name, br.name_span)
        targets = [(r.branch, r.branch_span) for r in st.rules]
        if st.otherwise is not None and st.otherwise_span is not None:
            targets.append((st.otherwise, st.otherwise_span))
        if st.strategy == "rules":
            if not st.rules:
                self.err(
                    st.verb_span, "'decide ... with rules' needs at least one 'when'", "decide-structure"
                )
            for name, span in targets:
                if name not in names:
                    hint = did_you_mean(name, names)
                    if hint:
                        self.err(span, f"no branch named '{name}'", "unknown-branch", hint)
                    else:
                        self.err(
                            span,
                            f"branch '{name}' has no body; choosing it does nothing",
                            "empty-branch",
                            f'add a "{name}": block',
                            "info",
                        )
            targeted = {n for n, _ in targets}
            for br in st.branches:
                if br.name not in targeted:
                    self.err(
                        br.name_span,
                        f"branch '{br.name}' is never chosen",
                        "unreachable-branch",
                        did_you_mean(br.name, targeted),
                        "warning",
                    )
        elif len(st.branches) < 2:
            self.err(st.verb_span, "'decide ... with llm' needs at least two branches", "decide-structure")
        self.decide_ids += 1
        did = self.decide_ids
        merged: dict[str, Sym] = {}
        outer_path = self.branch_path
        for i, br in enumerate(st.branches):
            self.branch_path = (*outer_path, (did, i))
            self.frames.append({})
            self.steps(br.body)
            merged.update(self.frames.pop())
            self.branch_path = outer_path
        self.frames[-1].update(merged)

    # --- expressions ---------------------------------------------------------------------------------
    def resolve(self, name: str, span: Span) -> Ty:
        sym = self.lookup(name)
        if sym is not None:
            sym.refs.append(span)
            self.facts.resolved.append((span, sym))
            return sym.ty
        if self.in_handler and name in ("error", "thread"):
            return ERROR_TY if name == "error" else THREAD_TY
        if name == "input":
            if not any(b.kind == "input" for b in self.script.blocks):
                return OBJECT
            return Ty(
                "object",
                fields=tuple((n, self.decl_ty(fd.type)) for n, fd in self.facts.inputs.items()),
                closed=True,
                origin="input",
            )
        hint = did_you_mean(name, self.candidates())
        if not hint and name in BUILTINS:
            hint = f"'{name}' is a function; call it as {name}(...)"
        self.err(span, f"unknown name '{name}'", "unknown-name", hint)
        return ANY

    def expr(self, e: Expr) -> Ty:
        """The type of an expression, checking it on the way (the check of its node type, `EXPR_CHECKS`)."""
        check_node = EXPR_CHECKS.get(type(e))
        return check_node(self, e) if check_node is not None else ANY

    def expr_str(self, e: Str) -> Ty:
        for p in e.parts:
            if isinstance(p, InterpPath):
                self.interp(p)
        return TEXT

    def expr_name(self, e: Name) -> Ty:
        return self.resolve(e.name, e.span)

    def expr_get(self, e: Get) -> Ty:
        t = self.expr(e.target)
        return self.get_field(t, e.field, e.field_span, e.safe)

    def expr_index(self, e: Index) -> Ty:
        t = self.expr(e.target)
        self.expr(e.at)
        if t.kind == "list" and t.elem is not None:
            return t.elem
        if t.kind == "map" and t.value is not None:
            return t.value
        return ANY

    def expr_call(self, e: Call) -> Ty:
        for a in e.args:
            self.expr(a)
        spec = BUILTINS.get(e.func)
        if spec is None:
            self.err(
                e.func_span,
                f"unknown function '{e.func}'",
                "unknown-function",
                did_you_mean(e.func, sorted(BUILTINS)),
            )
            return ANY
        self.arity(e.func, e.func_span, len(e.args), spec.min_args, spec.max_args)
        return self.builtin_ty(spec.returns, e.args)

    def expr_method(self, e: Method) -> Ty:
        self.expr(e.target)
        for a in e.args:
            self.expr(a)
        spec = BUILTINS.get(e.name)
        if spec is None or not spec.method:
            self.err(
                e.name_span,
                f"unknown method '{e.name}'",
                "unknown-function",
                did_you_mean(e.name, sorted(n for n, s in BUILTINS.items() if s.method)),
            )
            return ANY
        self.arity(e.name, e.name_span, len(e.args) + 1, spec.min_args, spec.max_args)
        return self.builtin_ty(spec.returns, [e.target, *e.args])

    def expr_binop(self, e: BinOp) -> Ty:
        lt = self.expr(e.left)
        rt = self.expr(e.right)
        if e.op in ("==", "!=", "<", ">", "<=", ">=", "and", "or"):
            return BOOLEAN
        if e.op == "??":
            return lt if lt.kind != "any" else rt
        if e.op == "+" and (lt.kind == "text" or rt.kind == "text"):
            return TEXT
        if lt.kind == "integer" and rt.kind == "integer" and e.op != "/":
            return INTEGER
        return NUMBER

    def expr_unary(self, e: Unary) -> Ty:
        t = self.expr(e.operand)
        return BOOLEAN if e.op == "not" else (t if t.kind in ("integer", "number") else NUMBER)

    def expr_lambda(self, e: Lambda) -> Ty:
        self.loop_frames.append({p.name: Sym(p.name, "lambda", ANY, p.span, scope=e.span) for p in e.params})
        for prm in e.params:
            self.facts.symbols.append(self.loop_frames[-1][prm.name])
        self.expr(e.body)
        self.loop_frames.pop()
        return ANY

    def expr_list(self, e: ListLit) -> Ty:
        items = [self.expr(i) for i in e.items]
        kinds = {t.kind for t in items}
        return Ty("list", elem=items[0] if len(kinds) == 1 else ANY)

    def expr_object(self, e: ObjectLit) -> Ty:
        seen: set[str] = set()
        for en in e.entries:
            if en.key in seen:
                self.err(en.key_span, f"duplicate key '{en.key}'", "duplicate-key", "", "warning")
            seen.add(en.key)
            self.expr(en.value)
        return OBJECT

    def expr_env(self, e: EnvRef) -> Ty:
        if e.default is not None:
            self.expr(e.default)
        ed = self.facts.env.get(e.name)
        if ed is None:
            self.err(
                e.name_span,
                f"env key '{e.name}' is not declared in the env block",
                "undeclared-env",
                did_you_mean(e.name, self.facts.env) or "declare it in an env block",
                "warning",
            )
            return TEXT
        return self.decl_ty(ed.type) if ed.type is not None else TEXT

    def builtin_ty(self, returns: str, args: list[Expr]) -> Ty:
        if returns == "list":
            return LIST
        if returns in PRIMITIVES:
            return Ty(returns)
        return ANY

    def arity(self, name: str, span: Span, n: int, lo: int, hi: int | None) -> None:
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if hi == lo else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
            self.err(span, f"'{name}' takes {want} argument{'s' if want != '1' else ''}, got {n}", "arity")

    def get_field(self, t: Ty, name: str, span: Span, safe: bool) -> Ty:
        if t.kind == "object" and t.fields is not None:
            ft = t.field(name)
            if ft is not None:
                return ft
            if t.closed and not safe:
                origin = t.origin or "object"
                self.err(
                    span,
                    f"unknown field '{name}' on {origin}",
                    "unknown-field",
                    did_you_mean(name, [k for k, _ in t.fields]),
                )
            return ANY
        if t.kind in ("text", "number", "integer", "boolean") and not safe:
            self.err(
                span,
                f"{'an' if t.kind[0] in 'aeiou' else 'a'} {t.kind} value has no field '{name}'",
                "field-access",
                "",
                "warning",
            )
        return ANY

    def interp(self, p: InterpPath) -> None:
        if not p.path:
            return
        head = p.path[0]
        sp = Span(p.span.start_line, p.span.start_col, p.span.start_line, p.span.start_col + len(head))
        t = self.resolve(head, sp)
        col = sp.end_col
        for part in p.path[1:]:
            col += 1
            fs = Span(sp.start_line, col, sp.start_line, col + len(part))
            t = self.get_field(t, part, fs, False)
            col += len(part)


def _different_branches(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    for x, y in zip(a, b, strict=False):
        if x == y:
            continue
        return x[0] == y[0] and x[1] != y[1]
    return False


def literal_ty(e: Expr) -> Ty | None:
    """The type of a literal expression, None when `e` is not a literal."""
    if isinstance(e, Lit):
        v = e.value
        if v is None:
            return NULL
        if isinstance(v, bool):
            return BOOLEAN
        if isinstance(v, int):
            return INTEGER
        return NUMBER
    if isinstance(e, Str):
        return TEXT
    if isinstance(e, ListLit):
        return LIST
    if isinstance(e, ObjectLit):
        return OBJECT
    return None


def lit_value(e: Expr) -> Any:
    """The JSON value of a literal expression (None for non-literals)."""
    if isinstance(e, Lit):
        return e.value
    if isinstance(e, Str):
        return e.plain
    if isinstance(e, ListLit):
        return [lit_value(i) for i in e.items]
    if isinstance(e, ObjectLit):
        return {en.key: lit_value(en.value) for en in e.entries}
    if isinstance(e, Name):
        return e.name
    return None


@functools.cache
def _catalog_output_ty(tool: str) -> Ty:
    """The output type of a catalog tool (the catalog is fixed and types are immutable: computed once).

    A model capability's output is open: its documented fields (`llm` -> `.text`) keep their types, and any
    other field may be read, because a prompt can ask for structured output (`parsed.confidence`,
    docs/fidelity.md)."""
    ty = from_schema(TOOLS[tool].output_schema, f"{tool} output")
    if tool in MODEL_CAPABILITIES and ty.closed:
        ty = replace(ty, closed=False)
    return ty


# expression node type -> its check (`Checker.expr`); a type not listed (ErrorExpr) is `any`
EXPR_CHECKS: dict[type, Callable[[Checker, Any], Ty]] = {
    Lit: lambda c, e: literal_ty(e) or ANY,
    Str: Checker.expr_str,
    Name: Checker.expr_name,
    Get: Checker.expr_get,
    Index: Checker.expr_index,
    Call: Checker.expr_call,
    Method: Checker.expr_method,
    BinOp: Checker.expr_binop,
    Unary: Checker.expr_unary,
    Lambda: Checker.expr_lambda,
    ListLit: Checker.expr_list,
    ObjectLit: Checker.expr_object,
    EnvRef: Checker.expr_env,
}

# step kind -> its check (`Checker.step`); a kind not listed has nothing to check but its binding
_NOT_BOUND = frozenset({"section", "let"})  # these bind no `-> name` (a let binds its own name)
STEP_CHECKS: dict[str, Callable[[Checker, Step], Ty]] = {
    "do": Checker.do_step,
    "each": Checker.step_loop,
    "pipe": Checker.step_loop,
    "check": Checker.step_check,
    "decide": Checker.step_decide,
    "together": Checker.step_together,
    "repeat": Checker.step_repeat,
    "wait": Checker.step_wait,
    "ask": Checker.step_ask,
    "agent": Checker.step_agent,
    "plan": Checker.step_agent,
    "run": Checker.step_run,
    "emit": Checker.step_emit,
    "yield": Checker.step_yield,
    "send": Checker.step_send,
}


def check(pr: ParseResult) -> tuple[list[Problem], Facts]:
    with gc_paused():
        return Checker(pr).run()
