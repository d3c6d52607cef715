"""Thread limits for native (OpenMP/BLAS) code."""

from __future__ import annotations


def native_threads(n_rows: int | None = None, threads: int | None = None, small: int = 100_000):
    """Context limiting OpenMP/BLAS threads.

    Default: 1 thread (env ``SEGMART_NATIVE_THREADS`` overrides, max 2). On a shared, busy 2-core
    machine OpenMP barriers make 2 threads slower than 1 (measured: 40 HistGradientBoosting rounds on
    800k rows took 12 s on 1 thread vs 33-64 s on 2 threads at load ~3.5); parallelism comes from
    process-level workers (n_jobs) instead. Inputs under ``small`` rows always get 1 thread.
    """
    import os

    from threadpoolctl import threadpool_limits

    t = int(os.environ.get("SEGMART_NATIVE_THREADS", "1")) if threads is None else int(threads)
    if n_rows is not None and n_rows < small:
        t = 1
    return threadpool_limits(limits=max(1, min(t, 2)))
