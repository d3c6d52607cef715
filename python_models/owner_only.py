"""Everything the pipeline writes holds personal data (or views over it): owner-only by default."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def owner_only_files() -> Iterator[None]:
    """Files and folders created inside get no group or other permissions (umask 077).

    The umask is per process, so this covers what DuckDB, pyarrow and shutil create too, which
    take no mode argument."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)
