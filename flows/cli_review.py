"""`segmart review export|import`: the manual calibration loop of identity resolution.

export: a sample of scored contact pairs, denser around the match threshold, as a CSV with an
empty `label` column. import: the filled file's labels go to the label store
(<lake>/review/identity_labels.csv) that the next build reads into identity_threshold_calibration.
"""

from __future__ import annotations

from pathlib import Path

import click

from flows.settings import Paths

lake_option = click.option(
    "--lake", "lake_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Lake folder (holds review/identity_labels.csv). Default: $SEGMART_LAKE_DIR or ./lake in the repo.",
)


@click.group()
def review() -> None:
    """Review pairs of contact records to calibrate the identity match threshold."""


@review.command("export")
@lake_option
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV to write.")
@click.option("--n", type=click.IntRange(min=1), default=200, show_default=True, help="Pairs to draw.")
@click.option("--seed", type=int, default=0, show_default=True)
def review_export(lake_dir: Path | None, out_path: Path, n: int, seed: int) -> None:
    """Write a review sample of the build database's scored pairs: fill `label` (1 same person, 0 not)."""
    import duckdb

    from python_models.identity.review import export_review_sample

    paths = Paths.from_env(lake_dir)
    if not paths.build_db.exists():
        raise click.ClickException(f"no build database at {paths.build_db}: run `segmart refresh` first")
    try:
        con = duckdb.connect(str(paths.build_db), read_only=True)
    except duckdb.IOException as exc:
        raise click.ClickException(f"cannot open {paths.build_db} (is a build running?): {exc}") from exc
    try:
        tables = {t for (t,) in con.sql("select table_name from duckdb_tables()").fetchall()}
        if "int_identity__run_stats" not in tables:
            raise click.ClickException(f"{paths.build_db} has no identity resolution output: run `segmart refresh`")
        sample = export_review_sample(con, n=n, seed=seed)
    finally:
        con.close()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    sample.to_csv(out_path, index=False)
    click.echo(f"{len(sample)} pair(s) written to {out_path}; fill the label column (1 = same person, "
               f"0 = different) and run `segmart review import {out_path}`")


@review.command("import")
@lake_option
@click.argument("labels_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def review_import(lake_dir: Path | None, labels_file: Path) -> None:
    """Store the labels of a filled review file; the next build recomputes identity_threshold_calibration."""
    from python_models.identity.review import LabelFileError, import_labels, labels_store_path

    paths = Paths.from_env(lake_dir)
    try:
        report = import_labels(labels_file, labels_store_path(paths.lake_dir))
    except LabelFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())
    click.echo("run `segmart refresh` (or dbt build) to update identity_threshold_calibration")
