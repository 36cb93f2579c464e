"""Run a Python draft's `handler(payload, ctx)` in a child process with a time, memory and output limit.

The child is `pyhost.py` (next to this module) on the emulator's own interpreter, in a fresh session
(killed as a group), with a minimal environment (no tokens from ours) and the app folder as its cwd."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scriptum_lsp.emulator.ignite.archive import ArchiveError, unpack

HOST = Path(__file__).with_name("pyhost.py")
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_MB = 512  # the MEDIUM tier's memory
OUTPUT_CAP_BYTES = 4 * 1024 * 1024
LOG_CAP_BYTES = 256 * 1024  # per stream; the rest is counted and dropped
_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "TMPDIR")


@dataclass(frozen=True)
class Limits:
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB


@dataclass
class RunResult:
    status: str  # SUCCEEDED | FAILED | TIMED_OUT
    output: bytes = b""
    error: str = ""
    error_body: dict[str, Any] | None = None  # the documented {error, type, traceback} of a raise
    location: dict[str, Any] | None = None  # {file, line, col} in the app of an error
    logs: list[dict[str, str]] = field(default_factory=list)
    duration_ms: int = 0


class _Capped:
    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()
        self.dropped = 0

    async def drain(self, stream: asyncio.StreamReader | None) -> None:
        if stream is None:
            return
        while chunk := await stream.read(65536):
            room = self.cap - len(self.data)
            if room > 0:
                self.data += chunk[:room]
            self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        out = self.data.decode("utf-8", errors="replace")
        if self.dropped:
            out += f"\n[{self.dropped} more bytes of output dropped: the log limit is {self.cap} bytes]\n"
        return out


def _limit_memory(memory_mb: int) -> Any:
    def apply() -> None:
        import resource

        limit = max(memory_mb, 64) * 1024 * 1024 + 256 * 1024 * 1024  # + the interpreter's own mappings
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply if sys.platform != "win32" else None


def _environment(app_env: dict[str, str], ctx: dict[str, Any]) -> dict[str, str]:
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env.update(app_env)
    env.update({"PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"})
    env["IGNITE_CTX"] = json.dumps(ctx)
    return env


def _logs(stdout: _Capped, stderr: _Capped) -> list[dict[str, str]]:
    return [
        {"stream": name, "line": line}
        for name, buf in (("stdout", stdout), ("stderr", stderr))
        for line in buf.text().splitlines()
    ]


async def run_python(
    source: bytes,
    payload: bytes,
    ctx: dict[str, Any],
    *,
    limits: Limits = Limits(),
    app_env: dict[str, str] | None = None,
) -> RunResult:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ignite-run-") as tmp:
        app_dir = Path(tmp) / "app"
        app_dir.mkdir()
        try:
            files = unpack(source, app_dir, "handler.py")
        except ArchiveError as exc:
            return RunResult("FAILED", error=f"cannot unpack the draft: {exc}")
        if "handler.py" not in files:
            listed = ", ".join(files[:10]) or "nothing"
            return RunResult(
                "FAILED",
                error=f"the draft has no handler.py at its root (it holds {listed}); a Python app needs "
                "handler.py with a top-level handler(payload, ctx)",
            )
        result_path = Path(tmp) / "result.json"
        result = await _spawn(app_dir, result_path, payload, ctx, limits, app_env or {})
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result


async def _spawn(
    app_dir: Path,
    result_path: Path,
    payload: bytes,
    ctx: dict[str, Any],
    limits: Limits,
    app_env: dict[str, str],
) -> RunResult:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HOST),
        str(app_dir),
        str(result_path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(app_dir),
        env=_environment(app_env, ctx),
        start_new_session=True,
        preexec_fn=_limit_memory(limits.memory_mb),
    )
    stdout, stderr = _Capped(LOG_CAP_BYTES), _Capped(LOG_CAP_BYTES)

    async def feed() -> None:
        assert proc.stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.write(payload)
            await proc.stdin.drain()
            proc.stdin.close()

    work = asyncio.gather(feed(), stdout.drain(proc.stdout), stderr.drain(proc.stderr), proc.wait())
    try:
        await asyncio.wait_for(asyncio.shield(work), limits.timeout_s)
    except TimeoutError:
        _kill(proc)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(work, 5.0)
        return RunResult(
            "TIMED_OUT",
            error=f"the handler did not finish within {limits.timeout_s:g} s and was stopped",
            logs=_logs(stdout, stderr),
        )
    except asyncio.CancelledError:
        _kill(proc)
        raise
    return _result(proc.returncode, result_path, stdout, stderr, limits)


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _result(
    code: int | None, result_path: Path, stdout: _Capped, stderr: _Capped, limits: Limits
) -> RunResult:
    logs = _logs(stdout, stderr)
    try:
        report = json.loads(result_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = None
    if not isinstance(report, dict):
        tail = stderr.text().strip().splitlines()[-1:] or [""]
        if code is not None and code < 0:
            why = f"the handler process was killed by signal {-code}"
            if -code == signal.SIGKILL:
                why += f"; it may have run out of memory (limit {limits.memory_mb} MB)"
        else:
            why = f"the handler process exited with code {code} before returning"
        return RunResult("FAILED", error=f"{why}{': ' + tail[0] if tail[0] else ''}", logs=logs)
    if report.get("ok"):
        output = base64.b64decode(str(report.get("output_b64") or ""))
        if len(output) > OUTPUT_CAP_BYTES:
            return RunResult(
                "FAILED",
                error=f"the handler returned {len(output)} bytes; the output limit is {OUTPUT_CAP_BYTES}",
                logs=logs,
            )
        return RunResult("SUCCEEDED", output=output, logs=logs)
    body = report.get("error") if isinstance(report.get("error"), dict) else {"error": "handler failed"}
    assert isinstance(body, dict)
    if body.get("type") == "MemoryError":
        body = {**body, "error": f"out of memory (limit {limits.memory_mb} MB)"}
    phase = report.get("phase")
    prefix = {"import": "handler.py failed to load", "encode": "the handler's return value cannot be encoded"}
    message = f"{body.get('type', 'Error')}: {body.get('error', '')}"
    if phase in prefix:
        message = f"{prefix[str(phase)]}: {message}"
    location = report.get("location") if isinstance(report.get("location"), dict) else None
    return RunResult(
        "FAILED",
        output=json.dumps(body).encode(),
        error=message,
        error_body=body,
        location=location,
        logs=logs,
    )
