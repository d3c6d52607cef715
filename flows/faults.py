"""Test-only crash points: `SEGMART_FAULT_POINT=<point>` makes the process SIGKILL itself there.

Crash-safety tests (tests/reliability/test_crash_refresh.py) need to kill a refresh at an exact
step, not after a guessed delay. Without the variable every hook is a string comparison and
nothing else. Points (docs/serving.md#crash-safety):

  ingest:after_first_file      the load's data files are in the raw zone, its manifest is not
  dbt:node_started:<model>     dbt began running that node (name or unique_id)
  publish:<stage>              a publish progress stage: gates, <table>, artifacts (all tables
                               copied, version not yet in place), switching (version in place,
                               catalog not switched), done (switched, report not drawn)
"""

from __future__ import annotations

import os
import signal
import sys

FAULT_ENV = "SEGMART_FAULT_POINT"
DBT_NODE_STARTED = "dbt:node_started:"


def armed() -> str:
    return os.environ.get(FAULT_ENV, "")


def crash_point(point: str) -> None:
    if armed() == point:
        print(f"segmart: fault point {point}: SIGKILL", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


def dbt_callbacks() -> list:
    """dbtRunner callbacks that crash when the armed node starts; none when no dbt point is armed."""
    target = armed().removeprefix(DBT_NODE_STARTED) if armed().startswith(DBT_NODE_STARTED) else None
    if not target:
        return []

    def on_event(event) -> None:
        if event.info.name != "NodeStart":
            return
        node = event.data.node_info
        if target in (node.node_name, node.unique_id):
            crash_point(armed())

    return [on_event]
