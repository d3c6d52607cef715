"""Prefect settings that must be in place before prefect is imported."""

from __future__ import annotations

import os

QUIET_DEFAULTS = {
    # The temporary server's telemetry fights its own SQLite file ('database is locked').
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # Starting the temporary server takes 13-25 s on 2 cores; the 20 s default is too tight.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def configure() -> None:
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)
