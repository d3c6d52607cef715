"""The shortcuts ingestion takes for speed give the same raw zone as the general code they bypass."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from python_models.lake import ingest
from python_models.lake.raw_zone import DataFileWriter, raw_parquet_options
from python_models.lake.readers import _as_text, _flatten, _uniform_text_columns

ingest_module = importlib.import_module("python_models.lake.ingest")  # the package exports a function of that name

SOCIAL_YML = (
    "sources:\n  - name: social\n    entity: social_interactions\n    format: json\n    records_path: data\n"
    "    columns: {interaction_id: id, platform: platform, handle: user.handle, email: user.email,\n"
    "              interaction_type: type, interacted_at: created_time}\n"
)


def record_by_record(records: list[dict]) -> tuple[list[str], dict[str, list]]:
    """What reading did before the uniform shortcut: flatten each record, text each value."""
    flat = [_flatten(r) for r in records]
    header = list(dict.fromkeys(k for r in flat for k in r))
    return header, {name: [_as_text(r.get(name)) for r in flat] for name in header}


SAME_SHAPE = [
    {"id": "a", "n": 1, "ok": True, "x": 1.0, "tags": ["t", "é"], "user": {"handle": "@a", "email": None}},
    {"id": None, "n": 12345678901234567890, "ok": False, "x": 1e-7, "tags": None, "user": {"handle": "", "email": "b@x"}},
    {"id": "c", "n": "7", "ok": None, "x": float("nan"), "tags": [{"k": 1}], "user": {"handle": " ", "email": "c@x"}},
]


def test_records_of_one_shape_give_the_same_columns_as_record_by_record_reading():
    columns = _uniform_text_columns(SAME_SHAPE)
    header, expected = record_by_record(SAME_SHAPE)
    assert columns is not None and list(columns) == header
    assert {name: array.to_pylist() for name, array in columns.items()} == expected


@pytest.mark.parametrize(
    "second",
    [
        {"user": {"handle": "@b", "email": None}, "id": "b"},  # same keys, other order
        {"id": "b"},  # a key missing
        {"id": "b", "user": None},  # null where the first had an object
        {"id": "b", "user": {"email": "e", "handle": "@b"}},  # nested keys in another order
        {"id": {"deep": 1}, "user": {"handle": "@b", "email": None}},  # an object where the first had a scalar
    ],
)
def test_records_of_different_shapes_take_the_record_by_record_path(second):
    assert _uniform_text_columns([{"id": "a", "user": {"handle": "@a", "email": None}}, second]) is None


@pytest.mark.parametrize("uniform", [True, False])
def test_a_json_page_lands_the_same_whichever_path_reads_it(tmp_path, uniform):
    records = [
        {"id": f"i{i}", "platform": "tiktok", "user": {"handle": f"@h{i}", "email": None}, "type": "like",
         "created_time": "2025-01-01T10:00:00+0000", "reach": i}
        for i in range(3)
    ]
    if not uniform:
        del records[1]["reach"]  # one record without a key: the general path
    lake = tmp_path / "lake"
    (lake / "landing" / "social").mkdir(parents=True)
    (lake / "landing" / "social" / "p.json").write_text(json.dumps({"data": records + ["not an object"]}))
    (lake / "sources.yml").write_text(SOCIAL_YML)
    (outcome,) = ingest(lake).files
    assert (outcome.rows_landed, outcome.rows_written, outcome.rows_rejected) == (4, 3, 1)
    (data_file,) = (lake / "raw" / "social_interactions").glob("load_id=2*/*.parquet")
    rows = pq.read_table(data_file).to_pylist()
    assert [r["handle"] for r in rows] == ["@h0", "@h1", "@h2"]
    assert [r["_record_number"] for r in rows] == [1, 2, 3]
    assert [json.loads(r["_extra"]) if r["_extra"] else None for r in rows] == [
        {"reach": "0"}, None if not uniform else {"reach": "1"}, {"reach": "2"}
    ]


def test_raw_files_keep_dictionaries_and_statistics_only_where_they_pay(tmp_path):
    n = 1000
    batch = pa.table({
        "event_id": pa.array([f"e{i}" for i in range(n)]),
        "event_type": pa.array(["view", "click"] * (n // 2)),
        "_record_number": pa.array(range(1, n + 1), pa.int64()),
    })
    options = raw_parquet_options(batch)
    assert options["use_dictionary"] == ["event_type"]
    assert options["write_statistics"] == ["_record_number"]
    writer = DataFileWriter(tmp_path / "x.parquet", batch.schema)
    writer.write(batch.slice(0, 600))
    writer.write(batch.slice(600))
    writer.close()
    assert pq.read_table(tmp_path / "x.parquet").equals(batch)
    column_meta = pq.ParquetFile(Path(tmp_path / "x.parquet")).metadata.row_group(0)
    stats = {column_meta.column(i).path_in_schema: column_meta.column(i).is_stats_set for i in range(3)}
    assert stats == {"event_id": False, "event_type": False, "_record_number": True}


def test_large_landings_are_hashed_in_parallel_with_the_same_digests_in_landing_order(tmp_path, monkeypatch):
    paths = []
    for i, size in enumerate([10, 3_000_000, 0, 70_000]):
        paths.append(tmp_path / f"f{i}.csv")
        paths[-1].write_bytes(bytes(range(256)) * (size // 256) + str(i).encode())
    monkeypatch.setattr(ingest_module, "PARALLEL_HASH_BYTES", 0)
    monkeypatch.setenv("SEGMART_INGEST_WORKERS", "2")
    assert ingest_module._hash_all(paths) == [ingest_module.sha256_of(p) for p in paths]
