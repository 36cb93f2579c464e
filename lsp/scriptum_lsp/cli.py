"""Command line entry point: ``scriptum-lsp [serve|check|fmt|emulator|doctor]``.

Every sub-command lives in its own module and is imported lazily, so starting the
language server does not pay for the emulator and the other way round.
Each module exposes ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence

from scriptum_lsp import __version__

# sub-command -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("scriptum_lsp.server.main", "run the language server (stdio by default; the default command)"),
    "check": (
        "scriptum_lsp.checkcmd",
        "compile .scriptum files with the local compiler and print diagnostics",
    ),
    "fmt": ("scriptum_lsp.fmtcmd", "format .scriptum files in canonical layout"),
    "emulator": ("scriptum_lsp.emulator.main", "serve the local Scriptum API emulator over HTTP"),
    "doctor": ("scriptum_lsp.doctor", "print the resolved endpoint, organization, token source and health"),
    "debug": ("scriptum_lsp.debug.main", "run the Debug Adapter Protocol server (stdio, or --port)"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line parser; with `only`, just that sub-command's module is imported for its flags
    (the others keep their one-line help), so starting the server imports none of the others."""
    parser = argparse.ArgumentParser(
        prog="scriptum-lsp",
        description="Language server and local emulator for Scriptum (.scriptum) workflow scripts.",
    )
    parser.add_argument("--version", action="version", version=f"scriptum-lsp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(_module=module_name)
        if only is None or only == name:
            _module_add_arguments(module_name, sp)
    return parser


def _module_add_arguments(module_name: str, parser: argparse.ArgumentParser) -> None:
    # argument definitions are cheap; importing the module here keeps each module the
    # single owner of its flags.
    module = importlib.import_module(module_name)
    module.add_arguments(parser)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # `scriptum-lsp` alone, or with only server flags, starts the server (what editors run).
    if not args_list or (args_list[0].startswith("--") and args_list[0] not in ("--version", "--help", "-h")):
        args_list = ["serve", *args_list]
    first = args_list[0] if args_list else ""
    parser = build_parser(first if first in SUBCOMMANDS else "")
    args = parser.parse_args(args_list)
    module = importlib.import_module(args._module)
    try:
        result: int = module.run(args)
        with contextlib.suppress(ValueError):  # the server's stdout may be closed by the client already
            sys.stdout.flush()
    except BrokenPipeError:
        # `scriptum-lsp check ... | head`: the reader went away; stop quietly, as other CLI tools do.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return result
