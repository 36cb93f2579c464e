"""`scriptum-lsp check PATH...`: compile .scriptum files with the local compiler and print diagnostics.

Text output: one `file:line:col: severity: message (hint)` line per diagnostic (the form editors' error
formats read), then the source line with a caret under the range, as rustc and ruff print it
(`--no-snippet` turns that off), then a summary. `--format json` prints one JSON document with every file's
compile result, `--format sarif` a SARIF 2.1.0 log (code scanning), `--format github` GitHub Actions workflow
annotations.

Exit status: 0 when no file has errors, 1 when any file has errors, 2 for a usage error, a file that cannot
be read or a path without any .scriptum file (docs/cli.md).

`--endpoint URL` compiles each file remotely instead (SaveScriptDraft then CompileScriptDraft on the script
named after the file, as the language server names it; token and organization resolved as for the server) and
maps the answer onto the file with the server's own mapping (`core.mapping`), so the output formats are the
same: the cloud's verdict, shown on the characters the editor would underline.
"""

from __future__ import annotations

import argparse
import contextlib
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
        "--endpoint",
        metavar="URL",
        help="compile with the Scriptum API at URL (or `local`, the embedded emulator) instead of the local "
        "compiler; the token comes from DODIL_TOKEN, SCRIPTUM_TOKEN or the dodil CLI config",
    )
    parser.add_argument(
        "--organization", metavar="ORG", help="with --endpoint: the organization (x-organization-name)"
    )
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


class RemoteFailure(Exception):
    """A file the remote API could not compile (the API's error, said once for the file)."""


class RemoteCompiler:
    """`check --endpoint`: compile through the API and map the answer with the server's mapping."""

    def __init__(self, client: Any, create_missing: bool, where: str) -> None:
        import asyncio

        self.client = client
        self.create_missing = create_missing
        self.where = where
        self.loop = asyncio.new_event_loop()

    @classmethod
    def open(cls, endpoint: str, organization: str | None) -> RemoteCompiler:
        import os

        from scriptum_lsp import embedded
        from scriptum_lsp.core.settings import resolve_settings
        from scriptum_lsp.engine.config import load_dodil_cli_config

        cli_config, cli_path = load_dodil_cli_config()
        raw: dict[str, Any] = {"endpoint": endpoint}
        if organization:
            raw["organization"] = organization
        settings, warnings = resolve_settings(raw, os.environ, cli_config, cli_config_path=cli_path)
        bad = [w for w in warnings if w.startswith("scriptum.endpoint")]
        if bad:
            raise ValueError(bad[0])
        client = embedded.client_factory()(settings)
        return cls(client, settings.create_missing_scripts, settings.endpoint)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()

    def __call__(self, path: Path, source: str) -> CompileResult:
        return self.loop.run_until_complete(self._compile(path, source))

    async def _compile(self, path: Path, source: str) -> CompileResult:
        from scriptum_lsp.api.errors import AlreadyExists, ApiError, NotFound
        from scriptum_lsp.core.workspace import script_name_for

        name = script_name_for(None, path.name, {})
        try:
            try:
                await self.client.save_draft(name, source)
            except NotFound:
                if not self.create_missing:
                    raise RemoteFailure(
                        f"script '{name}' does not exist on {self.where} (create it first)"
                    ) from None
                with contextlib.suppress(AlreadyExists):
                    await self.client.create_script(name, description="created by scriptum-lsp check")
                await self.client.save_draft(name, source)
            response = await self.client.compile_draft(name)
        except ApiError as exc:
            raise RemoteFailure(f"{self.where}: {exc}") from None
        return remote_result(response, source)


def remote_result(response: Any, source: str) -> CompileResult:
    """A CompileScriptDraft response mapped onto `source`, as a CompileResult for the printers: the same rules
    (and code) as the language server's diagnostics."""
    from scriptum_lsp.core.mapping import error_diagnostic, map_diagnostics
    from scriptum_lsp.core.text import split_lines
    from scriptum_lsp.language.compiler import CompileResult
    from scriptum_lsp.language.diagnostics import CompileDiagnostic

    body = response if isinstance(response, dict) else {}
    raw = body.get("diagnostics")
    diags = [d for d in raw if isinstance(d, dict)] if isinstance(raw, list) else []
    lines = split_lines(source)
    failed = body.get("success") is not True
    mapped = map_diagnostics(diags, lines, exact=True, failed=failed)
    if failed and not mapped:
        mapped = [error_diagnostic(str(body.get("error") or "compile failed"), lines)]
    out = []
    for m in mapped:
        s = (
            m.precise or m.span
        )  # the compiler's own span when it sent one (our emulator does), as the CLI shows
        code = m.raw.get("code")
        out.append(
            CompileDiagnostic(
                line=s.line + 1,
                col=s.start + 1,
                end_line=s.last_line + 1,
                end_col=s.end + 1,
                message=m.api_message,
                hint=m.hint,
                severity={"information": "info", "hint": "info"}.get(m.severity, m.severity),
                source_line=lines[s.line] if s.line < len(lines) else "",
                code=code if isinstance(code, str) else "",
            )
        )
    tools = body.get("toolsRequired")
    return CompileResult(
        success=not failed,
        error=str(body.get("error") or ""),
        tools_required=tuple(str(t) for t in tools) if isinstance(tools, list) else (),
        diagnostics=tuple(sorted(out, key=lambda d: (d.line, d.col, d.end_line, d.end_col, d.message))),
        ast_json=str(body.get("astJson") or ""),
        ir_yaml=str(body.get("irYaml") or ""),
        ir=None,
        contract={},
        script_name=None,
    )


def run(args: argparse.Namespace) -> int:
    import sys

    files = list(iter_scripts(args.paths))
    if not files:
        print(f"scriptum-lsp check: no .scriptum files in {' '.join(args.paths)}", file=sys.stderr)
        return EXIT_USAGE
    remote: RemoteCompiler | None = None
    if args.endpoint:
        try:
            remote = RemoteCompiler.open(args.endpoint, args.organization)
        except ValueError as exc:
            print(f"scriptum-lsp check: {exc}", file=sys.stderr)
            return EXIT_USAGE
    try:
        return _run(args, files, remote)
    finally:
        if remote is not None:
            remote.close()


def _run(args: argparse.Namespace, files: list[Path], remote: RemoteCompiler | None) -> int:
    import json
    import sys

    from scriptum_lsp import __version__
    from scriptum_lsp.language import compile_source

    results: list[FileResult] = []
    n_err = n_warn = unreadable = uncompiled = 0
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
        if remote is None:
            result = compile_source(source)
        else:
            try:
                result = remote(path, source)
            except RemoteFailure as exc:
                print(f"{path}: error: {exc}", file=sys.stderr)
                results.append(FileResult(path, read_error=str(exc)))
                uncompiled += 1
                continue
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
    checked = len(files) - unreadable - uncompiled
    parts = (
        []
        if not checked
        else [f"{_plural(checked, 'file')} checked: {_plural(n_err, 'error')}, {_plural(n_warn, 'warning')}"]
    )
    if unreadable:
        parts.append(f"{_plural(unreadable, 'file')} could not be read")
    if uncompiled:
        parts.append(
            f"{_plural(uncompiled, 'file')} could not be compiled by {remote.where if remote else 'the API'}"
        )
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
        doc = {"files": report, "errors": n_err, "warnings": n_warn, "unreadable": unreadable + uncompiled}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    elif args.format == "sarif":
        print(json.dumps(sarif_log(results, __version__), indent=2, ensure_ascii=False))
    else:
        print(summary)
    if unreadable or uncompiled:
        return EXIT_USAGE
    return EXIT_ERRORS if n_err else EXIT_CLEAN
