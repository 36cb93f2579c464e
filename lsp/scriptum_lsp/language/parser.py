"""Recursive-descent parser over the line tree. Total: returns a tree and problems for any input.

Recovery is per logical line: a bad line is reported and skipped (or kept partially), the next line is
parsed normally, so one typo does not hide the rest of the file.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

from .gcpause import gc_paused
from .lexer import Token, split_lines, tokenize
from .lines import DECL_WORDS, LogicalLine, Node, build_tree, logical_lines, node_end
from .syntax import (
    Action,
    Annotation,
    Assign,
    Binding,
    BinOp,
    Block,
    Branch,
    Call,
    Constraint,
    Entry,
    EnumDecl,
    EnumVariant,
    EnvDecl,
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
    OnError,
    Param,
    ParseResult,
    Problem,
    Rule,
    Script,
    Span,
    Step,
    Str,
    ToolImport,
    TypeExpr,
    Unary,
    join,
)

BLOCK_KINDS = ("input", "output", "stream", "tools", "env", "secrets")
_CMP = frozenset({"==", "!=", "<", ">", "<=", ">="})
_CMP_PREC = 4
_OP_PREC = {"??": 5, "+": 6, "-": 6, "*": 7, "/": 7, "%": 7, **dict.fromkeys(_CMP, _CMP_PREC)}
_WORD_PREC = {"or": 1, "and": 2}
_PREFIX = frozenset({"not", "!", "-"})
_POSTFIX = frozenset({".", "?.", "["})
_INTERP_PATH = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*$")
_ANNOTATION = re.compile(r"--\s*@([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "{": "{", "}": "}", "0": "\0"}
MAX_DEPTH = 100


_new_tuple = tuple.__new__


def tspan(t: Token) -> Span:
    """The span of a token (fast: the token's last four fields are the span)."""
    span: Span = _new_tuple(Span, t[2:])
    return span


class ParseError(Exception):
    """Internal: aborts the current line only (never escapes `parse`)."""


class Tokens:
    """A cursor over the tokens of one logical line."""

    __slots__ = ("depth", "i", "p", "toks")

    def __init__(self, toks: list[Token], p: Parser) -> None:
        self.toks = toks
        self.i = 0
        self.p = p
        self.depth = 0

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at_end(self) -> bool:
        return self.i >= len(self.toks)

    def next(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def is_op(self, text: str, k: int = 0) -> bool:
        j = self.i + k
        if j < len(self.toks):
            t = self.toks[j]
            return t.text == text and t.kind == "op"
        return False

    def is_name(self, text: str | None = None, k: int = 0) -> bool:
        j = self.i + k
        if j < len(self.toks):
            t = self.toks[j]
            return t.kind == "name" and (text is None or t.text == text)
        return False

    def accept_op(self, text: str) -> Token | None:
        j = self.i
        toks = self.toks
        if j < len(toks):
            t = toks[j]
            if t.text == text and t.kind == "op":
                self.i = j + 1
                return t
        return None

    def accept_name(self, text: str) -> Token | None:
        if self.is_name(text):
            return self.next()
        return None

    def here(self) -> Span:
        t = self.peek()
        if t is not None:
            return tspan(t)
        if self.toks:
            return tspan(self.toks[-1])
        return Span(0, 0, 0, 0)

    def fail(self, message: str) -> ParseError:
        t = self.peek()
        if t is None:
            got = "end of line"
        elif t.kind in ("str", "tstr"):
            got = "a string"
        elif t.kind == "bad":
            got = f"unexpected character {t.text!r}"
            hint = "strings use double quotes" if t.text in ("'", "`") else ""
            self.p.problem(self.here(), got, hint=hint)
            return ParseError()
        elif t.kind == "badtstr":
            return ParseError()  # already reported by the lexer
        elif t.kind == "badstr":
            self.p.problem(self.here(), "unterminated string", hint='close it with "')
            return ParseError()
        else:
            got = f"'{t.text}'"
        hint = ""
        if t is not None and t.kind == "op" and t.text == "=" and message.startswith("expected end of line"):
            hint = "use '==' to compare"
        self.p.problem(self.here(), f"{message}, found {got}", hint=hint)
        return ParseError()

    def expect_op(self, text: str, what: str = "") -> Token:
        t = self.accept_op(text)
        if t is None:
            raise self.fail(f"expected '{text}'" + (f" {what}" if what else ""))
        return t

    def expect_name(self, what: str) -> Token:
        j = self.i
        toks = self.toks
        if j < len(toks):
            t = toks[j]
            if t.kind == "name":
                self.i = j + 1
                return t
        raise self.fail(f"expected {what}")

    def expect_end(self) -> None:
        if not self.at_end():
            raise self.fail("expected end of line")


class Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = split_lines(source)
        self.problems: list[Problem] = []
        self.comments: list[Token] = []
        self.script = Script()

    # --- problems ------------------------------------------------------------------------------------
    def problem(
        self, span: Span, message: str, *, hint: str = "", severity: str = "error", code: str = "syntax"
    ) -> None:
        self.problems.append(Problem(span, message, code, hint, severity))

    # --- entry ---------------------------------------------------------------------------------------
    def run(self) -> ParseResult:
        toks = tokenize(self.lines)
        for row in toks if '"""' in self.source else ():  # only triple quotes can be left unterminated
            for t in row:
                if t.kind == "badtstr":
                    self.problem(
                        Span(t.line, t.col, t.line, t.col + 3),
                        "unterminated triple-quoted string",
                        hint='close it with """',
                    )
        lls, blanks = logical_lines(self.lines, toks, self.comments)
        tree = build_tree(lls, blanks, self.problems)
        self.annotations()
        self.top_level(tree)
        if self.script.name is None and self.script.script_span is None:
            self.problem(
                Span(0, 0, 0, len(self.lines[0]) if self.lines else 0),
                "missing 'script \"Name\"' header",
                hint='start the file with script "Name"',
                code="missing-script",
            )
        self.problems.sort(key=lambda p: (p.span.start_line, p.span.start_col))
        return ParseResult(
            self.script,
            tuple(self.problems),
            tuple(self.lines),
            tuple((c.line, c.col, c.text) for c in self.comments),
            tuple(toks),
            tuple(n.ll.line for n in tree),
        )

    def annotations(self) -> None:
        script_line = self._script_line()
        for c in self.comments:
            m = _ANNOTATION.match(c.text)
            if not m:
                continue
            name = m.group(1)
            raw = m.group(2)
            values = [v.strip() for v in raw.split(",") if v.strip()]
            span = Span(c.line, c.col, c.line, c.end_col)
            name_span = Span(
                c.line, c.col + c.text.index("@"), c.line, c.col + c.text.index("@") + 1 + len(name)
            )
            before = script_line is None or c.line < script_line
            self.script.annotations.append(Annotation(name, values, span, name_span, before))

    def _script_line(self) -> int | None:
        for i, line in enumerate(self.lines):
            s = line.lstrip()
            if s.startswith("script") and (len(s) == 6 or not (s[6].isalnum() or s[6] == "_")):
                return i
        return None

    # --- top level -----------------------------------------------------------------------------------
    def top_level(self, nodes: list[Node]) -> None:
        sc = self.script
        for node in nodes:
            ll = node.ll
            if ll.description is not None:
                if sc.body or sc.blocks or sc.enums or sc.version is not None:
                    t = ll.tokens[0]
                    self.problem(
                        tspan(t),
                        "unexpected text; description lines belong right after 'script'",
                        hint="write it as a -- comment",
                    )
                    continue
                sc.description = (
                    (sc.description + " " + ll.description).strip() if sc.description else ll.description
                )
                d = tspan(ll.tokens[0])
                sc.description_span = d if sc.description_span is None else join(sc.description_span, d)
                continue
            if not ll.tokens:
                continue
            first = ll.tokens[0]
            word = first.text if first.kind == "name" else ""
            if (
                word not in ("version", "")
                and len(ll.tokens) > 1
                and ll.tokens[1].kind == "op"
                and ll.tokens[1].text == "="
            ):
                word = ""  # brace dialect `name = expr` is a step
            try:
                if word == "script":
                    self.header(node)
                    continue
                if word == "version" and not sc.body:
                    self.version(ll)
                    continue
                if word == "enum":
                    self.enum(ll)
                    continue
                if word in ("input", "output", "stream", "env", "secrets", "tools") or (
                    word == "import" and len(ll.tokens) > 1 and ll.tokens[1].text == "tools"
                ):
                    self.block(node)
                    continue
                if word == "on" and len(ll.tokens) > 1 and ll.tokens[1].text == "thread":
                    self.thread_error(node)
                    continue
            except ParseError:
                continue
            step_list = sc.body
            self.body_into([node], step_list)
            if sc.body_start is None and sc.body:
                sc.body_start = sc.body[0].span

    def header(self, node: Node) -> None:
        ll = node.ll
        sc = self.script
        c = Tokens(ll.tokens, self)
        kw = c.next()
        if sc.script_span is not None:
            self.problem(tspan(kw), "duplicate 'script' header", code="duplicate-script")
            return
        sc.script_span = tspan(kw)
        t = c.peek()
        if t is not None and t.kind == "str":
            c.next()
            sc.name = self.str_value(t)
            sc.name_span = tspan(t)
        elif t is not None and t.kind == "name":
            c.next()
            sc.name = t.text  # the brace dialect's bare name (`script my_pipeline {`): documented, no nagging
            sc.name_span = tspan(t)
        else:
            try:
                raise c.fail("expected the script name as a string")
            except ParseError:
                pass
            return
        if not c.at_end():
            with contextlib.suppress(ParseError):
                c.expect_end()
        if ll.opens_brace is not None:
            sc.dialect = "brace"
        sc.end_span = node_end(node)
        if node.children:
            self.top_level(node.children)

    def version(self, ll: LogicalLine) -> None:
        kw = ll.tokens[0]
        rest = ll.tokens[1:]
        if rest and rest[0].kind == "op" and rest[0].text in ("=", ":"):
            rest = rest[1:]
        if not rest:
            self.problem(tspan(kw), "expected a version after 'version'", hint='write version "0.1.0"')
            return
        if len(rest) == 1 and rest[0].kind == "str":
            value = self.str_value(rest[0])
        else:
            for t in rest:
                if t.kind not in ("num", "op", "name") or (t.kind == "op" and t.text not in (".", "-", "+")):
                    self.problem(tspan(t), 'expected a version like "0.1.0"')
                    return
            line = self.lines[rest[0].line]
            value = line[rest[0].col : rest[-1].end_col] if rest[0].line == rest[-1].line else rest[0].text
        if self.script.version is not None:
            self.problem(tspan(kw), "duplicate 'version'", code="duplicate-version")
            return
        self.script.version = value
        self.script.version_span = join(tspan(rest[0]), tspan(rest[-1]))
        self.script.order.append(("version", tspan(kw)))

    def enum(self, ll: LogicalLine) -> None:
        c = Tokens(ll.tokens, self)
        kw = c.next()
        name = c.expect_name("an enum name")
        base: str | None = None
        base_span: Span | None = None
        if c.accept_op(":"):
            b = c.expect_name("a base type (integer, number or text)")
            base, base_span = b.text, tspan(b)
        c.expect_op("=", "before the enum variants")
        variants: list[EnumVariant] = []
        while True:
            t = c.peek()
            neg = False
            if t is not None and t.kind == "op" and t.text == "-":
                c.next()
                neg = True
                t = c.peek()
            if t is None:
                raise c.fail("expected an enum variant")
            if t.kind == "name" and not neg:
                variants.append(EnumVariant(t.text, tspan(t), False))
            elif t.kind == "str" and not neg:
                variants.append(EnumVariant(self.str_value(t), tspan(t), True))
            elif t.kind == "num":
                v = number_value(t.text)
                variants.append(EnumVariant(-v if neg else v, tspan(t), False))
            else:
                raise c.fail("expected an enum variant")
            c.next()
            if not c.accept_op("|"):
                break
        c.expect_end()
        decl = EnumDecl(
            name.text, tspan(name), base, base_span, variants, join(tspan(kw), tspan(ll.tokens[-1]))
        )
        self.script.enums.append(decl)
        self.script.order.append(("enum", tspan(kw)))

    def block(self, node: Node) -> None:
        ll = node.ll
        c = Tokens(ll.tokens, self)
        kw = c.next()
        kind = kw.text
        if kind == "import":
            c.next()
            kind = "tools"
        span = join(tspan(kw), tspan(ll.tokens[-1]))
        blk = Block(kind, tspan(kw), span)
        self.script.blocks.append(blk)
        self.script.order.append((kind, tspan(kw)))
        items: list[list[Token]] = []
        if not c.at_end():
            if c.is_op("{"):
                # one-line form: input { a: text, b: number }
                c.next()
                inner = ll.tokens[c.i :]
                if inner and inner[-1].kind == "op" and inner[-1].text == "}":
                    inner = inner[:-1]
                else:
                    self.problem(tspan(ll.tokens[-1]), "missing '}'")
                items.extend(split_top(inner, (",", ";")))
            else:
                # inline form: input name : type = default
                items.append(ll.tokens[c.i :])
        for child in node.children:
            if child.ll.description is not None or not child.ll.tokens:
                continue
            items.extend(split_top(child.ll.tokens, (";",)))
            if child.children:
                t = child.children[0].ll.tokens[0] if child.children[0].ll.tokens else child.ll.tokens[0]
                self.problem(tspan(t), "unexpected indentation")
        for toks in items:
            if not toks:
                continue
            try:
                if kind in ("input", "output", "stream"):
                    blk.fields.append(self.field_decl(toks))
                elif kind == "tools":
                    blk.imports.extend(self.tool_import(toks))
                elif kind in ("env", "secrets"):
                    blk.env.append(self.env_decl(toks))
            except ParseError:
                continue
        if node.children:
            blk.span = join(span, node_end(node.children[-1]))
        if node.close is not None:
            blk.span = join(span, tspan(node.close))

    def trailing_comment(self, toks: list[Token]) -> str:
        line = toks[-1].end_line
        for c in self.comments:
            if c.line == line and c.col >= toks[-1].end_col:
                return c.text[2:].strip()
        return ""

    def field_decl(self, toks: list[Token]) -> FieldDecl:
        c = Tokens(toks, self)
        name = c.expect_name("a field name")
        c.expect_op(":", "between the field name and its type")
        typ = self.type_expr(c)
        constraints: list[Constraint] = []
        while c.is_name():
            ct = c.next()
            args: list[Expr] = []
            end = tspan(ct)
            if c.is_op("("):
                c.next()
                if not c.is_op(")"):
                    while True:
                        args.append(self.expr(c))
                        if not c.accept_op(","):
                            break
                end = tspan(c.expect_op(")", "to close the constraint"))
            constraints.append(Constraint(ct.text, args, join(tspan(ct), end), tspan(ct)))
        default: Expr | None = None
        if c.accept_op("="):
            default = self.expr(c)
        c.expect_end()
        return FieldDecl(
            name.text,
            tspan(name),
            typ,
            constraints,
            default,
            self.trailing_comment(toks),
            join(tspan(toks[0]), tspan(toks[-1])),
        )

    def type_expr(self, c: Tokens) -> TypeExpr:
        t = c.expect_name("a type")
        args: list[TypeExpr] = []
        end = tspan(t)
        if c.is_op("<"):
            c.next()
            c.depth += 1
            if c.depth > MAX_DEPTH:
                raise c.fail("type nested too deeply")
            args.append(self.type_expr(c))
            while c.accept_op(","):
                args.append(self.type_expr(c))
            end = tspan(c.expect_op(">", "to close the type parameters"))
            c.depth -= 1
        return TypeExpr(t.text, join(tspan(t), end), args)

    def tool_import(self, toks: list[Token]) -> list[ToolImport]:
        c = Tokens(toks, self)
        names: list[Token] = []
        while True:
            t = c.peek()
            if t is not None and (t.kind == "name" or (t.kind == "op" and t.text == "*")):
                names.append(c.next())
            else:
                raise c.fail("expected a tool name or '*'")
            if not c.accept_op(","):
                break
        source = ""
        if c.accept_name("from"):
            s = c.expect_name('a tool source (native or mcp("server"))')
            source = s.text
            if s.text == "mcp":
                c.expect_op("(", "after mcp")
                srv = c.peek()
                if srv is None or srv.kind != "str":
                    raise c.fail("expected the MCP server name as a string")
                c.next()
                c.expect_op(")", "after the MCP server name")
                source = "mcp:" + self.str_value(srv)
        c.expect_end()
        end = tspan(toks[-1])
        if not source and any(n.text == "*" for n in names):
            self.problem(tspan(names[0]), "'*' needs a source", hint="write * from native")
        return [ToolImport(n.text, tspan(n), source, join(tspan(n), end)) for n in names]

    def env_decl(self, toks: list[Token]) -> EnvDecl:
        c = Tokens(toks, self)
        name = c.expect_name("an env key")
        typ: TypeExpr | None = None
        if c.accept_op(":"):
            typ = self.type_expr(c)
        from_key: str | None = None
        default: Expr | None = None
        if c.accept_name("from"):
            t = c.peek()
            if t is not None and t.kind == "str":
                c.next()
                from_key = self.str_value(t)
            elif t is not None and t.kind == "name":
                c.next()
                from_key = t.text
            else:
                raise c.fail("expected the env store key as a string")
            if c.accept_op("="):
                default = self.expr(c)
        elif c.accept_op("="):
            default = self.expr(c)
        else:
            from_key = name.text if c.at_end() else None
        c.expect_end()
        return EnvDecl(
            name.text,
            tspan(name),
            typ,
            from_key,
            default,
            self.trailing_comment(toks),
            join(tspan(toks[0]), tspan(toks[-1])),
        )

    def thread_error(self, node: Node) -> None:
        c = Tokens(node.ll.tokens, self)
        kw = c.next()
        c.next()
        c.expect_name("'error' after 'on thread'")
        c.accept_op(":")
        c.expect_end()
        sc = self.script
        if sc.on_thread_error_span is not None:
            self.problem(tspan(kw), "duplicate 'on thread error' handler", code="duplicate-handler")
            return
        sc.on_thread_error_span = join(tspan(kw), tspan(node.ll.tokens[-1]))
        self.body_into(node.children, sc.on_thread_error)
        if not node.children:
            self.problem(
                tspan(kw), "'on thread error' has no steps", hint="indent the handler's steps under it"
            )

    # --- body ----------------------------------------------------------------------------------------
    def body_into(self, nodes: list[Node], out: list[Step]) -> None:
        for node in nodes:
            ll = node.ll
            if ll.description is not None or not ll.tokens:
                continue
            first = ll.tokens[0]
            if first.kind == "op" and first.text in ("->", "->>"):
                c = Tokens(ll.tokens, self)
                try:
                    b = self.binding(c)
                    c.expect_end()
                except ParseError:
                    continue
                prev = out[-1] if out else None
                if prev is None or prev.kind in ("section", "let", "emit", "yield", "send", "check", "wait"):
                    self.problem(
                        tspan(first),
                        "'->' must follow a step that produces a value",
                        code="misplaced-binding",
                    )
                elif prev.binding is not None:
                    self.problem(tspan(first), "this step already has a binding", code="misplaced-binding")
                else:
                    prev.binding = b
                    prev.span = join(prev.span, b.span)
                continue
            if first.kind == "op" and first.text == "}":
                continue
            if (
                first.kind == "name"
                and first.text == "on"
                and len(ll.tokens) > 1
                and ll.tokens[1].text in ("pass", "fail")
                and out
                and out[-1].kind == "check"
            ):
                with contextlib.suppress(ParseError):
                    self.check_clause(out[-1], node)
                continue
            step = self.step(node)
            if step is not None:
                out.append(step)

    def step(self, node: Node) -> Step | None:
        ll = node.ll
        first = ll.tokens[0]
        if first.kind == "section":
            text = first.text.strip()
            title = text[3:]
            if title.endswith("###"):
                title = title[:-3]
            else:
                self.problem(
                    tspan(first),
                    "section marker should end with '###'",
                    hint=f"### {title.strip()} ###",
                    severity="info",
                    code="style",
                )
            sec = Step("section", tspan(first), tspan(first), title=title.strip())
            if node.children:
                self.problem(
                    tspan(node.children[0].ll.tokens[0]) if node.children[0].ll.tokens else tspan(first),
                    "unexpected indentation after a section marker",
                )
            return sec
        c = Tokens(ll.tokens, self)
        word = first.text if first.kind == "name" else ""
        method = getattr(self, "s_" + word, None) if word in _VERBS else None
        try:
            if method is not None:
                st: Step | None = method(c, node)
            elif first.kind == "name" and c.is_op("=", 1):
                st = self.s_assign(c, node)
            elif first.kind == "str" and c.is_op(":", 1):
                self.problem(tspan(first), "branch header outside a 'decide' step", code="misplaced-branch")
                return None
            elif word in DECL_WORDS or (word == "on" and len(ll.tokens) > 1):
                self.problem(tspan(first), f"'{word}' is not allowed here")
                return None
            elif first.kind == "name":
                self.problem(
                    tspan(first),
                    f"unknown step '{first.text}'",
                    hint=_verb_hint(first.text),
                    code="unknown-step",
                )
                return None
            else:
                raise c.fail("expected a step")
        except ParseError:
            return None
        if st is not None and node.close is not None:
            st.span = join(st.span, tspan(node.close))
        return st

    def binding(self, c: Tokens) -> Binding:
        arrow = c.next()
        name = c.expect_name("a binding name after '" + arrow.text + "'")
        return Binding(name.text, tspan(name), arrow.text == "->>", tspan(arrow))

    def opt_binding(self, c: Tokens, st: Step) -> None:
        if c.is_op("->") or c.is_op("->>"):
            st.binding = self.binding(c)
            st.span = join(st.span, st.binding.span)

    def label(self, c: Tokens, required: bool, verb: str) -> Str | None:
        t = c.peek()
        if t is not None and t.kind == "str":
            c.next()
            return self.string(t)
        if required:
            raise c.fail(f"expected a label string after '{verb}'")
        return None

    def assigns(self, node: Node, st: Step, *, allow_on_error: bool = False) -> None:
        """Children of a step: `name = expr` lines, optionally `on error:` and a final `-> name`."""
        for child in node.children:
            ll = child.ll
            if ll.description is not None or not ll.tokens:
                continue
            c = Tokens(ll.tokens, self)
            first = ll.tokens[0]
            try:
                if first.kind == "op" and first.text in ("->", "->>"):
                    if st.binding is not None:
                        self.problem(
                            tspan(first), "this step already has a binding", code="misplaced-binding"
                        )
                        continue
                    st.binding = self.binding(c)
                    c.expect_end()
                    continue
                if first.kind == "name" and first.text == "on" and c.is_name("error", 1):
                    if not allow_on_error:
                        self.problem(
                            tspan(first),
                            "'on error' is only allowed on 'do' steps",
                            code="misplaced-on-error",
                        )
                        continue
                    if st.on_error is not None:
                        self.problem(
                            tspan(first), "only one 'on error' clause per step", code="duplicate-on-error"
                        )
                        continue
                    st.on_error = self.on_error(c)
                    continue
                if st.binding is not None:
                    self.problem(tspan(first), "inputs must come before the '->' binding")
                for part in split_top(ll.tokens, (",", ";")):
                    if part:
                        st.inputs.append(self.assign(Tokens(part, self)))
                if child.children:
                    self.problem(
                        tspan(child.children[0].ll.tokens[0])
                        if child.children[0].ll.tokens
                        else tspan(first),
                        "unexpected indentation",
                    )
            except ParseError:
                continue
        if node.children:
            st.span = join(st.span, node_end(node.children[-1]))
        if st.binding is not None:
            st.span = join(st.span, st.binding.span)

    def assign(self, c: Tokens, sep: tuple[str, ...] = ("=",)) -> Assign:
        name = c.expect_name("an input name")
        t = c.peek()
        if t is None or t.kind != "op" or t.text not in sep:
            raise c.fail("expected " + " or ".join(f"'{s}'" for s in sep) + f" after '{name.text}'")
        c.next()
        value = self.expr(c)
        c.expect_end()
        return Assign(name.text, tspan(name), value, join(tspan(name), value.span))

    def inline_inputs(self, c: Tokens, st: Step) -> None:
        """`(k: v, ...)` or `{ k = v, ... }` after a tool name."""
        opener = c.next()
        closer = ")" if opener.text == "(" else "}"
        start = c.i
        depth = 0
        end = None
        for k in range(c.i, len(c.toks)):
            t = c.toks[k]
            if t.kind == "op" and t.text in ("(", "[", "{"):
                depth += 1
            elif t.kind == "op" and t.text in (")", "]", "}"):
                if depth == 0:
                    end = k
                    break
                depth -= 1
        if end is None or c.toks[end].text != closer:
            c.i = len(c.toks)
            raise c.fail(f"expected '{closer}' to close the inputs")
        for part in split_top(c.toks[start:end], (",",)):
            if part:
                with contextlib.suppress(ParseError):
                    st.inputs.append(self.assign(Tokens(part, self), ("=", ":")))
        c.i = end + 1

    # --- verbs ---------------------------------------------------------------------------------------
    def s_do(self, c: Tokens, node: Node) -> Step:
        verb = c.next()
        st = Step("do", tspan(verb), tspan(verb))
        t = c.peek()
        if t is not None and t.kind == "str":
            st.label = self.string(c.next())
        elif t is not None and t.kind == "name" and c.is_name("with", 1):
            # inline-call dialect: `do fetch_data with http_request(url: x)`
            lt = c.next()
            st.label = Str(tspan(lt), [lt.text])
        if c.accept_name("with") is None and st.label is not None:
            raise c.fail("expected 'with <tool>' after the label")
        tool = c.expect_name("a tool name")
        st.tool, st.tool_span = tool.text, tspan(tool)
        if c.is_op("(") or c.is_op("{"):
            self.inline_inputs(c, st)
        self.opt_binding(c, st)
        c.expect_end()
        st.span = join(st.span, tspan(c.toks[-1]))
        self.assigns(node, st, allow_on_error=True)
        return st

    def on_error(self, c: Tokens) -> OnError:
        on = c.next()
        c.next()
        c.expect_op(":", "after 'on error'")
        act = c.expect_name("retry, fallback or ignore")
        oe = OnError(act.text, join(tspan(on), tspan(act)))
        if act.text == "retry":
            t = c.peek()
            if t is not None and t.kind == "num":
                c.next()
                oe.count = int(number_value(t.text))
                oe.span = join(oe.span, tspan(t))
        elif act.text == "fallback":
            tool = c.expect_name("a fallback tool name")
            oe.tool, oe.tool_span = tool.text, tspan(tool)
            tmp = Step("do", tspan(tool), tspan(tool))
            if c.is_op("{") or c.is_op("("):
                self.inline_inputs(c, tmp)
            oe.inputs = tmp.inputs
            oe.span = join(oe.span, tspan(c.toks[c.i - 1]))
        elif act.text != "ignore":
            c.i -= 1
            raise c.fail("expected retry, fallback or ignore")
        c.expect_end()
        return oe

    def s_let(self, c: Tokens, node: Node) -> Step:
        verb = c.next()
        name = c.expect_name("a name after 'let'")
        c.expect_op("=", f"after 'let {name.text}'")
        value = self.expr(c)
        c.expect_end()
        st = Step(
            "let",
            join(tspan(verb), value.span),
            tspan(verb),
            name=name.text,
            name_span=tspan(name),
            value=value,
        )
        self.no_children(node)
        return st

    def s_assign(self, c: Tokens, node: Node) -> Step:
        """Brace dialect: `x = expr` (let), `x = do tool(...)` (do with binding), `output = x` (emit)."""
        name = c.next()
        c.next()
        if c.is_name("do"):
            sub = Tokens(c.toks[c.i :], self)
            st = self.s_do(sub, node)
            if st.binding is not None:
                self.problem(st.binding.arrow_span, "a step bound with 'name = do ...' cannot also use '->'")
            st.binding = Binding(name.text, tspan(name), False, tspan(name))
            st.span = join(tspan(name), st.span)
            return st
        value = self.expr(c)
        c.expect_end()
        self.no_children(node)
        span = join(tspan(name), value.span)
        if name.text == "output":
            return Step("emit", span, tspan(name), inputs=[Assign("output", tspan(name), value, span)])
        if name.text == "version":
            self.problem(tspan(name), "'version' belongs to the header", code="misplaced-version")
        if self.script.dialect != "brace" and name.text != "version":
            self.problem(
                tspan(name),
                "assignment without 'let' (brace-dialect form)",
                hint=f"write let {name.text} = ...",
                severity="info",
                code="style",
            )
        return Step("let", span, tspan(name), name=name.text, name_span=tspan(name), value=value)

    def no_children(self, node: Node) -> None:
        if node.children and node.children[0].ll.tokens:
            self.problem(tspan(node.children[0].ll.tokens[0]), "unexpected indentation")

    def loop_vars(self, c: Tokens, st: Step) -> None:
        if c.is_name("in") or c.is_name("from"):
            raise c.fail("expected a loop variable")
        item = c.expect_name("a loop variable")
        st.item = Param(item.text, tspan(item))
        if c.accept_op(","):
            idx = c.expect_name("an index variable")
            st.index = Param(idx.text, tspan(idx))

    def body_children(self, node: Node, st: Step) -> None:
        self.body_into(node.children, st.body)
        if not st.body:
            self.problem(
                st.verb_span,
                f"'{st.kind}' has an empty body",
                hint="indent its steps under it",
                code="empty-body",
            )
        if node.children:
            st.span = join(st.span, node_end(node.children[-1]))

    def s_each(self, c: Tokens, node: Node) -> Step:
        verb = c.next()
        st = Step("each", tspan(verb), tspan(verb))
        st.label = self.label(c, False, "each")
        self.loop_vars(c, st)
        if c.is_name("from"):
            t = c.next()
            self.problem(
                tspan(t),
                "'each' iterates with 'in'",
                hint="write 'in' instead of 'from'",
                severity="info",
                code="style",
            )
        else:
            if not c.accept_name("in"):
                raise c.fail("expected 'in' after the loop variable")
        st.source = self.expr(c)
        if c.accept_name("parallel"):
            st.parallel = self.expr(c)
            if c.accept_name("sleep"):
                st.sleep = self.expr(c)
        self.opt_binding(c, st)
        c.expect_end()
        st.span = join(st.span, tspan(c.toks[-1]))
        self.body_children(node, st)
        return st

    def s_pipe(self, c: Tokens, node: Node) -> Step:
        verb = c.next()
        st = Step("pipe", tspan(verb), tspan(verb))
        st.label = self.label(c, False, "pipe")
        item = c.expect_name("a pipe variable")
        st.item = Param(item.text, tspan(item))
        if not c.accept_name("from"):
            raise c.fail("expected 'from' after the pipe variable")
        st.source = self.expr(c)
        while True:
            if c.accept_name("batch"):
                st.batch = self.expr(c)
            elif c.accept_name("parallel"):
                st.parallel = self.expr(c)
            else:
                break
        self.opt_binding(c, st)
        c.expect_end()
        st.span = join(st.span, tspan(c.toks[-1]))
        self.body_children(node, st)
        return st

    def s_check(self, c: Tokens, node: Node) -> Step:
        verb = c.next()
        st = Step("check", tspan(verb), tspan(verb))
        st.label = self.label(c, True, "check")
        if not c.at_end():
            st.condition = self.expr(c)
        c.expect_end()
        st.span = join(st.span, tspan(c.toks[-1]))
        for child in node.children:
            if not child.ll.tokens:
                continue
            try:
                self.check_clause(st, child)
            except ParseError:
                continue
        if st.condition is None and st.ask_llm is None:
            self.problem(
                st.verb_span,
                "'check' needs a condition or an 'ask llm' question",
                hint='write check "Label" <condition>',
                code="check-structure",
            )
        return st

    def check_clause(self, st: Step, child: Node) -> None:
        c = Tokens(child.ll.tokens, self)
        first = child.ll.tokens[0]
        if c.accept_name("ask"):
            if not c.accept_name("llm"):
                raise c.fail("expected 'llm' after 'ask'")
            if st.condition is not None or st.ask_llm is not None:
                self.problem(
                    tspan(first), "'check' has both a condition and 'ask llm'", code="check-structure"
                )
            q = self.expr(c)
            c.expect_end()
            st.ask_llm = q
        elif c.accept_name("on"):
            which = c.expect_name("'pass' or 'fail'")
            if which.text not in ("pass", "fail"):
                c.i -= 1
                raise c.fail("expected 'pass' or 'fail'")
            c.expect_op(":", f"after 'on {which.text}'")
            act = self.action(c)
            c.expect_end()
            if which.text == "pass":
                if st.on_pass is not None:
                    self.problem(tspan(first), "duplicate 'on pass'", code="check-structure")
                st.on_pass = act
            else:
                if st.on_fail is not None:
                    self.problem(tspan(first), "duplicate 'on fail'", code="check-structure")
                st.on_fail = act
        else:
            raise c.fail("expected 'on pass:', 'on fail:' or 'ask llm'")
        st.span = join(st.span, tspan(child.ll.tokens[-1]))

    def action(self, c: Tokens) -> Action:
        t = c.expect_name("continue, goto, retry or fail")
        a = Action(t.text, tspan(t))
        if t.text == "goto":
            s = c.peek()
            if s is None or s.kind != "str":
                raise c.fail("expected a label string after 'goto'")
            c.next()
            a.target = self.str_value(s)
            a.target_span = tspan(s)
            a.span = join(a.span, tspan(s))
        elif t.text == "retry":
            n = c.peek()
            if n is not None and n.kind == "num":
                c.next()
                a.count = int(number_value(n.text))
                a.span = join(a.span, tspan(n))
        elif t.text == "fail":
            if not c.at_end():
                a.message = self.expr(c)
                a.span = join(a.span, a.message.span)
        elif t.text != "continue":
            c.i -= 1
            raise c.fail("expected continue, goto, retry or fail")
        return a

    def s_decide(self, c: Tokens, node: Node) -> Step:
        """`decide "Label" with rules|llm` (or the product-page `decide on <expr>`), then one child line per
        rule (`when`/`otherwise`), branch header, binding or (with llm) input."""
        verb = c.next()
        st = Step("decide", tspan(verb), tspan(verb))
        self.decide_header(c, verb, st)
        self.opt_binding(c, st)
        c.expect_end()
        st.span = join(st.span, tspan(c.toks[-1]))
        anon = 0
        for child in node.children:
            ll = child.ll
            if not ll.tokens or ll.description is not None:
                continue
            cc = Tokens(ll.tokens, self)
            first = ll.tokens[0]
            try:
                if first.kind == "name" and first.text in ("when", "otherwise"):
                    anon = self.decide_rule(cc, child, st, anon)
                elif first.kind == "str" and (cc.is_op(":", 1) or ll.opens_brace is not None):
                    self.decide_branch(cc, child, st)
                elif first.kind == "op" and first.text in ("->", "->>"):
                    if st.binding is None:
                        st.binding = self.binding(cc)
                        cc.expect_end()
                    else:
                        self.problem(
                            tspan(first), "this step already has a binding", code="misplaced-binding"
                        )
                elif first.kind == "name" and cc.is_op("=", 1) and st.strategy == "llm":
                    st.inputs.append(self.assign(cc))
                else:
                    raise cc.fail("expected 'when', 'otherwise' or a branch header \"Name\":")
            except ParseError:
                continue
        if node.children:
            st.span = join(st.span, node_end(node.children[-1]))
        return st

    def decide_header(self, c: Tokens, verb: Token, st: Step) -> None:
        if c.accept_name("on"):
            # brace / product-page dialect: decide on <expr> + when <cond> bodies
            st.strategy = "rules"
            st.value = self.expr(c)
            self.problem(
                tspan(verb),
                "'decide on' is the product-page form",
                severity="info",
                code="style",
                hint='write decide "Label" with rules',
            )
            return
        st.label = self.label(c, True, "decide")
        if c.accept_name("with"):
            s = c.expect_name("'rules' or 'llm'")
            if s.text not in ("rules", "llm"):
                c.i -= 1
                raise c.fail("expected 'rules' or 'llm'")
            st.strategy = s.text
        else:
            st.strategy = "rules"

    def decide_rule(self, cc: Tokens, child: Node, st: Step, anon: int) -> int:
        """`when <cond> -> "Branch"` / `otherwise -> "Branch"`, or the body form with nested steps; returns the
        count of anonymous (body-form) branches so far."""
        ll = child.ll
        first = cc.next()
        cond: Expr | None = None
        if first.text == "when":
            cond = self.expr(cc)
        if cc.accept_op("->"):
            tgt = cc.peek()
            if tgt is None or tgt.kind != "str":
                raise cc.fail("expected a branch name string after '->'")
            cc.next()
            bname, bspan = self.str_value(tgt), tspan(tgt)
            cc.expect_end()
            if child.children:
                self.problem(tspan(child.children[0].ll.tokens[0]), "unexpected indentation")
        else:
            # body form: `when cond` / `otherwise` with nested steps (product-page dialect)
            cc.accept_op(":")
            cc.expect_end()
            anon += 1
            bname = f"when {anon}" if first.text == "when" else "otherwise"
            bspan = tspan(first)
            br = Branch(bname, bspan, join(tspan(first), node_end(child)))
            self.body_into(child.children, br.body)
            st.branches.append(br)
        if first.text == "when":
            assert cond is not None
            if st.otherwise is not None:
                self.problem(
                    tspan(first),
                    "'when' after 'otherwise' is never reached",
                    code="decide-structure",
                    severity="warning",
                )
            st.rules.append(Rule(cond, bname, bspan, join(tspan(first), tspan(ll.tokens[-1]))))
        else:
            if st.otherwise is not None:
                self.problem(tspan(first), "duplicate 'otherwise'", code="decide-structure")
            st.otherwise, st.otherwise_span = bname, bspan
        return anon

    def decide_branch(self, cc: Tokens, child: Node, st: Step) -> None:
        """A branch header `"Name":` with its nested steps."""
        ll = child.ll
        first = cc.next()
        cc.accept_op(":")
        cc.expect_end()
        br = Branch(self.str_value(first), tspan(first), join(tspan(first), tspan(ll.tokens[-1])))
        self.body_into(child.children, br.body)
        if child.children:
            br.span = join(br.span, node_end(child.children[-1]))
        st.branches.append(br)

    def s_together(self, c: Tokens, node: Node) -> Step:
        verb = c.next()
        st = Step("together", tspan(verb), tspan(verb))
        st.label = self.label(c, False, "together")
        self.opt_binding(c, st)
        c.expect_end()
        self.body_children(node, st)
        return st

    def s_repeat(self, c: Tokens, node: Node) -> Step:
        verb = c.next()
        st = Step("repeat", tspan(verb), tspan(verb))
        st.label = self.label(c, False, "repeat")
        while True:
            if c.accept_name("max"):
                st.max = self.expr(c)
            elif c.accept_name("until"):
                st.until = self.expr(c)
            else:
                break
        self.opt_binding(c, st)
        c.expect_end()
        children = list(node.children)
        # a final `until <cond>` line closes the loop body
        for k in range(len(children) - 1, -1, -1):
            toks = children[k].ll.tokens
            if toks and toks[0].kind == "name" and toks[0].text == "until":
                cc = Tokens(toks, self)
                cc.next()
                try:
                    if st.until is not None:
                        self.problem(tspan(toks[0]), "duplicate 'until'", code="repeat-structure")
                    st.until = self.expr(cc)
                    cc.expect_end()
                except ParseError:
                    pass
                del children[k]
                break
        self.body_into(children, st.body)
        if not st.body:
            self.problem(st.verb_span, "'repeat' has an empty body", code="empty-body")
        if st.until is None and st.max is None:
            self.problem(
                st.verb_span,
                "'repeat' needs 'until <condition>' or 'max <n>'",
                hint="add an 'until' line after the body",
                code="repeat-structure",
            )
        if node.children:
            st.span = join(st.span, node_end(node.children[-1]))
        return st

    def s_wait(self, c: Tokens, node: Node) -> Step:
        verb = c.next()
        st = Step("wait", tspan(verb), tspan(verb))
        if c.at_end():
            raise c.fail("expected a duration after 'wait'")
        st.duration = self.expr(c)
        c.expect_end()
        st.span = join(st.span, st.duration.span)
        self.no_children(node)
        return st

    def _fields_step(self, c: Tokens, node: Node, kind: str, label_required: bool) -> Step:
        verb = c.next()
        st = Step(kind, tspan(verb), tspan(verb))
        st.label = self.label(c, label_required, kind)
        return st

    def _finish_fields(self, c: Tokens, node: Node, st: Step, *, bindable: bool) -> Step:
        if c.is_op("{") or c.is_op("("):
            self.inline_inputs(c, st)
        if bindable:
            self.opt_binding(c, st)
        c.expect_end()
        st.span = join(st.span, tspan(c.toks[-1]))
        self.assigns(node, st)
        if st.binding is not None and not bindable:
            self.problem(
                st.binding.arrow_span, f"'{st.kind}' does not produce a value", code="misplaced-binding"
            )
            st.binding = None
        return st

    def s_ask(self, c: Tokens, node: Node) -> Step:
        st = self._fields_step(c, node, "ask", True)
        return self._finish_fields(c, node, st, bindable=True)

    def _with_llm(self, c: Tokens, node: Node, kind: str) -> Step:
        st = self._fields_step(c, node, kind, True)
        if not c.accept_name("with"):
            raise c.fail(f"expected 'with llm' after the {kind} label")
        tool = c.expect_name("'llm'")
        st.tool, st.tool_span = tool.text, tspan(tool)
        return self._finish_fields(c, node, st, bindable=True)

    def s_agent(self, c: Tokens, node: Node) -> Step:
        return self._with_llm(c, node, "agent")

    def s_plan(self, c: Tokens, node: Node) -> Step:
        return self._with_llm(c, node, "plan")

    def s_run(self, c: Tokens, node: Node) -> Step:
        verb = c.next()
        st = Step("run", tspan(verb), tspan(verb))
        t = c.peek()
        if t is not None and t.kind == "str":
            self.problem(
                tspan(t),
                "the 'run' target is an identifier, not a string",
                hint=f"write run {self.str_value(t)}",
                code="run-target",
            )
            c.next()
            st.tool, st.tool_span = self.str_value(t), tspan(t)
        else:
            tgt = c.expect_name("a run target (the binding of a plan, or a script)")
            st.tool, st.tool_span = tgt.text, tspan(tgt)
        return self._finish_fields(c, node, st, bindable=True)

    def s_emit(self, c: Tokens, node: Node) -> Step:
        st = self._fields_step(c, node, "emit", False)
        return self._finish_fields(c, node, st, bindable=False)

    def s_yield(self, c: Tokens, node: Node) -> Step:
        st = self._fields_step(c, node, "yield", False)
        return self._finish_fields(c, node, st, bindable=False)

    def s_send(self, c: Tokens, node: Node) -> Step:
        st = self._fields_step(c, node, "send", True)
        if not c.accept_name("via"):
            raise c.fail("expected 'via \"channel\"' after the send label")
        ch = c.peek()
        if ch is None or ch.kind != "str":
            raise c.fail("expected the channel as a string")
        c.next()
        st.channel = self.string(ch)
        return self._finish_fields(c, node, st, bindable=False)

    def s_on(self, c: Tokens, node: Node) -> Step | None:
        t = c.peek(1)
        first = c.peek()
        assert first is not None
        if t is not None and t.text in ("pass", "fail"):
            self.problem(tspan(first), f"'on {t.text}' must follow a 'check' step", code="misplaced-clause")
        elif t is not None and t.text == "error":
            self.problem(
                tspan(first), "'on error' must be indented under a 'do' step", code="misplaced-on-error"
            )
        else:
            c.next()
            raise c.fail("expected 'on thread error'")
        return None

    # --- expressions ---------------------------------------------------------------------------------
    def expr(self, c: Tokens) -> Expr:
        c.depth += 1
        if c.depth > MAX_DEPTH:
            raise c.fail("expression nested too deeply")
        try:
            return self.binary(c, 1)
        finally:
            c.depth -= 1

    def binary(self, c: Tokens, min_prec: int) -> Expr:
        """Precedence climbing over the binary operators (all left-associative; comparisons do not chain)."""
        toks = c.toks
        n = len(toks)
        if c.i < n and toks[c.i].text in _PREFIX:
            left = self.prefix(c)
        else:
            left = self.primary(c)
            if c.i < n:
                t = toks[c.i]
                if t.kind == "op" and t.text in _POSTFIX:
                    left = self.postfix_tail(c, left)
        chain = 0
        while c.i < n:
            t = toks[c.i]
            k = t.kind
            if k == "op":
                prec = _OP_PREC.get(t.text)
            elif k == "name":
                prec = _WORD_PREC.get(t.text)
            else:
                break
            if prec is None or prec < min_prec:
                break
            c.i += 1
            chain += 1
            if chain > MAX_DEPTH:
                raise c.fail("expression too long")
            right = self.binary(c, prec + 1)
            left = BinOp(join(left.span, right.span), t.text, left, right, tspan(t))
            if prec == _CMP_PREC and c.i < n:
                nt = toks[c.i]
                if nt.kind == "op" and nt.text in _CMP:
                    raise c.fail("comparisons cannot be chained; use 'and'")
        return left

    def prefix(self, c: Tokens) -> Expr:
        t = c.peek()
        if t is not None and (
            (t.kind == "name" and t.text == "not") or (t.kind == "op" and t.text in ("!", "-"))
        ):
            c.next()
            c.depth += 1
            if c.depth > MAX_DEPTH:
                raise c.fail("expression nested too deeply")
            operand = self.prefix(c) if t.text == "-" else self.binary(c, _CMP_PREC)
            c.depth -= 1
            span = Span(t.line, t.col, operand.span.end_line, operand.span.end_col)
            if t.text != "-":
                return Unary(span, "not", operand)
            if (
                isinstance(operand, Lit)
                and isinstance(operand.value, int | float)
                and not isinstance(operand.value, bool)
            ):
                return Lit(span, -operand.value)
            return Unary(span, "neg", operand)
        return self.postfix(c)

    def postfix(self, c: Tokens) -> Expr:
        return self.postfix_tail(c, self.primary(c))

    def postfix_tail(self, c: Tokens, e: Expr) -> Expr:
        """Field reads, method calls and indexing after the primary expression `e`."""
        toks = c.toks
        n = len(toks)
        chain = 0
        while c.i < n:
            t = toks[c.i]
            if t.kind != "op":
                return e
            tx = t.text
            chain += 1
            if chain > MAX_DEPTH:
                raise c.fail("expression too long")
            if tx == "." or tx == "?.":
                c.i += 1
                f = c.expect_name("a field name after '" + tx + "'")
                if tx == "." and c.is_op("("):
                    args, end = self.call_args(c)
                    e = Method(join(e.span, end), e, f.text, tspan(f), args)
                else:
                    e = Get(join(e.span, tspan(f)), e, f.text, tx == "?.", tspan(f))
            elif tx == "[":
                c.i += 1
                at = self.expr(c)
                close_tok = c.expect_op("]", "to close the index")
                e = Index(join(e.span, tspan(close_tok)), e, at)
            else:
                return e
        return e

    def call_args(self, c: Tokens) -> tuple[list[Expr], Span]:
        c.expect_op("(")
        args: list[Expr] = []
        if not c.is_op(")"):
            while True:
                args.append(self.expr(c))
                if not c.accept_op(","):
                    break
        close_tok = c.expect_op(")", "to close the call")
        return args, tspan(close_tok)

    def primary(self, c: Tokens) -> Expr:
        """A primary expression: a name (or call, or one-parameter lambda), a literal, or what an opening
        bracket starts (`_BRACKETS`: parenthesis or lambda, list, object)."""
        toks = c.toks
        i = c.i
        if i >= len(toks):
            raise c.fail("expected an expression")
        t = toks[i]
        k = t.kind
        if k == "name":
            return self.primary_name(c, t)
        if k == "num":
            c.i = i + 1
            return Lit(tspan(t), number_value(t.text))
        if k == "str" or k == "tstr":
            c.i = i + 1
            return self.string(t)
        if k == "op":
            bracket = _BRACKETS.get(t.text)
            if bracket is not None:
                return bracket(self, c, t)
        raise c.fail("expected an expression")

    def primary_name(self, c: Tokens, t: Token) -> Expr:
        toks = c.toks
        i = c.i
        text = t.text
        nt = toks[i + 1] if i + 1 < len(toks) else None
        if nt is not None and nt.kind == "op":
            if nt.text == "=>":
                c.i = i + 2
                body = self.expr(c)
                return Lambda(join(tspan(t), body.span), [Param(text, tspan(t))], body)
            if nt.text == "(":
                c.i = i + 1
                if text == "env":
                    return self.env_call(c, t)
                args, end = self.call_args(c)
                return Call(join(tspan(t), end), text, tspan(t), args)
        c.i = i + 1
        if text == "true" or text == "false":
            return Lit(tspan(t), text == "true")
        if text == "null":
            return Lit(tspan(t), None)
        return Name(_new_tuple(Span, t[2:]), text)

    def lambda_params(self, c: Tokens) -> tuple[list[Param], int] | None:
        """At `(`: the parameters `(a, b)` and the index of `)` when `=>` follows it, else None."""
        j = c.i + 1
        params: list[Param] = []
        expect_name = True
        while j < len(c.toks):
            x = c.toks[j]
            if x.kind == "op" and x.text == ")":
                break
            if expect_name and x.kind == "name":
                params.append(Param(x.text, tspan(x)))
            elif expect_name or x.kind != "op" or x.text != ",":
                return None
            expect_name = not expect_name
            j += 1
        if j + 1 < len(c.toks) and c.toks[j + 1].kind == "op" and c.toks[j + 1].text == "=>":
            return params, j
        return None

    def primary_paren(self, c: Tokens, t: Token) -> Expr:
        lam = self.lambda_params(c)
        if lam is not None:
            params, j = lam
            c.i = j + 2
            body = self.expr(c)
            return Lambda(join(tspan(t), body.span), params, body)
        c.next()
        inner = self.expr(c)
        close_tok = c.expect_op(")", "to close the parenthesis")
        inner.span = join(tspan(t), tspan(close_tok)) if isinstance(inner, Name | Lit) else inner.span
        return inner

    def primary_list(self, c: Tokens, t: Token) -> Expr:
        c.next()
        items: list[Expr] = []
        if not c.is_op("]"):
            while True:
                items.append(self.expr(c))
                if not c.accept_op(","):
                    break
                if c.is_op("]"):
                    break
        close_tok = c.expect_op("]", "to close the list")
        return ListLit(join(tspan(t), tspan(close_tok)), items)

    def primary_object(self, c: Tokens, t: Token) -> Expr:
        c.next()
        entries: list[Entry] = []
        if not c.is_op("}"):
            while True:
                key = c.peek()
                if key is None or key.kind not in ("name", "str"):
                    raise c.fail("expected a key")
                c.next()
                kname = key.text if key.kind == "name" else self.str_value(key)
                if not (c.accept_op(":") or c.accept_op("=")):
                    raise c.fail(f"expected ':' or '=' after the key '{kname}'")
                entries.append(Entry(kname, tspan(key), self.expr(c)))
                if not c.accept_op(","):
                    break
                if c.is_op("}"):
                    break
        close_tok = c.expect_op("}", "to close the object")
        return ObjectLit(join(tspan(t), tspan(close_tok)), entries)

    def env_call(self, c: Tokens, t: Token) -> Expr:
        c.expect_op("(")
        a = c.peek()
        if a is None or a.kind not in ("name", "str"):
            raise c.fail("expected an env key")
        c.next()
        name = a.text if a.kind == "name" else self.str_value(a)
        default: Expr | None = None
        if c.accept_op(","):
            default = self.expr(c)
        close_tok = c.expect_op(")", "to close env(...)")
        return EnvRef(join(tspan(t), tspan(close_tok)), name, tspan(a), default)

    # --- strings -------------------------------------------------------------------------------------
    def str_value(self, t: Token) -> str:
        return self.string(t, interpolate=False).plain

    def string(self, t: Token, interpolate: bool = True) -> Str:
        """A string literal; triple-quoted strings are raw (no escapes, no interpolation)."""
        triple = t.kind == "tstr"
        interpolate = interpolate and not triple
        raw = t.text[3:-3] if triple else t.text[1:-1]
        if "{" not in raw and "\\" not in raw:
            return Str(_new_tuple(Span, t[2:]), [raw], triple)
        line, col = t.line, t.col + (3 if triple else 1)
        parts: list[str | InterpPath] = []
        buf: list[str] = []
        i = 0
        n = len(raw)
        while i < n:
            ch = raw[i]
            if ch == "\\" and i + 1 < n and not triple:
                nx = raw[i + 1]
                buf.append(_ESCAPES.get(nx, "\\" + nx))
                i += 2
                continue
            if ch == "{" and interpolate:
                close = raw.find("}", i + 1)
                inner = raw[i + 1 : close] if close >= 0 else ""
                m = _INTERP_PATH.match(inner) if close >= 0 else None
                if m and "\n" not in inner:
                    if buf:
                        parts.append("".join(buf))
                        buf = []
                    path = [p.strip() for p in m.group(1).split(".")]
                    lead = len(inner) - len(inner.lstrip())
                    pl, pc = _pos(raw, i + 1 + lead, line, col)
                    parts.append(InterpPath(path, Span(pl, pc, pl, pc + len(m.group(1)))))
                    i = close + 1
                    continue
                if not triple:
                    pl, pc = _pos(raw, i, line, col)
                    end = (close + 1) if close >= 0 else i + 1
                    el, ec = _pos(raw, end, line, col)
                    if close >= 0:
                        self.problem(
                            Span(pl, pc, el, ec),
                            "only a name or a dotted path can be interpolated",
                            hint="compute the value with 'let' first, or write \\{ for a literal brace",
                            code="interpolation",
                        )
                    else:
                        self.problem(
                            Span(pl, pc, el, ec),
                            "unclosed '{' in string",
                            hint="write \\{ for a literal brace",
                            code="interpolation",
                        )
                buf.append(ch)
                i += 1
                continue
            buf.append(ch)
            i += 1
        if buf or not parts:
            parts.append("".join(buf))
        return Str(tspan(t), parts, triple)


def _pos(raw: str, i: int, line: int, col: int) -> tuple[int, int]:
    """Line/column of offset `i` of a string body that starts at (line, col)."""
    nl = raw.rfind("\n", 0, i)
    if nl < 0:
        return line, col + i
    return line + raw.count("\n", 0, i), i - nl - 1


_VERBS = frozenset(
    {"do", "let", "each", "pipe", "check", "decide", "together", "repeat", "wait", "ask", "agent", "plan", "run",
     "emit", "yield", "send", "on"}
)  # fmt: skip


def _verb_hint(word: str) -> str:
    from .suggest import did_you_mean

    return did_you_mean(word, sorted(_VERBS - {"on"}))


def number_value(text: str) -> int | float:
    if "." in text or "e" in text or "E" in text or len(text) > 300:
        try:
            return float(text)
        except (ValueError, OverflowError):
            return float("inf")
    return int(text)


def split_top(toks: list[Token], seps: tuple[str, ...]) -> list[list[Token]]:
    """Split tokens on separators that are not nested in brackets."""
    out: list[list[Token]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == "op":
            if t.text in ("(", "[", "{"):
                depth += 1
            elif t.text in (")", "]", "}"):
                depth -= 1
            elif depth == 0 and t.text in seps:
                out.append([])
                continue
        out[-1].append(t)
    return out


def parse(source: str) -> ParseResult:
    """Parse `source` (never raises)."""
    with gc_paused():
        return Parser(source).run()


# an opening bracket -> what it starts, in an expression (`Parser.primary`)
_BRACKETS: dict[str, Callable[[Parser, Tokens, Token], Expr]] = {
    "(": Parser.primary_paren,
    "[": Parser.primary_list,
    "{": Parser.primary_object,
}
