"""One Scriptum expression on its own (a debugger's watch, a conditional breakpoint): text -> IR expression.

Uses the same lexer, expression grammar and IR conversion as whole scripts (docs/ir.md "Expressions"), so an
expression means exactly what it means inside a step. Pure; never raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .ir import expr_ir
from .lexer import tokenize
from .parser import ParseError, Parser, Tokens
from .syntax import ErrorExpr


@dataclass(frozen=True)
class ParsedExpression:
    ir: dict[str, Any] | None  # None when the text is not one expression
    error: str  # "" when ir is set


def parse_expression(text: str) -> ParsedExpression:
    """Parse `text` as one expression. Multi-line text and trailing tokens are errors."""
    source = text.strip()
    if not source:
        return ParsedExpression(None, "empty expression")
    if "\n" in source or "\r" in source:
        return ParsedExpression(None, "an expression is one line")
    parser = Parser(source)
    rows = tokenize([source])
    toks = [t for t in rows[0] if t.kind != "comment"] if rows else []
    cursor = Tokens(toks, parser)
    try:
        expr = parser.expr(cursor)
    except ParseError:
        first = parser.problems[0].message if parser.problems else "not an expression"
        return ParsedExpression(None, first)
    except RecursionError:
        return ParsedExpression(None, "expression nested too deeply")
    if isinstance(expr, ErrorExpr) or parser.problems:
        first = parser.problems[0].message if parser.problems else "not an expression"
        return ParsedExpression(None, first)
    if not cursor.at_end():
        rest = cursor.peek()
        return ParsedExpression(None, f"unexpected {rest.text!r} after the expression" if rest else "")
    return ParsedExpression(expr_ir(expr), "")
