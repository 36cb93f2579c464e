"""`scriptum-lsp check PATH...`: compile .scriptum files with the local compiler and print diagnostics.

Text output: one `file:line:col: severity: message (hint)` line per diagnostic (the form editors' error
formats read), then the source line with a caret under the range, as rustc and ruff print it
(`--no-snippet` turns that off), then a summary. `--format json` prints one JSON document with every file's
compile result, `--format sarif` a SARIF 2.1.0 log (code scanning), `--format github` GitHub Actions workflow
annotations.

Exit status: 0 when no file has errors, 1 when any file has errors, 2 for a usage error, a file that cannot
be read or a path without any .scriptum file (docs/cli.md).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scriptum_lsp.language.compiler import CompileResult
    from scriptum_lsp.language.diagnostics import CompileDiagnostic

EXIT_CLEAN, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help=".scriptum files or directories (searched recursively)"
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--no-info", action="store_true", help="hide info-level diagnostics")
    parser.add_argument(
        "--no-snippet",
        action="store_true",
        help="text format: no source line and caret under each diagnostic",
    )


def iter_scripts(paths: list[str]) -> Iterator[Path]:
    """The .scriptum files named by `paths` (directories are searched recursively), in a stable order."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from sorted(x for x in p.rglob("*.scriptum") if x.is_file())
        else:
            yield p


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------------------------------------------
# snippets


def _width(ch: str) -> int:
    import unicodedata

    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def snippet(d: CompileDiagnostic, tab: int = 4) -> list[str]:
    """The source line and a caret line under the diagnostic's range (to the end of the first line when the
    range spans lines), with tabs expanded and wide characters counted twice, like rustc's output."""
    text = d.source_line.rstrip("\r\n")
    start = max(d.col - 1, 0)
    end = d.end_col - 1 if d.end_line == d.line else len(text)
    end = max(min(end, len(text)), start)
    shown: list[str] = []
    pad = marks = 0
    for i, ch in enumerate(text):
        w = tab - (sum(len(s) for s in shown) % tab) if ch == "\t" else _width(ch)
        shown.append(" " * w if ch == "\t" else ch)
        if i < start:
            pad += w
        elif i < end:
            marks += w
    gutter = str(d.line)
    blank = " " * len(gutter)
    return [f" {gutter} | {''.join(shown)}".rstrip(), f" {blank} | {' ' * pad}{'^' * max(marks, 1)}"]


# ---------------------------------------------------------------------------------------------------------
# machine formats


@dataclass
class FileResult:
    path: Path
    diagnostics: list[CompileDiagnostic] = field(default_factory=list)
    result: CompileResult | None = None
    read_error: str | None = None


def _github_escape(text: str, prop: bool = False) -> str:
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def github_annotation(path: Path, d: CompileDiagnostic) -> str:
    """One workflow command (https://docs.github.com/actions: `::error file=...,line=...::message`)."""
    level = {"error": "error", "warning": "warning"}.get(d.severity, "notice")
    props = {
        "file": path.as_posix(),
        "line": d.line,
        "col": d.col,
        "endLine": d.end_line,
        "endColumn": d.end_col,
        "title": f"scriptum {d.code or d.severity}",
    }
    prop_text = ",".join(f"{k}={_github_escape(str(v), prop=True)}" for k, v in props.items())
    message = f"{d.message} ({d.hint})" if d.hint else d.message
    return f"::{level} {prop_text}::{_github_escape(message)}"


def sarif_log(results: Sequence[FileResult], version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, one result per diagnostic, columns in Unicode code points (the API's unit),
    unreadable files as tool execution notifications."""
    rules: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for fr in results:
        uri = fr.path.as_posix()
        if fr.read_error is not None:
            notes.append(
                {
                    "level": "error",
                    "message": {"text": f"cannot read: {fr.read_error}"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
                }
            )
            continue
        for d in fr.diagnostics:
            rule_id = d.code or d.severity
            rules.setdefault(rule_id, {"id": rule_id})
            message = f"{d.message} ({d.hint})" if d.hint else d.message
            out.append(
                {
                    "ruleId": rule_id,
                    "level": {"error": "error", "warning": "warning"}.get(d.severity, "note"),
                    "message": {"text": message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri},
                                "region": {
                                    "startLine": d.line,
                                    "startColumn": d.col,
                                    "endLine": d.end_line,
                                    "endColumn": d.end_col,
                                    "snippet": {"text": d.source_line},
                                },
                            }
                        }
                    ],
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "scriptum-lsp",
                        "version": version,
                        "informationUri": "https://github.com/scriptum-lsp/scriptum-lsp",
                        "rules": [rules[k] for k in sorted(rules)],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {"executionSuccessful": not notes, "toolExecutionNotifications": notes},
                ],
                "results": out,
            }
        ],
    }


# ---------------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from scriptum_lsp import __version__
    from scriptum_lsp.language import compile_source

    files = list(iter_scripts(args.paths))
    if not files:
        print(f"scriptum-lsp check: no .scriptum files in {' '.join(args.paths)}", file=sys.stderr)
        return EXIT_USAGE
    results: list[FileResult] = []
    n_err = n_warn = unreadable = 0
    text = args.format == "text"
    for path in files:
        try:
            source = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            reason = exc.strerror or str(exc)
            print(f"{path}: error: cannot read: {reason}", file=sys.stderr)
            results.append(FileResult(path, read_error=reason))
            unreadable += 1
            continue
        result = compile_source(source)
        diags = [d for d in result.diagnostics if not (args.no_info and d.severity == "info")]
        n_err += sum(1 for d in diags if d.severity == "error")
        n_warn += sum(1 for d in diags if d.severity == "warning")
        results.append(FileResult(path, diags, result))
        if text:
            for d in diags:
                hint = f" ({d.hint})" if d.hint else ""
                print(f"{path}:{d.line}:{d.col}: {d.severity}: {d.message}{hint}")
                if not args.no_snippet:
                    print("\n".join(snippet(d)))
            if result.success:
                tools = ", ".join(result.tools_required) or "none"
                print(f"{path}: ok (tools required: {tools})")
        elif args.format == "github":
            for d in diags:
                print(github_annotation(path, d))
    checked = len(files) - unreadable
    parts = (
        []
        if not checked
        else [f"{_plural(checked, 'file')} checked: {_plural(n_err, 'error')}, {_plural(n_warn, 'warning')}"]
    )
    if unreadable:
        parts.append(f"{_plural(unreadable, 'file')} could not be read")
    summary = "; ".join(parts)
    if args.format == "json":
        report = []
        for fr in results:
            if fr.result is None:
                report.append({"file": str(fr.path), "success": False, "readError": fr.read_error})
                continue
            item = fr.result.to_api()
            item["file"] = str(fr.path)
            item["diagnostics"] = [
                {**d.to_api(), "endLine": d.end_line, "endCol": d.end_col, "code": d.code}
                for d in fr.diagnostics
            ]
            item["contract"] = fr.result.contract
            report.append(item)
        doc = {"files": report, "errors": n_err, "warnings": n_warn, "unreadable": unreadable}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    elif args.format == "sarif":
        print(json.dumps(sarif_log(results, __version__), indent=2, ensure_ascii=False))
    else:
        print(summary)
    if unreadable:
        return EXIT_USAGE
    return EXIT_ERRORS if n_err else EXIT_CLEAN
