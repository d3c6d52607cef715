"""Prefect flow: fetch the REST sources of the sources file into the landing folder."""

from __future__ import annotations

from pathlib import Path

from flows import prefect_env

prefect_env.configure()

from prefect import flow, get_run_logger, task  # noqa: E402

from python_models.lake.rest_source import FetchReport, fetch_rest_source  # noqa: E402
from python_models.lake.source_config import SourceSpec, load_sources  # noqa: E402


def rest_specs(lake_dir: str | Path, sources: str | Path | None = None,
               only: list[str] | None = None) -> list[SourceSpec]:
    config = load_sources(sources or Path(lake_dir) / "sources.yml")
    specs = [s for s in config.sources if s.rest is not None and (not only or s.name in only)]
    unknown = sorted(set(only or []) - {s.name for s in config.sources if s.rest is not None})
    if unknown:
        raise ValueError(f"not REST sources of {config.path}: {unknown}")
    return specs


# No Prefect retries: the fetcher already retries what is transient (429, 5xx, connection errors)
# with backoff, and resumes where it stopped; a 4xx is a bug that a retry would only hide.
@task(name="fetch-rest-source")
def fetch_rest(spec: SourceSpec, new_crawl: bool = False) -> FetchReport:
    logger = get_run_logger()
    report = fetch_rest_source(spec, new_crawl=new_crawl,
                               on_page=lambda page, n: logger.debug("%s page %d: %d records", spec.name, page, n))
    logger.info(report.summary())
    return report


@flow(name="segmart-fetch")
def fetch_flow(lake_dir: str, sources: str | None = None, only: list[str] | None = None,
               new_crawl: bool = False) -> list[FetchReport]:
    return [fetch_rest(spec, new_crawl) for spec in rest_specs(lake_dir, sources, only)]
