"""Landing and raw zone: bring-your-own sources files, ingestion, manifest and parser rejects."""

from python_models.lake.ingest import FileOutcome, IngestBusy, IngestReport, ingest
from python_models.lake.source_config import SourceConfigError, SourcesConfig, SourceSpec, load_sources

__all__ = [
    "FileOutcome", "IngestBusy", "IngestReport", "ingest",
    "SourceConfigError", "SourcesConfig", "SourceSpec", "load_sources",
]
