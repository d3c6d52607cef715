"""`segmart simulate-stream`: land live activity into an existing demo lake (logic: python_models/generate/stream.py)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("simulate-stream")
@click.option("--lake", "lake_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), required=True,
              help="A lake written by `segmart generate` (its sources.yml says where files land).")
@click.option("--events-per-minute", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Records per minute: web events, social interactions and order lines together.")
@click.option("--minutes", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed and minutes = same files.")
@click.option("--start-minute", type=click.IntRange(min=0), default=0, show_default=True,
              help="Continue a stream: minute numbers (and event times) start here.")
@click.option("--shift", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of sessions that behave unlike the personas (tablet, TikTok, big electronics baskets).")
@click.option("--new-people", type=click.FloatRange(min=0), default=0.5, show_default=True,
              help="Mean number of new e-shop accounts (with a first session) per minute.")
@click.option("--realtime/--no-realtime", default=True, show_default=True,
              help="Wait a wall-clock minute between minutes; --no-realtime lands everything at once.")
def simulate_stream_command(lake_dir: Path, events_per_minute: int, minutes: int, seed: int, start_minute: int,
                            shift: float, new_people: float, realtime: bool) -> None:
    """Drop new web-event, order and social files into LAKE's landing folders at a chosen rate."""
    from python_models.generate.stream import simulate_stream

    def echo(minute: int, files: list[Path]) -> None:
        click.echo(f"minute {minute}: landed {', '.join(p.name for p in files)}")

    report = simulate_stream(lake_dir, events_per_minute, minutes, seed=seed, start_minute=start_minute,
                             shift=shift, new_people_per_minute=new_people, realtime=realtime, on_minute=echo)
    click.echo(report.summary())


@click.command("micro-batch")
@click.option("--lake", "lake_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Lake folder. Default: $SEGMART_LAKE_DIR or ./lake in the repo.")
@click.option("--sources", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--every", type=click.FloatRange(min=1), default=None,
              help="Keep running: one batch every this many seconds (Ctrl-C stops).")
@click.option("--wait", "lock_wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to wait for a running refresh before skipping the batch.")
@click.option("--prefect", is_flag=True, help="Run each batch as a Prefect flow run (segmart-live-micro-batch).")
def micro_batch_command(lake_dir: Path | None, sources: Path | None, every: float | None, lock_wait: float,
                        prefect: bool) -> None:
    """Ingest new events, reassign the touched customers to the published segments, log changes and drift."""
    import time

    from flows.microbatch_flow import microbatch_flow, run_micro_batch
    from flows.refresh_lock import RefreshAlreadyRunning

    while True:
        started = time.monotonic()
        if prefect:
            click.echo(microbatch_flow(str(lake_dir) if lake_dir else None, str(sources) if sources else None,
                                       lock_wait))
        else:
            try:
                click.echo(run_micro_batch(lake_dir, sources, lock_wait=lock_wait).summary())
            except RefreshAlreadyRunning as exc:
                if every is None:
                    raise
                click.echo(f"skipped: {exc}")
        if every is None:
            return
        time.sleep(max(0.0, every - (time.monotonic() - started)))
