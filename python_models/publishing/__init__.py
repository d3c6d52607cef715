"""Versioned publishing: immutable versions of the published marts and a serving catalog over them."""

from python_models.publishing.catalog import STABLE_VIEWS, connect_serving
from python_models.publishing.publisher import PublishError, PublishResult, publish, rollback
from python_models.publishing.registry import VersionNotFound, Warehouse, version_rows

__all__ = [
    "STABLE_VIEWS",
    "PublishError",
    "PublishResult",
    "VersionNotFound",
    "Warehouse",
    "connect_serving",
    "publish",
    "rollback",
    "version_rows",
]
