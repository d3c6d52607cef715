"""`segmart serve`: run the scheduled micro-batch and daily refresh until stopped.

Schedules only fire under a real Prefect server (the temporary one a plain flow run starts has
no scheduler). `segmart serve` uses the server named by --api-url or $PREFECT_API_URL, and
otherwise starts `prefect server start` itself on 127.0.0.1 and stops it on exit.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import click

from flows.settings import Paths


@click.command()
@click.option("--lake", "lake_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Lake folder. Default: $SEGMART_LAKE_DIR or ./lake in the repo.")
@click.option("--sources", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sources file. Default: <lake>/sources.yml.")
@click.option("--every-minutes", type=click.FloatRange(min=0.05), default=5.0, show_default=True,
              help="Interval of the micro-batch.")
@click.option("--daily-cron", default="0 3 * * *", show_default=True, help="Cron of the full refresh.")
@click.option("--timezone", default="UTC", show_default=True, help="Time zone of the cron.")
@click.option("--api-url", default=None,
              help="Prefect API to register with. Default: $PREFECT_API_URL, else a local server is started.")
@click.option("--port", type=int, default=4200, show_default=True,
              help="Port of the local Prefect server that serve starts (when there is no --api-url).")
def serve(lake_dir: Path | None, sources: Path | None, every_minutes: float, daily_cron: str,
          timezone: str, api_url: str | None, port: int) -> None:
    """Register the micro-batch and daily-refresh schedules and run them as they fall due (Ctrl-C stops)."""
    from flows.prefect_server import server_is_up, start_local_server

    paths = Paths.from_env(lake_dir)
    if not (sources or paths.lake_dir / "sources.yml").exists():
        raise click.ClickException(f"no sources file at {sources or paths.lake_dir / 'sources.yml'}")
    api_url = api_url or os.environ.get("PREFECT_API_URL") or _profile_api_url()
    server = None
    if api_url:
        if not server_is_up(api_url):
            raise click.ClickException(f"no Prefect server answers at {api_url}")
        click.echo(f"Prefect server: {api_url} (already running)")
    else:
        home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
        click.echo(f"starting a local Prefect server on 127.0.0.1:{port} (PREFECT_HOME {home}) ...", err=True)
        server = start_local_server(home, port=port)
        api_url = server.api_url
        click.echo(f"Prefect server: {api_url}, UI http://127.0.0.1:{port} (log {server.log_path}); "
                   "it stops with segmart serve")
    os.environ["PREFECT_API_URL"] = api_url
    try:
        _serve(api_url, paths.lake_dir, sources, timedelta(minutes=every_minutes), daily_cron, timezone)
    finally:
        if server is not None:
            server.stop()


def _profile_api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def _serve(api_url: str, lake_dir: Path, sources: Path | None, every: timedelta, cron: str, tz: str) -> None:
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.deployments import build_deployments

    # prefect may already be imported (and its settings frozen) when serve runs in-process
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        deployments = build_deployments(lake_dir, sources, every, cron, tz)
        click.echo(f"serving: micro-batch every {every}, daily full refresh at '{cron}' {tz}; "
                   f"lake {lake_dir}; Ctrl-C to stop")
        prefect_serve(*deployments, print_starting_message=False)
