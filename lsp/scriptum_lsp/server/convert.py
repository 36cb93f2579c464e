"""Engine values (code points) -> LSP types in the negotiated position encoding."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from scriptum_lsp.core.positions import Encoding, cp_to_units
from scriptum_lsp.core.text import split_lines
from scriptum_lsp.engine.model import EditorDiagnostic

SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def position(lines: list[str], line: int, col: int, encoding: Encoding) -> types.Position:
    """A code-point (line, col) -> LSP Position; clamped into the document."""
    if not lines:
        return types.Position(0, 0)
    if line >= len(lines):
        last = len(lines) - 1
        return types.Position(last, cp_to_units(lines[last], len(lines[last]), encoding))
    line = max(0, line)
    return types.Position(line, cp_to_units(lines[line], col, encoding))


def lsp_range(
    lines: list[str], line: int, start: int, end_line: int, end: int, encoding: Encoding
) -> types.Range:
    return types.Range(position(lines, line, start, encoding), position(lines, end_line, end, encoding))


def diagnostic(d: EditorDiagnostic, lines: list[str], encoding: Encoding) -> types.Diagnostic:
    data: Any = d.data
    return types.Diagnostic(
        range=lsp_range(lines, d.line, d.start, d.end_line, d.end, encoding),
        message=d.message,
        severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
        source=d.source,
        code=d.code,
        data=data,
    )


def diagnostics(ds: list[EditorDiagnostic], text: str, encoding: Encoding) -> list[types.Diagnostic]:
    lines = split_lines(text)
    return [diagnostic(d, lines, encoding) for d in ds]
