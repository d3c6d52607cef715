"""Read a version's published tables (Parquet) without ever opening the build database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd


@dataclass
class VersionTables:
    version_id: str
    directory: Path
    _cache: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.directory / "tables" / f"{name}.parquet"

    def has(self, name: str) -> bool:
        return self.path(name).is_file()

    def get(self, name: str, columns: str = "*") -> pd.DataFrame | None:
        key = f"{name}:{columns}"
        if key not in self._cache:
            self._cache[key] = (
                duckdb.sql(f"select {columns} from read_parquet('{self.path(name)}')").df() if self.has(name) else None
            )
        return self._cache[key]

