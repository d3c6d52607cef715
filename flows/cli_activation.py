"""`segmart export` and `segmart experiment`: the last mile, always from a published version."""

from __future__ import annotations

from pathlib import Path

import click
import duckdb

from flows.publishing import warehouse
from flows.settings import Paths
from python_models.activation.exports import write_audience_exports
from python_models.activation.history import write_crm_sync

warehouse_option = click.option(
    "--warehouse", "warehouse_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Warehouse folder holding versions/. Default: next to the build database.",
)


def _warehouse(warehouse_dir: Path | None):
    from python_models.publishing import Warehouse

    return Warehouse(warehouse_dir.resolve()) if warehouse_dir else warehouse(Paths.from_env())


def _version_table(wh, version_id: str, table: str) -> Path:
    path = wh.version_dir(version_id) / "tables" / f"{table}.parquet"
    if not path.is_file():
        raise click.ClickException(
            f"version {version_id} has no {table} (it was built before activation marts existed); "
            "publish a newer version with `segmart refresh`")
    return path


@click.command("export")
@click.option("--version", "version_ref", default="current", show_default=True,
              help="Version id (or unique prefix/suffix, 'current', 'previous').")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Export folder. Default: <warehouse>/exports.")
@click.option("--min-segment-size", type=click.IntRange(min=1), default=100, show_default=True,
              help="Segments with fewer exportable members are held back.")
@click.option("--platform", "platforms", multiple=True, type=click.Choice(["meta", "google"]),
              default=("meta", "google"), show_default=True)
@warehouse_option
def export(version_ref: str, out_dir: Path | None, min_segment_size: int, platforms: tuple[str, ...],
           warehouse_dir: Path | None) -> None:
    """Write per-segment hashed audience files of a published version, and the CRM sync table."""
    wh = _warehouse(warehouse_dir)
    version_id = wh.resolve(version_ref)
    status = wh.read_version(version_id).get("status")
    if status == "failed_gates":
        raise click.ClickException(f"version {version_id} failed its gates; it is kept for inspection, never exported")
    audience = duckdb.sql(f"select * from read_parquet('{_version_table(wh, version_id, 'audience_members')}')").df()
    out = (out_dir or wh.root / "exports").resolve()
    results = write_audience_exports(audience, out, version_id, min_segment_size, tuple(platforms))
    for r in results:
        detail = ", ".join(f"{p}: {f}" for p, f in r.files.items()) if r.files else r.reason
        click.echo(f"  {r.status:<9} segment {r.segment_id} {r.segment_name!r}: {r.exportable:,} of {r.members:,} exportable ({detail})")
    sync = write_crm_sync(wh, out / "crm_segment_sync.parquet")
    click.echo(f"exports of {version_id} in {out / version_id}; CRM sync table: {sync} ")


@click.group("experiment")
def experiment() -> None:
    """A/B results per campaign and segment, and holdout arms, of a published version."""


@experiment.command("results")
@click.option("--version", "version_ref", default="current", show_default=True)
@click.option("--campaign", default=None, help="Only this campaign.")
@click.option("--segments/--overall", default=False, help="Per segment rows, or only the campaign as a whole.")
@warehouse_option
def experiment_results(version_ref: str, campaign: str | None, segments: bool, warehouse_dir: Path | None) -> None:
    wh = _warehouse(warehouse_dir)
    version_id = wh.resolve(version_ref)
    path = _version_table(wh, version_id, "experiment_results")
    where = ["1 = 1"]
    if campaign:
        where.append(f"campaign_id = '{campaign.replace(chr(39), chr(39) * 2)}'")
    if not segments:
        where.append("segment_name = 'all'")
    rel = duckdb.sql(
        "select campaign_id, segment_name, exposures_test as n_test, exposures_control as n_control, "
        "round(rate_test, 4) as rate_test, round(rate_control, 4) as rate_control, "
        "round(relative_lift, 3) as rel_lift, round(relative_lift_ci_low, 3) as ci_low, "
        "round(relative_lift_ci_high, 3) as ci_high, round(p_value, 4) as p_value, is_sample_sufficient as powered "
        f"from read_parquet('{path}') where {' and '.join(where)} order by campaign_id, segment_name <> 'all', segment_name"
    )
    click.echo(f"version {version_id}")
    click.echo(rel.to_arrow_table().to_pandas().to_string(index=False))


@experiment.command("holdout")
@click.argument("experiment_id")
@click.option("--version", "version_ref", default="current", show_default=True)
@warehouse_option
def experiment_holdout(experiment_id: str, version_ref: str, warehouse_dir: Path | None) -> None:
    """Arm sizes of one declared experiment (seed `experiments`)."""
    wh = _warehouse(warehouse_dir)
    version_id = wh.resolve(version_ref)
    path = _version_table(wh, version_id, "experiment_holdouts")
    rows = duckdb.sql(
        f"select arm, count(*) from read_parquet('{path}') where experiment_id = $1 group by arm order by arm",
        params=[experiment_id]).fetchall()
    if not rows:
        raise click.ClickException(f"no experiment {experiment_id!r} in version {version_id} (declare it in seeds/experiments.csv)")
    click.echo(", ".join(f"{arm}: {n:,}" for arm, n in rows))


@experiment.command("compare")
@click.argument("version_a")
@click.argument("version_b")
@warehouse_option
def experiment_compare(version_a: str, version_b: str, warehouse_dir: Path | None) -> None:
    """Which of two versions' segmentations separates campaign responses better (Cochran's Q, I²)."""
    from python_models.activation.compare import compare_segmentations

    wh = _warehouse(warehouse_dir)
    ids = [wh.resolve(v) for v in (version_a, version_b)]
    frames = [duckdb.sql(f"select * from read_parquet('{_version_table(wh, v, 'experiment_results')}')").df()
              for v in ids]
    table = compare_segmentations(frames[0], frames[1], ids[0], ids[1])
    click.echo(table.to_string(index=False))
    click.echo("share_heterogeneous: campaigns whose lift differs between segments (Cochran's Q, p < 0.05); "
               "higher means the segmentation separates responders better")
