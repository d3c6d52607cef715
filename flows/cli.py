"""The `segmart` command: one clear line per error, a traceback only with --debug."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from flows import prefect_env
from flows.cli_options import wait_option
from flows.settings import Paths

prefect_env.configure()


class SegmartGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # every other failure becomes one readable line
            if ctx.obj and ctx.obj.get("debug"):
                raise
            # One line; a multi-line message (a dbt summary) keeps its detail lines below it.
            first, *details = (str(exc).strip() or type(exc).__name__).splitlines()
            # an expected condition (another refresh running, a refused token) needs no traceback hint
            hint = "" if getattr(exc, "expected", False) else " (--debug shows the traceback)"
            click.echo(f"segmart: error: {first}{hint}", err=True)
            for line in details:
                click.echo(f"  {line.strip()}", err=True)
            sys.exit(1)


@click.group(cls=SegmartGroup)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """segmart: warehouse-native audience segmentation (dbt + DuckDB + Prefect)."""
    ctx.obj = {"debug": debug}
    from flows.cli_errors import PREFECT_COMMANDS, hide_prefect_run_failures

    if not debug and ctx.invoked_subcommand in PREFECT_COMMANDS:
        hide_prefect_run_failures()


lake_option = click.option(
    "--lake", "lake_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Lake folder (landing/, raw/). Default: $SEGMART_LAKE_DIR or ./lake in the repo.",
)
sources_option = click.option(
    "--sources", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Sources file describing the landed files. Default: <lake>/sources.yml.",
)
vars_file_option = click.option(
    "--vars-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
    help="YAML mapping of dbt vars for the build, e.g. examples/byo/complete_journey/vars.yml.",
)


@main.command()
@click.option("--people", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write landing/, ground_truth/ and sources.yml into.")
@click.option("--months", type=click.IntRange(min=1, max=60), default=18, show_default=True)
def generate(people: int, seed: int, out_dir: Path, months: int) -> None:
    """Write a realistic demo lake with its ground truth (deterministic for a seed)."""
    from python_models.generate import generate_lake

    started = time.perf_counter()
    report = _with_progress("generating", lambda cb: generate_lake(out_dir, people=people, seed=seed,
                                                                    months=months, progress=cb))
    click.echo(f"generated {people:,} people into {out_dir} in {time.perf_counter() - started:.1f} s")
    click.echo(report.summary())


def _with_progress(label: str, work):
    state: dict = {}

    def callback(stage: str, done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        bar.label = f"{label} ({stage})"
        bar.update(done - state.get("done", 0))
        state["done"] = done

    try:
        return work(callback)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@main.command()
@lake_option
@sources_option
@click.option("--source", "only", multiple=True, help="Only this source (repeatable).")
@click.option("--no-prefect", is_flag=True, help="Run the ingestion directly, without a Prefect flow run.")
def ingest(lake_dir: Path | None, sources: Path | None, only: tuple[str, ...], no_prefect: bool) -> None:
    """Ingest new files from <lake>/landing into the raw zone (manifest, quarantine)."""
    paths = Paths.from_env(lake_dir)
    if no_prefect:
        from python_models.lake import ingest as run_ingest

        report = run_ingest(paths.lake_dir, sources, only=list(only) or None, on_file=_echo_file)
    else:
        from flows.cli_progress import spinner
        from flows.ingest_flow import ingest_flow

        with spinner("ingesting (Prefect flow)"):
            report = ingest_flow(str(paths.lake_dir), str(sources) if sources else None, list(only) or None)
        for outcome in report.files:
            _echo_file(outcome)
    click.echo(report.summary())


def _echo_file(outcome) -> None:
    extra = f" ({outcome.message})" if outcome.message else ""
    if outcome.schema_change:
        extra += f" [schema change: {outcome.schema_change}]"
    click.echo(
        f"  {outcome.status:<17} {outcome.source:<16} {outcome.file}: {outcome.rows_landed:,} records, "
        f"{outcome.rows_rejected:,} unreadable{extra}"
    )


@main.command()
@lake_option
@click.option("--select", "-s", multiple=True, help="dbt node selection (repeatable).")
@vars_file_option
def build(lake_dir: Path | None, select: tuple[str, ...], vars_file: Path | None) -> None:
    """Run `dbt build` on the raw zone (staging, quality marts, tests)."""
    from flows.cli_progress import spinner
    from flows.dbt_runner import run_dbt
    from flows.refresh_lock import refresh_lock

    paths = Paths.from_env(lake_dir)
    args = ["build"] + (["--select", *select] if select else [])
    label = "dbt " + " ".join(args) + (f" --vars-file {vars_file}" if vars_file else "")
    if vars_file:
        args += ["--vars", vars_file.read_text(encoding="utf-8")]
    with refresh_lock(paths.build_db, "segmart build"), spinner(label):
        run = run_dbt(args, paths)
    click.echo(run.summary())




@main.command()
@lake_option
@sources_option
@wait_option
@vars_file_option
def refresh(lake_dir: Path | None, sources: Path | None, wait_seconds: float | None,
            vars_file: Path | None) -> None:
    """Ingest, then dbt build, as one Prefect flow run."""
    import yaml

    dbt_vars = yaml.safe_load(vars_file.read_text(encoding="utf-8")) if vars_file else None
    _refresh(Paths.from_env(lake_dir), sources, wait_seconds, dbt_vars)


def _refresh(paths: Paths, sources: Path | None, wait_seconds: float | None = None, dbt_vars: dict | None = None):
    from flows.cli_progress import spinner
    from flows.refresh_flow import refresh_flow
    from flows.refresh_lock import refresh_lock

    with refresh_lock(paths.build_db, "segmart refresh", wait_seconds), spinner("refresh (Prefect flow)"):
        result = refresh_flow(str(paths.lake_dir), str(sources) if sources else None, dbt_vars=dbt_vars)
    click.echo(result.ingest.summary())
    click.echo(result.dbt.summary())
    if result.publish is not None:
        click.echo(result.publish.summary())
    click.echo("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()))
    return result


DEMO_QUERY = """\
select r.source_system,
       sum(r.rows_landed)::bigint           as landed,
       sum(r.rows_staged)::bigint           as staged,
       sum(r.rows_quarantined)::bigint      as quarantined,
       sum(r.rows_exact_duplicates)::bigint as duplicates,
       bool_and(r.is_reconciled)    as reconciled
from source_reconciliation r
group by 1
order by 1"""


@main.command()
@lake_option
@click.option("--people", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
def demo(lake_dir: Path | None, people: int, seed: int) -> None:
    """Generate the demo lake (if empty), refresh it, and show where the results are."""
    from python_models.generate import generate_lake

    paths = Paths.from_env(lake_dir)
    started = time.perf_counter()
    if not (paths.lake_dir / "sources.yml").exists():
        click.echo(f"1/3 generating {people:,} demo people into {paths.lake_dir}")
        _with_progress("generating", lambda cb: generate_lake(paths.lake_dir, people=people, seed=seed,
                                                               progress=cb))
    else:
        click.echo(f"1/3 demo lake already at {paths.lake_dir} (delete it to regenerate)")
    click.echo("2/3 refresh: ingest + dbt build + gates + publish (Prefect flow)")
    result = _refresh(paths, None)
    click.echo(f"3/3 done in {time.perf_counter() - started:.0f} s\n")
    click.echo(f"landing files:      {paths.lake_dir / 'landing'}")
    click.echo(f"raw zone (Parquet): {paths.lake_dir / 'raw'}")
    click.echo(f"ground truth:       {paths.lake_dir / 'ground_truth'} (never read by the pipeline)")
    click.echo(f"build database:     {paths.build_db} (the pipeline's; not for queries)")
    from flows.publishing import warehouse

    click.echo(f"serving catalog:    {warehouse(paths).serving_db} (query this, read-only)")
    click.echo(f"published version:  {result.publish.version_id}")
    from python_models.reporting.report import report_path

    report = report_path(warehouse(paths), result.publish.version_id)
    if report.is_file():
        click.echo(f"segment report:     {report} (open in a browser; `segmart report` redraws it)")
    demo_query = _demo_query(paths)
    click.echo("\nexample: segmart query \"" + " ".join(demo_query.split()) + "\"\n")
    click.echo(_run_query(paths, demo_query, max_rows=50))


SEGMENTS_QUERY = """\
select m.segment_id, m.segment_name, count(*) as customers,
       round(100.0 * count(*) / sum(count(*)) over (), 1) as pct
from current_membership m
group by all
order by 1"""


def _demo_query(paths: Paths) -> str:
    """Segment sizes once segmentation is published; the reconciliation of every source before."""
    from flows.publishing import warehouse
    from python_models.publishing import connect_serving

    con = connect_serving(warehouse(paths))
    try:
        has_segments = con.sql("select count(*) from duckdb_views() where view_name = 'current_membership'"
                               ).fetchall()[0][0]
    finally:
        con.close()
    return SEGMENTS_QUERY if has_segments else DEMO_QUERY


def _run_query(paths: Paths, sql: str, max_rows: int, build: bool = False) -> str:
    from flows.publishing import warehouse
    from flows.query import ReadOnlyQueryError, run_read_only_query

    try:
        db = paths.build_db if build else warehouse(paths).serving_db
        return run_read_only_query(db, sql, max_rows=max_rows)
    except ReadOnlyQueryError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@lake_option
@click.argument("sql")
@click.option("--max-rows", type=int, default=40, show_default=True)
@click.option("--build", is_flag=True, help="Query the build database instead (not while a refresh runs).")
def query(lake_dir: Path | None, sql: str, max_rows: int, build: bool) -> None:
    """Run a read-only SQL query on the published version (the serving catalog) and print the result."""
    click.echo(_run_query(Paths.from_env(lake_dir), sql, max_rows, build))


@main.group()
def sources() -> None:
    """Bring-your-own sources files."""


@sources.command("check")
@click.argument("sources_file", type=click.Path(dir_okay=False, path_type=Path))
def sources_check(sources_file: Path) -> None:
    """Validate a sources file and show which files each source would read."""
    from python_models.lake.readers import FileRejected, read_landed_file
    from python_models.lake.source_config import load_sources

    config = load_sources(sources_file)
    for spec in config.sources:
        files = spec.files()
        click.echo(f"{spec.name} ({spec.entity}): {len(files)} file(s) in {spec.folder} matching {spec.pattern!r}")
        if files:
            try:
                result, _ = read_landed_file(files[0], spec, str(files[0]), "")
                click.echo(f"  header of {files[0].name}: {result.header}")
                if result.missing_columns:
                    click.echo(f"  mapped but absent (loaded as empty): {result.missing_columns}")
                if result.extra_columns:
                    click.echo(f"  unmapped (kept in _extra): {result.extra_columns}")
            except FileRejected as exc:
                click.echo(f"  would be rejected: {exc}")
    click.echo(f"{sources_file}: valid")


@main.command()
@click.option("--markdown", is_flag=True, help="Print the contracts as Markdown (docs/source_contracts.md).")
def contracts(markdown: bool) -> None:
    """Show the canonical source contracts."""
    from python_models.contracts import contracts_markdown, load_contracts

    if markdown:
        click.echo(contracts_markdown(), nl=False)
        return
    for entity in load_contracts().values():
        required = ", ".join(entity.required_columns)
        click.echo(f"{entity.name}: {', '.join(entity.column_names)}  (required: {required})")


from flows.cli_activation import experiment, export  # noqa: E402
from flows.cli_report import report  # noqa: E402

main.add_command(export)
main.add_command(experiment)
main.add_command(report)

from flows import publish_cli  # noqa: E402

main.add_command(publish_cli.publish)
main.add_command(publish_cli.versions)
main.add_command(publish_cli.diff)
main.add_command(publish_cli.rollback)

from flows.cli_fetch import fetch  # noqa: E402
from flows.cli_serve import serve  # noqa: E402

main.add_command(fetch)
main.add_command(serve)

from flows.cli_review import review  # noqa: E402

main.add_command(review)

from flows.cli_stream import micro_batch_command, simulate_stream_command  # noqa: E402

main.add_command(simulate_stream_command)
main.add_command(micro_batch_command)

if __name__ == "__main__":
    main()
