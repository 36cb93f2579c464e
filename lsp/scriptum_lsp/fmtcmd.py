"""`scriptum-lsp fmt [--check] [--diff] PATH...`: format .scriptum files in canonical layout.

Without `--check` files are rewritten in place (only when they change). With `--check` nothing is written;
the files that would change are listed and the exit status is 1. `--diff` prints a unified diff of what
would change instead of writing (and implies `--check`'s exit status). Files with syntax errors are left
alone; their first syntax errors are printed (`file:line:col: error: message`, as `check` prints them).
"""

from __future__ import annotations

import argparse

MAX_SYNTAX_ERRORS_SHOWN = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help=".scriptum files or directories (searched recursively)"
    )
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if any file would change")
    parser.add_argument(
        "--diff", action="store_true", help="do not write; print a unified diff of what would change"
    )


def run(args: argparse.Namespace) -> int:
    import difflib
    import sys

    from scriptum_lsp.checkcmd import iter_scripts
    from scriptum_lsp.language import format_source, parse
    from scriptum_lsp.language.diagnostics import to_diagnostics
    from scriptum_lsp.language.formatter import has_syntax_errors

    dry_run = args.check or args.diff
    changed = unformattable = failed = 0
    files = list(iter_scripts(args.paths))
    for path in files:
        try:
            raw = path.read_bytes()
            source = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            print(f"{path}: error: cannot read: {reason}", file=sys.stderr)
            failed += 1
            continue
        formatted = format_source(source)
        if formatted == source:
            pr = parse(source)
            if has_syntax_errors(pr):
                errors = [d for d in to_diagnostics(list(pr.problems), pr.lines) if d.severity == "error"]
                print(f"{path}: not formatted: {len(errors)} syntax error(s)", file=sys.stderr)
                for d in errors[:MAX_SYNTAX_ERRORS_SHOWN]:
                    print(f"{path}:{d.line}:{d.col}: error: {d.message}", file=sys.stderr)
                if len(errors) > MAX_SYNTAX_ERRORS_SHOWN:
                    more = len(errors) - MAX_SYNTAX_ERRORS_SHOWN
                    print(f"{path}: ... and {more} more (scriptum-lsp check {path})", file=sys.stderr)
                unformattable += 1
            continue
        changed += 1
        if args.diff:
            name = path.as_posix()
            for line in difflib.unified_diff(
                source.splitlines(keepends=True),
                formatted.splitlines(keepends=True),
                fromfile=f"{name} (original)",
                tofile=f"{name} (formatted)",
            ):
                sys.stdout.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        elif args.check:
            print(f"{path}: would reformat")
        else:
            path.write_text(formatted, encoding="utf-8", newline="")
            print(f"{path}: formatted")
    verb = "would be reformatted" if dry_run else "reformatted"
    print(f"{changed} of {len(files)} file{'s' if len(files) != 1 else ''} {verb}", file=sys.stderr)
    if failed or not files:
        return 2
    if unformattable:
        return 1
    return 1 if dry_run and changed else 0
