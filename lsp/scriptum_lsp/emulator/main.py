"""`scriptum-lsp emulator`: serve the local Scriptum API emulator over HTTP (uvicorn)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8420, help="TCP port (default 8420; 0 picks a free one)")
    parser.add_argument(
        "--data",
        default=None,
        help="data folder for the SQLite store (default: a per-user data folder); ':memory:' keeps nothing",
    )
    parser.add_argument(
        "--token",
        default=None,
        help="the only bearer token accepted (default: any non-empty bearer token; env SCRIPTUM_EMULATOR_TOKEN)",
    )
    parser.add_argument("--org", default="default", help="organization used when a request names none")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ROUTE=SPEC",
        help="inject a fault, e.g. CompileScriptDraft=latency=500ms or '*=error=503,rate=0.1' (repeatable;"
        " see docs/emulator.md)",
    )
    parser.add_argument(
        "--fault-seed", type=int, default=None, help="seed for fault rates (reproducible runs)"
    )
    parser.add_argument(
        "--admin",
        action="store_true",
        help="enable the admin route /v1/scriptum/admin/faults (off by default)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="host that http_request steps may reach besides loopback (repeatable)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )


def run(args: argparse.Namespace) -> int:
    import logging
    import os
    import sys

    import uvicorn

    from scriptum_lsp.emulator import create_app
    from scriptum_lsp.emulator.app import store_path
    from scriptum_lsp.emulator.faults import Faults, FaultSpecError, parse_rule

    try:
        rules = [parse_rule(spec) for spec in args.fault]
    except FaultSpecError as exc:
        print(f"scriptum-lsp emulator: {exc}", file=sys.stderr)
        return 2
    token = args.token or os.environ.get("SCRIPTUM_EMULATOR_TOKEN") or None
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(
        args.data,
        token,
        default_org=args.org,
        faults=Faults(rules, seed=args.fault_seed),
        admin=args.admin,
        allow_hosts=args.allow_host,
    )
    print(
        f"scriptum-lsp emulator on http://{args.host}:{args.port}/v1/scriptum (store: {store_path(args.data)};"
        f" auth: {'fixed token' if token else 'any bearer token'}; faults: {len(rules)}; admin: {args.admin})",
        file=sys.stderr,
        flush=True,
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.log_level == "debug",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0
