"""Start the real emulator (`python -m scriptum_lsp emulator`) on a free loopback port for tests.

Every test ring that needs the API talks to this process over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Emulator:
    url: str
    token: str
    data: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def headers(self, org: str | None = None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.token}"}
        if org:
            h["x-organization-name"] = org
        return h

    def client(self, org: str | None = None, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers(org), timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def start_emulator(
    data: str | Path,
    *,
    token: str = "test-token",
    port: int | None = None,
    extra_args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    startup_timeout: float = 30.0,
) -> Emulator:
    """Start an emulator process and wait until HealthCheck answers."""
    port = port or free_port()
    data = str(data)
    log_path = Path(data if data != ":memory:" else os.environ.get("TMPDIR", "/tmp")) / f"emulator-{port}.log"
    if data != ":memory:":
        Path(data).mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "scriptum_lsp", "emulator",
        "--host", "127.0.0.1", "--port", str(port), "--data", data, "--token", token, *extra_args,
    ]  # fmt: skip
    log = log_path.open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"emulator exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}"
            )
        try:
            if httpx.get(f"{url}/v1/scriptum/health", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"emulator did not become healthy:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    return Emulator(url=url, token=token, data=data, process=proc, log_path=log_path)


@contextlib.contextmanager
def running_emulator(data: str | Path, **kwargs: object) -> Iterator[Emulator]:
    emu = start_emulator(data, **kwargs)  # type: ignore[arg-type]
    try:
        yield emu
    finally:
        emu.kill()
