"""One writer at a time: a refresh holds an exclusive lock on the build warehouse while it writes.

DuckDB itself allows one read-write process, but a second refresh would only find out half-way,
after ingesting, with a cryptic 'Conflicting lock' from dbt. The lock is taken first, so the
second refresh waits (up to a limit) or stops at once with one line naming the one running.

`fcntl.flock` is released by the kernel when the holder dies, so a crashed refresh never leaves
a stale lock behind; the file only carries a description of the holder for the message.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

WAIT_ENV = "SEGMART_REFRESH_LOCK_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 0.0
_POLL_SECONDS = 0.2


class RefreshAlreadyRunning(RuntimeError):
    """Another refresh holds the warehouse; the message names it."""

    expected = True  # the CLI prints the message alone, without a traceback hint


def lock_path_for(build_db: str | Path) -> Path:
    build_db = Path(build_db)
    return build_db.with_name(build_db.name + ".refresh.lock")


def default_wait_seconds() -> float:
    raw = os.environ.get(WAIT_ENV, "")
    try:
        return float(raw) if raw else DEFAULT_WAIT_SECONDS
    except ValueError as exc:
        raise ValueError(f"{WAIT_ENV} must be a number of seconds, got {raw!r}") from exc


def _read_holder(lock_file: Path) -> dict:
    try:
        return json.loads(lock_file.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def describe_holder(lock_file: Path, settle_seconds: float = 0.5) -> str:
    # The holder writes its description just after it takes the lock: give it that moment
    # rather than naming "another refresh" to someone who asked who is running.
    deadline = time.monotonic() + settle_seconds
    info = _read_holder(lock_file)
    while not info and time.monotonic() < deadline:
        time.sleep(0.02)
        info = _read_holder(lock_file)
    if not info:
        return f"another refresh (lock {lock_file})"
    return (
        f"{info.get('what', 'a refresh')} (pid {info.get('pid')} on {info.get('host')}, "
        f"since {info.get('started_at')})"
    )


@contextmanager
def refresh_lock(build_db: str | Path, what: str = "segmart refresh",
                 wait_seconds: float | None = None) -> Iterator[Path]:
    """Hold the warehouse's refresh lock; wait up to `wait_seconds` (default from the environment).

    Raises RefreshAlreadyRunning when the lock is still held after the wait.
    """
    wait = default_wait_seconds() if wait_seconds is None else wait_seconds
    lock_file = lock_path_for(build_db)
    lock_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the warehouse folder: personal data
    # "a+" never truncates: the holder's description stays readable until we own the lock.
    # Owner-only like everything else in the warehouse folder (docs/serving.md#file-modes).
    fh = open(lock_file, "a+", encoding="utf-8", opener=lambda path, flags: os.open(path, flags, 0o600))  # noqa: SIM115
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait:g} s" if wait > 0 else ""
                    raise RefreshAlreadyRunning(
                        f"{describe_holder(lock_file)} is writing {Path(build_db).name}; "
                        f"not starting another{waited} (set {WAIT_ENV} or --wait to queue)"
                    ) from None
                time.sleep(_POLL_SECONDS)
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({
            "what": what, "pid": os.getpid(), "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }))
        fh.flush()
        try:
            yield lock_file
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()
