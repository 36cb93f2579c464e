"""`scriptum-lsp fmt [--check] PATH...`: format .scriptum files in canonical layout.

Without `--check` files are rewritten in place (only when they change). With `--check` nothing is written;
the files that would change are listed and the exit status is 1. Files with syntax errors are left alone
and reported.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help=".scriptum files or directories (searched recursively)"
    )
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if any file would change")


def run(args: argparse.Namespace) -> int:
    import sys

    from scriptum_lsp.checkcmd import iter_scripts
    from scriptum_lsp.language import format_source, parse
    from scriptum_lsp.language.formatter import has_syntax_errors

    changed = unformattable = failed = 0
    files = list(iter_scripts(args.paths))
    for path in files:
        try:
            raw = path.read_bytes()
            source = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{path}: error: cannot read: {exc}", file=sys.stderr)
            failed += 1
            continue
        formatted = format_source(source)
        if formatted == source:
            if has_syntax_errors(parse(source)):
                print(f"{path}: not formatted (syntax errors)", file=sys.stderr)
                unformattable += 1
            continue
        changed += 1
        if args.check:
            print(f"{path}: would reformat")
        else:
            path.write_text(formatted, encoding="utf-8", newline="")
            print(f"{path}: formatted")
    verb = "would be reformatted" if args.check else "reformatted"
    print(f"{changed} of {len(files)} file{'s' if len(files) != 1 else ''} {verb}", file=sys.stderr)
    if failed or unformattable or not files:
        return 1
    return 1 if args.check and changed else 0
