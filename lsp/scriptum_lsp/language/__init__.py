"""scriptum_lsp.language: the pure Scriptum language core (see docs/architecture.md).

Lexer and tolerant parser (never raise), checker, IR (docs/ir.md), ScriptContract, formatter and the
analysis behind the editor features. No IO.
"""

from __future__ import annotations

from .analysis import Analysis, BindingInfo, Context, Symbol, analyze
from .compiler import CompileResult, compile_source
from .diagnostics import CompileDiagnostic
from .formatter import format_source
from .parser import parse
from .syntax import ParseResult, Span

__all__ = [
    "Analysis",
    "BindingInfo",
    "CompileDiagnostic",
    "CompileResult",
    "Context",
    "ParseResult",
    "Span",
    "Symbol",
    "analyze",
    "compile_source",
    "format_source",
    "parse",
]
