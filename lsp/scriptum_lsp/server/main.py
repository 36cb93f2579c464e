"""`scriptum-lsp serve`: run the language server over stdio (default) or TCP (for debugging)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (default)")
    mode.add_argument("--tcp", metavar="HOST:PORT", default=None, help="listen on TCP instead (debugging)")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="stderr log level (default warning); the token is never logged",
    )
    parser.add_argument("--log-file", default=None, help="also write the log to this file")


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"--tcp expects HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def run(args: argparse.Namespace) -> int:
    from scriptum_lsp.server.app import create_language_server
    from scriptum_lsp.server.logs import setup_logging
    from scriptum_lsp.server.stdio import start_io

    setup_logging(args.log_level, getattr(args, "log_file", None))
    server = create_language_server()
    if args.tcp:
        host, port = _host_port(args.tcp)
        server.start_tcp(host, port)
    else:
        start_io(server)
    return 0
