"""A real `prefect server start` in a child process: schedules only fire under a real server.

The temporary server that Prefect starts on its own for a flow run (and the test harness) runs
no scheduler, so `segmart serve` and the schedule tests start this one instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

QUIET_ENV = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def server_is_up(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if its parent dies, so a killed `segmart serve` leaves no orphan."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass


@dataclass
class LocalPrefectServer:
    api_url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)


def start_local_server(
    prefect_home: str | Path,
    port: int | None = None,
    host: str = "127.0.0.1",
    startup_timeout: float = 180,
    ui: bool = True,
    extra_env: dict[str, str] | None = None,
) -> LocalPrefectServer:
    """Start `prefect server start` with its own PREFECT_HOME and wait until its API answers."""
    prefect_home = Path(prefect_home)
    prefect_home.mkdir(parents=True, exist_ok=True)
    port = port or free_port(host)
    api_url = f"http://{host}:{port}/api"
    if server_is_up(api_url):
        raise RuntimeError(f"something already answers on {api_url}; pass another --port or use --api-url")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(QUIET_ENV)
    env["PREFECT_HOME"] = str(prefect_home)
    env.update(extra_env or {})
    log_path = prefect_home / "server.log"
    prefect_cli = Path(sys.executable).with_name("prefect")
    cmd = [str(prefect_cli) if prefect_cli.exists() else "prefect", "server", "start",
           "--host", host, "--port", str(port), "--analytics-off"]
    if not ui:
        cmd.append("--no-ui")
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child, closed with the process
    process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               preexec_fn=_die_with_parent)
    log.close()
    server = LocalPrefectServer(api_url, process, log_path)
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-800:].strip().splitlines()
            raise RuntimeError(
                f"prefect server exited with code {process.returncode} before answering "
                f"(last log line: {tail[-1] if tail else 'none'}; full log {log_path})"
            )
        if server_is_up(api_url):
            return server
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"prefect server did not answer on {api_url} within {startup_timeout:.0f} s (log {log_path})")
