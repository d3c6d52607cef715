"""`segmart fetch`: land the pages of the REST sources, ready for `segmart ingest`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from flows.settings import Paths


@click.command()
@click.option("--lake", "lake_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Lake folder. Default: $SEGMART_LAKE_DIR or ./lake in the repo.")
@click.option("--sources", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sources file. Default: <lake>/sources.yml.")
@click.option("--source", "only", multiple=True, help="Only this REST source (repeatable).")
@click.option("--new-crawl", is_flag=True, help="Fetch a finished endpoint again from its first page.")
@click.option("--no-prefect", is_flag=True, help="Fetch directly, without a Prefect flow run.")
def fetch(lake_dir: Path | None, sources: Path | None, only: tuple[str, ...], new_crawl: bool,
          no_prefect: bool) -> None:
    """Fetch the pages of the REST sources (`rest:` in sources.yml) into the landing folder; resumable."""
    paths = Paths.from_env(lake_dir)
    if no_prefect:
        from flows.rest_flow import rest_specs
        from python_models.lake.rest_source import fetch_rest_source

        reports = []
        for spec in rest_specs(paths.lake_dir, sources, list(only) or None):
            reports.append(fetch_rest_source(spec, new_crawl=new_crawl, on_page=_page_progress(spec.name)))
            click.echo("", err=True)
    else:
        from flows.cli_progress import spinner
        from flows.rest_flow import fetch_flow

        with spinner("fetching REST sources (Prefect flow)"):
            reports = fetch_flow(str(paths.lake_dir), str(sources) if sources else None, list(only) or None,
                                 new_crawl)
    if not reports:
        click.echo("no REST sources (a source with a 'rest:' block) in the sources file")
    for report in reports:
        click.echo(report.summary())
    if any(r.pages_fetched for r in reports):
        click.echo("next: segmart ingest (or segmart refresh) loads the new pages")


def _page_progress(name: str):
    def show(page: int, records: int) -> None:
        click.echo(f"\r  {name}: page {page} landed ({records:,} records)", nl=False, err=True)
        sys.stderr.flush()

    return show
