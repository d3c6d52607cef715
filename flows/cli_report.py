"""`segmart report`: the HTML report of a published version."""

from __future__ import annotations

from pathlib import Path

import click

from flows.cli_activation import _warehouse, warehouse_option


@click.command("report")
@click.option("--version", "version_ref", default="current", show_default=True,
              help="Version id (or unique prefix/suffix, 'current', 'previous').")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write. Default: <warehouse>/reports/<version>.html.")
@warehouse_option
def report(version_ref: str, out: Path | None, warehouse_dir: Path | None) -> None:
    """Write the self-contained HTML segment report (charts embedded, opens offline)."""
    from python_models.reporting import build_report

    with click.progressbar(length=1, label="drawing the report") as bar:
        result = build_report(_warehouse(warehouse_dir), version_ref, out)
        bar.update(1)
    click.echo(f"{result.path} ({result.drawn} charts; {len(result.missing)} not drawn)")
    for key, reason in result.missing:
        click.echo(f"  not drawn: {key}: {reason}")
