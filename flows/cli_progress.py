"""A spinner with elapsed time for steps whose length is unknown (a flow run, a dbt build)."""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click


@contextmanager
def spinner(label: str, interval: float = 0.25) -> Iterator[None]:
    """Animate on a terminal; elsewhere (logs, CI, tests) print the label once and the time at the end."""
    started = time.perf_counter()
    stream = sys.stderr
    if not stream.isatty():
        click.echo(f"{label} ...", err=True)
        yield  # on failure the error line says what happened; no timing line
        click.echo(f"{label}: done in {time.perf_counter() - started:.1f} s", err=True)
        return
    stop = threading.Event()

    def spin() -> None:
        for frame in itertools.cycle("|/-\\"):
            if stop.wait(interval):
                break
            stream.write(f"\r{frame} {label} {time.perf_counter() - started:5.0f} s")
            stream.flush()

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    ok = False
    try:
        yield
        ok = True
    finally:
        stop.set()
        thread.join()
        end = f"done in {time.perf_counter() - started:.1f} s" if ok else "failed"
        stream.write(f"\r  {label}: {end}\n")
        stream.flush()
