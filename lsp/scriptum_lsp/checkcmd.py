"""`scriptum-lsp check PATH...`: compile .scriptum files with the local compiler and print diagnostics.

Output lines are `file:line:col: severity: message (hint)`, then a summary; exit status 1 when any file
has errors. `--format json` prints one JSON document with every file's compile result.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help=".scriptum files or directories (searched recursively)"
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.add_argument("--no-info", action="store_true", help="hide info-level diagnostics")


def iter_scripts(paths: list[str]) -> Iterator[Path]:
    """The .scriptum files named by `paths` (directories are searched recursively), in a stable order."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from sorted(x for x in p.rglob("*.scriptum") if x.is_file())
        else:
            yield p


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from scriptum_lsp.language import compile_source

    files = list(iter_scripts(args.paths))
    report: list[dict[str, object]] = []
    n_err = n_warn = n_files_err = 0
    missing = 0
    for path in files:
        try:
            source = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            print(f"{path}: error: cannot read: {exc.strerror or exc}", file=sys.stderr)
            missing += 1
            continue
        result = compile_source(source)
        diags = [d for d in result.diagnostics if not (args.no_info and d.severity == "info")]
        errors = sum(1 for d in diags if d.severity == "error")
        n_err += errors
        n_warn += sum(1 for d in diags if d.severity == "warning")
        n_files_err += 1 if errors else 0
        if args.format == "json":
            item = result.to_api()
            item["file"] = str(path)
            item["diagnostics"] = [
                {**d.to_api(), "endLine": d.end_line, "endCol": d.end_col, "code": d.code} for d in diags
            ]
            item["contract"] = result.contract
            report.append(item)
            continue
        for d in diags:
            hint = f" ({d.hint})" if d.hint else ""
            print(f"{path}:{d.line}:{d.col}: {d.severity}: {d.message}{hint}")
        if result.success:
            tools = ", ".join(result.tools_required) or "none"
            print(f"{path}: ok (tools required: {tools})")
    if args.format == "json":
        print(
            json.dumps({"files": report, "errors": n_err, "warnings": n_warn}, indent=2, ensure_ascii=False)
        )
    else:
        print(
            f"{len(files) - missing} file{'s' if len(files) - missing != 1 else ''} checked: "
            f"{n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}"
        )
    return 1 if n_err or missing or not files else 0
