"""simulate_stream: generator formats, the lake's sources.yml, known identities, deterministic."""

from __future__ import annotations

import csv
import shutil

import pytest

from python_models.generate import generate_lake
from python_models.generate.stream import load_known_people, simulate_stream
from python_models.lake import ingest


@pytest.fixture(scope="module")
def small_lake(tmp_path_factory):
    lake = tmp_path_factory.mktemp("stream") / "lake"
    generate_lake(lake, people=200, seed=5, months=2)
    return lake


def _copy(lake, tmp_path, name):
    target = tmp_path / name
    shutil.copytree(lake, target)
    return target


def test_same_seed_same_files_and_new_seed_new_files(small_lake, tmp_path):
    a, b = _copy(small_lake, tmp_path, "a"), _copy(small_lake, tmp_path, "b")
    ra = simulate_stream(a, 300, 2, seed=11)
    rb = simulate_stream(b, 300, 2, seed=11)  # reads the known people again: same draw
    assert [p.name for p in ra.files] == [p.name for p in rb.files]
    assert all(pa.read_bytes() == pb.read_bytes() for pa, pb in zip(ra.files, rb.files, strict=True))
    rc = simulate_stream(b, 300, 2, seed=12)
    assert {p.name for p in rc.files}.isdisjoint({p.name for p in rb.files})


def test_stream_ingests_cleanly_from_known_people_after_the_lake_clock(small_lake, tmp_path, monkeypatch):
    monkeypatch.setenv("SEGMART_INGEST_WORKERS", "1")  # small files: spawning readers costs more than reading
    lake = _copy(small_lake, tmp_path, "lake")
    ingest(lake)
    known = load_known_people(lake)
    report = simulate_stream(lake, 400, 3, seed=1, new_people_per_minute=2.0, known=known)
    assert report.first_at > known.clock
    assert sum(report.records[k] for k in ("web_events", "order_lines", "social_interactions")) >= 3 * 400 * 0.97
    second = ingest(lake)
    loaded = [f for f in second.files if f.status == "loaded"]
    assert len(loaded) == len(report.files)
    assert second.rows_rejected == 0
    assert second.rows_landed == sum(report.records.values())
    logins = {user for _, user in known.logins}
    users = set()
    for path in report.files:
        if path.name.startswith("web_events_"):
            with path.open(newline="") as fh:
                users |= {row["user_id"] for row in csv.DictReader(fh)}
    assert report.new_accounts and users - logins == set(report.new_accounts)


def test_rejects_bad_rates(small_lake):
    with pytest.raises(ValueError, match="at least 1"):
        simulate_stream(small_lake, 0, 1)
    with pytest.raises(ValueError, match="shift"):
        simulate_stream(small_lake, 10, 1, shift=2)
