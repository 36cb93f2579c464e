"""`CompileDiagnostic`: the API's diagnostic shape (1-based line/col, code-point columns)."""

from __future__ import annotations

from dataclasses import dataclass

from .syntax import Problem

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class CompileDiagnostic:
    line: int
    col: int
    end_line: int
    end_col: int
    message: str
    hint: str
    severity: str
    source_line: str
    code: str

    def to_api(self) -> dict[str, object]:
        """The camelCase shape of the Scriptum API."""
        return {
            "line": self.line,
            "col": self.col,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
            "sourceLine": self.source_line,
        }

    def render(self) -> str:
        """`3:5-3:7 error unknown field 'ur' (did you mean 'url'?)` — the snapshot form."""
        text = f"{self.line}:{self.col}-{self.end_line}:{self.end_col} {self.severity} {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


def to_diagnostics(
    problems: list[Problem], lines: tuple[str, ...] | list[str]
) -> tuple[CompileDiagnostic, ...]:
    """Problems (0-based spans) -> sorted, de-duplicated diagnostics clamped into the buffer."""
    out: dict[tuple[object, ...], CompileDiagnostic] = {}
    nlines = max(len(lines), 1)
    for p in problems:
        sl = min(max(p.span.start_line, 0), nlines - 1)
        text = lines[sl] if sl < len(lines) else ""
        sc = min(max(p.span.start_col, 0), len(text))
        el = min(max(p.span.end_line, sl), nlines - 1)
        etext = lines[el] if el < len(lines) else ""
        ec = min(max(p.span.end_col, 0), len(etext))
        if (el, ec) < (sl, sc):
            el, ec = sl, sc
        d = CompileDiagnostic(sl + 1, sc + 1, el + 1, ec + 1, p.message, p.hint, p.severity, text, p.code)
        key = (d.line, d.col, d.end_line, d.end_col, d.message)
        out.setdefault(key, d)
    return tuple(
        sorted(out.values(), key=lambda d: (d.line, d.col, SEVERITY_ORDER.get(d.severity, 3), d.message))
    )
