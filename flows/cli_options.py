"""Options shared by the commands that write the warehouse (refresh, publish, rollback)."""

from __future__ import annotations

import click

wait_option = click.option(
    "--wait", "wait_seconds", type=click.FloatRange(min=0), default=None,
    help="If another refresh is writing the warehouse, wait up to this many seconds "
         "(default: $SEGMART_REFRESH_LOCK_WAIT_SECONDS or 0 = stop at once with a message).",
)
