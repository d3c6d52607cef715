"""native_threads: one ML step leaving its limit must not lift the limit of another step running beside it."""

import threading

import numpy  # noqa: F401 - loads the BLAS whose limits are checked
from threadpoolctl import threadpool_info

from python_models.native_threads import native_threads


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_a_step_that_leaves_first_does_not_lift_the_limit_of_the_step_beside_it(monkeypatch):
    monkeypatch.delenv("SEGMART_NATIVE_THREADS", raising=False)
    entered, first_left, seen = threading.Event(), threading.Event(), []

    def step_beside():  # e.g. propensity, which entered its limit while segmentation held one
        with native_threads(10):
            entered.set()
            first_left.wait(10)
            seen.append(_blas_threads())

    with native_threads(10):  # e.g. segmentation, which entered first and leaves first
        beside = threading.Thread(target=step_beside)
        beside.start()
        assert entered.wait(10)
    first_left.set()
    beside.join()
    assert seen == [{1}]
