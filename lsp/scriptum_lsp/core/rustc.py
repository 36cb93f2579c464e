"""Parsing of rustc's rendered (human) output, as `cargo check --color never` prints it, into diagnostics.

A diagnostic starts with a header at column 0 (`error[E0308]: mismatched types`, `warning: unused
variable: `x``, `note: ...`) and its primary location is the first `--> file:line:col` before the next
header. Headers without a location (a missing dependency, say) are kept with file "" and line 0; cargo's
summaries (`error: could not compile ...`, `warning: `x` (bin "x") generated 1 warning`) are dropped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

_HEADER = re.compile(
    r"^(?P<sev>error|warning|note|help|failure-note)(?:\[(?P<code>[A-Za-z0-9_]+)\])?: (?P<msg>.*)$"
)
_ARROW = re.compile(r"^\s*--> (?P<file>.+):(?P<line>\d+):(?P<col>\d+)\s*$")
_SUMMARY = re.compile(
    r"^(could not compile `|aborting due to |`[^`]+` \([^)]*\) generated \d+ warnings?|build failed,"
    r"|\d+ warnings? emitted)"
)


@dataclass(frozen=True)
class RustDiagnostic:
    file: str  # as rustc prints it: relative to the crate root for the crate's own files
    line: int  # 1-based; 0 when the diagnostic has no location
    col: int  # 1-based, in characters
    severity: str  # "error" | "warning" | "note" | "help" | "failure-note"
    message: str
    code: str | None = None  # E0308, or None


def parse_rendered(lines: Iterable[str]) -> list[RustDiagnostic]:
    """The diagnostics in rendered rustc/cargo output, in order."""
    out: list[RustDiagnostic] = []
    pending: RustDiagnostic | None = None  # the last header, until its `-->` (or the next header)
    for raw in lines:
        line = raw.rstrip("\r\n")
        header = _HEADER.match(line)
        if header:
            if pending is not None:
                out.append(pending)
            msg = header.group("msg").strip()
            sev = header.group("sev")
            pending = (
                None if _SUMMARY.match(msg) else RustDiagnostic("", 0, 0, sev, msg, header.group("code"))
            )
            continue
        arrow = _ARROW.match(line)
        if arrow and pending is not None:
            out.append(
                replace(
                    pending,
                    file=arrow.group("file"),
                    line=int(arrow.group("line")),
                    col=int(arrow.group("col")),
                )
            )
            pending = None
    if pending is not None:
        out.append(pending)
    return out
