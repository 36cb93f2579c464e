"""`scriptum-lsp doctor`: what a user runs when something is wrong.

Resolves the settings exactly as the server does (setting -> environment -> dodil CLI config), then prints
the endpoint, the organization, where the token came from (never the token), whether the endpoint answers
HealthCheck, whether an authenticated call (ListScripts) succeeds, and the server version. Exit code 0 when
the endpoint is healthy and the credentials are accepted, 1 otherwise.

Doctor never writes: for the `local` endpoint the checks run against an in-memory emulator (the same app and
compiler the server embeds), and the data folder the server would use is only looked at, never created.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint", help="endpoint to check instead of the resolved one: 'local' or an https:// URL"
    )
    parser.add_argument("--organization", help="organization to check instead of the resolved one")
    parser.add_argument(
        "--settings",
        metavar="JSON|@FILE",
        help="the `scriptum` settings section as your editor sends it (JSON text, or @path to a JSON file)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


@dataclass(frozen=True)
class Check:
    """One network check: HealthCheck or the authenticated call."""

    ok: bool
    detail: str
    elapsed_ms: int | None = None
    server_version: str | None = None


@dataclass(frozen=True)
class Report:
    version: str
    python: str
    executable: str
    settings: dict[str, Any]
    cli_config: str | None
    warnings: list[str] = field(default_factory=list)
    health: Check | None = None
    auth: Check | None = None
    local_data: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.health and self.health.ok) and (self.auth is None or self.auth.ok)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def load_settings_arg(value: str | None) -> dict[str, Any]:
    """`--settings`: JSON text or `@file`. Raises ValueError with a message for the user."""
    if not value:
        return {}
    text = value
    if value.startswith("@"):
        try:
            text = Path(value[1:]).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read {value[1:]}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"--settings is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("--settings must be a JSON object (the `scriptum` section)")
    return data


def merged_settings(raw: Mapping[str, Any], endpoint: str | None, organization: str | None) -> dict[str, Any]:
    out = dict(raw)
    if isinstance(out.get("scriptum"), Mapping):
        out = {**out, **out.pop("scriptum")}
    if endpoint:
        out["endpoint"] = endpoint
    if organization:
        out["organization"] = organization
    return out


async def _timed(coro: Any) -> tuple[Any, int]:
    import time

    start = time.perf_counter()
    result = await coro
    return result, int((time.perf_counter() - start) * 1000)


async def run_checks(
    settings: Any, request_timeout: float, local_data: str | None = None
) -> tuple[Check, Check | None]:
    """HealthCheck (no auth), then ListScripts (needs token and organization) unless there is no token
    for a remote endpoint."""
    from scriptum_lsp import embedded
    from scriptum_lsp.api import ApiError

    # the same client the server's engine builds (the embedded emulator gets no token)
    client = embedded.connect(
        settings.endpoint,
        token=None if settings.is_local else settings.token,
        organization=settings.organization,
        timeout=request_timeout,
        local_data=local_data or None,
    )
    async with client:
        try:
            body, ms = await _timed(client.health(request_timeout=request_timeout))
        except ApiError as exc:
            return Check(False, f"{type(exc).__name__}: {exc}"), None
        status = str(body.get("status") or "answered")
        server_version = body.get("version")
        health = Check(
            status.upper() in ("SERVING", "OK", "HEALTHY", "ANSWERED"),
            status,
            ms,
            str(server_version) if server_version is not None else None,
        )
        if settings.token is None and not settings.is_local:
            return health, Check(False, "no token: set DODIL_TOKEN or SCRIPTUM_TOKEN, or run `dodil login`")
        try:
            _, ms = await _timed(client.list_scripts(page_size=1))
        except ApiError as exc:
            return health, Check(False, f"ListScripts: {type(exc).__name__}: {exc}")
        return health, Check(True, "ListScripts accepted the token and organization", ms)


def build_report(args: argparse.Namespace, environ: Mapping[str, str]) -> Report:
    import asyncio
    import platform

    from scriptum_lsp import __version__
    from scriptum_lsp.core.settings import resolve_settings
    from scriptum_lsp.engine.config import load_dodil_cli_config

    raw = merged_settings(load_settings_arg(args.settings), args.endpoint, args.organization)
    cli_config, cli_path = load_dodil_cli_config(environ)
    settings, warnings = resolve_settings(raw, environ, cli_config, cli_config_path=cli_path)
    local_data = None
    if settings.is_local:
        local_data = describe_local_data(environ)
    # ":memory:": checking the embedded emulator must not create its database (nothing is written)
    health, auth = asyncio.run(run_checks(settings, args.timeout, ":memory:" if settings.is_local else None))
    return Report(
        version=__version__,
        python=platform.python_version(),
        executable=sys.executable,
        settings=settings.describe(),
        cli_config=cli_path,
        warnings=warnings,
        health=health,
        auth=auth,
        local_data=local_data,
    )


def describe_local_data(environ: Mapping[str, str]) -> str:
    """Where the embedded emulator keeps its database, and whether it exists yet (looked at, not opened)."""
    from scriptum_lsp.embedded import local_data_folder
    from scriptum_lsp.emulator.app import store_path

    folder = local_data_folder(environ)
    db = Path(store_path(folder))
    if db.is_file():
        return f"{db} ({db.stat().st_size // 1024} KiB)"
    return f"{db} (not created yet; the server creates it on first use)"


def _source(value: object, source: str) -> str:
    return f"{value}  (from {source})" if value else f"not set  ({source})"


def format_report(report: Report) -> str:
    s = report.settings
    endpoint = s["endpoint"]
    if endpoint == "local":
        endpoint = "local (the emulator inside the server process)"
    token_source = s.get("tokenSource", "none")
    lines = [
        f"scriptum-lsp {report.version} (Python {report.python}, {report.executable})",
        f"endpoint       {_source(endpoint, s.get('endpointSource', '?'))}",
        f"organization   {_source(s.get('organization'), s.get('organizationSource', 'none'))}",
        f"token          {'from ' + token_source if token_source != 'none' else 'none found'}"
        + ("" if token_source == "none" else "  (value not shown)"),
        f"dodil config   {report.cli_config or 'none found'}",
    ]
    if report.local_data:
        lines.append(f"local data     {report.local_data}")
    if report.health is not None:
        h = report.health
        mark = "ok" if h.ok else "FAILED"
        extra = f", server version {h.server_version}" if h.server_version else ""
        timing = f", {h.elapsed_ms} ms" if h.elapsed_ms is not None else ""
        lines.append(f"health         {mark}: {h.detail}{extra}{timing}")
    if report.auth is not None:
        a = report.auth
        lines.append(f"credentials    {'ok' if a.ok else 'FAILED'}: {a.detail}")
    for w in report.warnings:
        lines.append(f"warning        {w}")
    lines.append("result         " + ("ok" if report.ok else "problems found (see above)"))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import os

    from scriptum_lsp.api.errors import redact

    try:
        report = build_report(args, os.environ)
    except ValueError as exc:
        print(f"scriptum-lsp doctor: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(report.to_json(), indent=2) if args.json else format_report(report)
    print(redact(text))
    return 0 if report.ok else 1
