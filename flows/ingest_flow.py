"""Prefect flow: landing → raw zone (manifest, rejects), one load per run."""

from __future__ import annotations

from pathlib import Path

from flows import prefect_env

prefect_env.configure()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_table_artifact  # noqa: E402

from flows.faults import crash_point  # noqa: E402
from python_models.lake import IngestReport, ingest  # noqa: E402


def retry_only_io_errors(task, task_run, state) -> bool:
    """A flaky read (OSError) is worth a retry; a bad sources file or a bug is not."""
    exc = state.result(raise_on_failure=False)
    return isinstance(exc, OSError)


# Landing folders are often network mounts: a retry helps with a flaky read. A bad file is not
# retried: it ends as a 'rejected' manifest row with its reason, not an exception.
@task(name="ingest-landing", retries=2, retry_delay_seconds=2, retry_condition_fn=retry_only_io_errors)
def ingest_landing(lake_dir: str, sources: str | None, only: list[str] | None) -> IngestReport:
    logger = get_run_logger()
    report = ingest(lake_dir, sources, only=only, on_file=lambda _: crash_point("ingest:after_first_file"))
    for f in report.files:
        if f.status != "loaded" or f.rows_rejected or f.schema_change:
            logger.warning(
                "%s %s: %s%s%s%s", f.source, f.file, f.status,
                f" ({f.message})" if f.message else "",
                f", {f.rows_rejected:,} unreadable record(s) quarantined" if f.rows_rejected else "",
                f"; schema change: {f.schema_change}" if f.schema_change else "",
            )
    logger.info(report.summary())
    return report


def publish_ingest_artifact(report: IngestReport) -> None:
    if not report.files:
        return
    create_table_artifact(
        key="ingest-load",
        table=[
            {
                "source": f.source, "file": f.file, "status": f.status, "landed": f.rows_landed,
                "written": f.rows_written, "rejected": f.rows_rejected,
                "schema_change": f.schema_change or "", "message": f.message or "",
            }
            for f in report.files
        ],
        description=report.summary(),
    )


@flow(name="segmart-ingest")
def ingest_flow(lake_dir: str, sources: str | None = None, only: list[str] | None = None) -> IngestReport:
    report = ingest_landing(str(Path(lake_dir)), sources, only)
    publish_ingest_artifact(report)
    return report
