"""Thread limits for native code and the CV searches' worker processes."""

from __future__ import annotations

from python_models.native_threads import native_threads  # noqa: F401 - imported from here by the package


def _load_ml_stack() -> int:
    import os

    import sklearn.ensemble  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sklearn.model_selection  # noqa: F401
    import sklearn.neural_network  # noqa: F401

    return os.getpid()


def start_workers(n_jobs: int):
    """Start joblib's worker processes (the ones the CV searches reuse) in a background thread and
    return the thread (its ``worker_pids`` filled once it ends), or None for ``n_jobs`` <= 1.

    A fresh worker spends seconds importing scikit-learn before its first fit; started while the
    caller preprocesses and selects features on one core, that start-up uses the idle core instead
    of delaying the first search. Join the thread before the first parallel search: two threads
    should not submit to the shared worker pool at once."""
    import threading

    if n_jobs <= 1:
        return None
    from joblib import Parallel, delayed

    def run() -> None:
        thread.worker_pids = Parallel(n_jobs=n_jobs)(delayed(_load_ml_stack)() for _ in range(n_jobs))

    thread = threading.Thread(target=run, name="propensity-worker-start", daemon=True)
    thread.worker_pids = []
    thread.start()
    return thread
