"""`segmart publish | versions | diff | rollback`: the published versions from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from flows.cli_options import wait_option
from flows.settings import Paths

lake_option = click.option(
    "--lake", "lake_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Lake folder. Default: $SEGMART_LAKE_DIR or ./lake in the repo.",
)


def _progress(label: str):
    """A click progress bar fed by the publisher's (stage, done, total) callback."""
    state: dict = {}

    def callback(stage: str, done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].label = f"{label} ({stage})"
        state["bar"].update(done - state.get("done", 0))
        state["done"] = done

    def close() -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

    return callback, close


@click.command()
@lake_option
@click.option("--no-switch", is_flag=True, help="Write the version but keep serving the current one.")
@wait_option
def publish(lake_dir: Path | None, no_switch: bool, wait_seconds: float | None) -> None:
    """Publish the current build: copy the marts tagged `publish` into a new version, check the
    gates, and switch the serving catalog to it if they all pass."""
    from flows.publishing import publish_build
    from flows.refresh_lock import refresh_lock

    paths = Paths.from_env(lake_dir)
    callback, close = _progress("publishing")
    # a refresh rebuilding the build database meanwhile would have us copy half-written marts
    try:
        with refresh_lock(paths.build_db, "segmart publish", wait_seconds):
            result = publish_build(paths, progress=callback, switch=not no_switch)
    finally:
        close()
    click.echo(result.summary())
    if not result.published and result.failed_gates:
        sys.exit(2)


@click.command()
@lake_option
@click.option("--all", "show_all", is_flag=True, help="Also show the gate results of each version.")
def versions(lake_dir: Path | None, show_all: bool) -> None:
    """List the versions, newest first, with their status (published, superseded, rolled_back,
    failed_gates)."""
    from flows.publishing import warehouse
    from python_models.publishing import version_rows

    wh = warehouse(Paths.from_env(lake_dir))
    rows = version_rows(wh)
    if not rows:
        click.echo(f"no versions in {wh.versions_dir} yet: run `segmart refresh`")
        return
    for row in reversed(rows):
        mark = "*" if row["is_current"] else " "
        counts = json.loads(row["row_counts"])
        click.echo(f"{mark} {row['version_id']}  {row['status']:<12} {row['created_at_utc'][:19]}  "
                   f"{len(counts)} tables, {sum(counts.values()):,} rows, gates {row['n_gates'] - row['n_gates_failed']}"
                   f"/{row['n_gates']} passed  code {row['code_version']}  config {row['config_hash']}")
        if show_all:
            for gate in json.loads(row["gate_results"]):
                click.echo(f"      {'ok  ' if gate['passed'] else 'FAIL'} {gate['area']}/{gate['gate']}: "
                           f"{gate['value']} (threshold {gate['threshold']}) {gate.get('detail') or ''}")
    click.echo(f"(* = served by {wh.serving_db})")


@click.command()
@lake_option
@click.argument("version_a")
@click.argument("version_b", default="current")
@click.option("--customers", "n_customers", type=int, default=0, show_default=True,
              help="Also list this many people who moved, with their reason.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write every person who moved (customer_id, segment_a, segment_b, reason) to this CSV.")
def diff(lake_dir: Path | None, version_a: str, version_b: str, n_customers: int, out: Path | None) -> None:
    """Compare the segment membership of two versions (ids, unique prefixes/suffixes, 'current' or
    'previous'): the transition matrix and who entered or left each segment, and why."""
    import pandas as pd

    from flows.publishing import warehouse_root
    from python_models.publishing.diff import diff_versions

    result = diff_versions(warehouse_root(Paths.from_env(lake_dir)), version_a, version_b)
    moved = len(result.movers)
    click.echo(f"{result.version_a} ({result.n_a:,} people) -> {result.version_b} ({result.n_b:,} people): "
               f"{moved:,} moved")
    with pd.option_context("display.width", 200, "display.max_columns", 50, "display.max_rows", 200):
        matrix = result.matrix()
        labels = sorted(set(matrix.index) | set(matrix.columns))
        # long segment names make the matrix unreadable: ids in the matrix, names in a legend
        short = {label: label.split(" ", 1)[0] for label in labels}
        click.echo("\nsegments:\n" + "\n".join(f"  {label}" for label in labels))
        click.echo("\ntransitions (rows: segment in A, columns: segment in B, cells: people):")
        click.echo(matrix.rename(index=short, columns=short).to_string())
        by_segment = result.by_segment()
        if not by_segment.empty:
            click.echo("\nwho entered or left each segment, by reason:")
            click.echo(by_segment.to_string(index=False))
        if n_customers:
            click.echo(f"\nfirst {n_customers} people who moved:")
            click.echo(result.movers.head(n_customers).to_string(index=False))
    if out is not None:
        result.movers.to_csv(out, index=False)
        click.echo(f"\n{moved:,} people written to {out}")


@click.command()
@lake_option
@click.argument("version")
@wait_option
def rollback(lake_dir: Path | None, version: str, wait_seconds: float | None) -> None:
    """Serve an earlier version again (an id, a unique prefix/suffix, or 'previous')."""
    from flows.publishing import warehouse_root
    from flows.refresh_lock import refresh_lock
    from python_models.publishing import rollback as do_rollback

    paths = Paths.from_env(lake_dir)
    # a refresh publishing meanwhile would switch the catalog back under the rollback's feet,
    # and both would append to segment_versions at once
    with refresh_lock(paths.build_db, f"segmart rollback {version}", wait_seconds):
        version_id, replaced = do_rollback(warehouse_root(paths), version)
    click.echo(f"now serving {version_id} (was {replaced}); recorded in segment_versions")


COMMANDS = [publish, versions, diff, rollback]
