"""Keep a failed command to one line: Prefect logs every failed run with its traceback on the console.

Without --debug the console handler drops the ERROR records of flow and task runs (segmart prints
the error itself, in one line); they still reach the Prefect API, so the UI keeps the traceback.
"""

from __future__ import annotations

import logging

PREFECT_COMMANDS = {"refresh", "ingest", "demo", "fetch", "serve", "publish"}
_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


class _NoRunFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and record.name.startswith(_RUN_LOGGERS))


def hide_prefect_run_failures() -> None:
    from prefect.logging.configuration import PROCESS_LOGGING_CONFIG, setup_logging
    from prefect.logging.handlers import PrefectConsoleHandler

    if not PROCESS_LOGGING_CONFIG:
        setup_logging()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
            isinstance(f, _NoRunFailures) for f in handler.filters
        ):
            handler.addFilter(_NoRunFailures())
