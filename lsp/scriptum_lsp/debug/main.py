"""`scriptum-lsp debug`: the Debug Adapter Protocol server, on stdio or on a TCP port."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="listen on 127.0.0.1:PORT for one DAP client instead of using stdio",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on with --port")
    parser.add_argument("--log-file", default=None, help="write the adapter's log to this file")


def serve_streams(rfile, wfile) -> None:  # type: ignore[no-untyped-def]
    import threading

    from .dap import Channel, Reader, Writer, read_loop
    from .session import Session

    session = Session(Channel(Writer(wfile)))
    reader = threading.Thread(
        target=read_loop, args=(Reader(rfile), session.deliver), daemon=True, name="scriptum-dap-reader"
    )
    reader.start()
    session.serve()


def run(args: argparse.Namespace) -> int:
    import logging
    import sys

    if args.log_file:
        logging.basicConfig(
            filename=args.log_file,
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    if args.port is None:
        serve_streams(sys.stdin.buffer, sys.stdout.buffer)
        return 0
    import socket

    with socket.create_server((args.host, args.port)) as server:
        print(
            f"scriptum-lsp debug: listening on {args.host}:{server.getsockname()[1]}",
            file=sys.stderr,
            flush=True,
        )
        conn, _ = server.accept()
        with conn, conn.makefile("rb") as rfile, conn.makefile("wb") as wfile:
            serve_streams(rfile, wfile)
    return 0
