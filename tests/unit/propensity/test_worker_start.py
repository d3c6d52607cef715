"""start_workers: the background start must create the very worker pool the CV searches then use."""

import os

import psutil
from sklearn.utils.parallel import Parallel, delayed

from python_models.propensity._util import _load_ml_stack, start_workers


def test_started_workers_are_the_ones_a_later_search_reuses():
    thread = start_workers(2)
    thread.join()
    children = {p.pid for p in psutil.Process().children(recursive=True)}
    assert thread.worker_pids and set(thread.worker_pids) <= children and os.getpid() not in children
    # what a search does: sklearn's Parallel with the same n_jobs; a pool started anew would
    # answer from processes that did not exist after the start
    later = set(Parallel(n_jobs=2)(delayed(_load_ml_stack)() for _ in range(8)))
    assert later <= children


def test_no_workers_for_one_job():
    assert start_workers(1) is None
