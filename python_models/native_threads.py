"""Thread limits for native (OpenMP/BLAS) code, shared by every ML step of one process."""

from __future__ import annotations

import os
import threading

from threadpoolctl import threadpool_limits

_baseline_lock = threading.Lock()
_baseline_set = False


def _configured_threads() -> int:
    return max(1, min(int(os.environ.get("SEGMART_NATIVE_THREADS", "1")), 2))


def _set_process_baseline() -> None:
    """Make the configured thread count (default 1) the process-wide starting point, once.

    dbt runs two Python models at once in one process (segmentation beside propensity). A limit
    context restores, on exit, the limits it found on entry; with the libraries' own default (a
    thread per core) as that starting point, the model that leaves a context first hands the other
    one two BLAS/OpenMP threads in the middle of its work, beside its two worker processes (seen in
    a loaded demo build: propensity's feature selection took 49 s instead of 2-6 s). With the
    configured count as the baseline, a restore only ever returns to it."""
    global _baseline_set
    with _baseline_lock:
        if not _baseline_set:
            threadpool_limits(limits=_configured_threads())
            _baseline_set = True


def native_threads(n_rows: int | None = None, threads: int | None = None, small: int = 100_000):
    """Context limiting OpenMP/BLAS threads.

    Default: 1 thread (env ``SEGMART_NATIVE_THREADS`` overrides, max 2). On a shared, busy 2-core
    machine OpenMP barriers make 2 threads slower than 1 (measured: 40 HistGradientBoosting rounds on
    800k rows took 12 s on 1 thread vs 33-64 s on 2 threads at load ~3.5); parallelism comes from
    process-level workers (n_jobs) instead. Inputs under ``small`` rows always get 1 thread.
    """
    _set_process_baseline()
    t = _configured_threads() if threads is None else max(1, min(int(threads), 2))
    if n_rows is not None and n_rows < small:
        t = 1
    return threadpool_limits(limits=t)
