"""The calibration loop around a build database: export a review sample, store a person's labels.

``export_review_sample`` draws pairs stratified around the threshold (calibration.review_sample)
from the build's scored pairs; a person fills the ``label`` column (1 = same person, 0 = not);
``import_labels`` checks the file and merges it into the label store the next build reads
(``<lake>/review/identity_labels.csv`` by default). A later label for the same pair wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from python_models.identity.calibration import REVIEW_COLUMNS, review_sample

STORE_COLUMNS = ["pair_id", "left_record", "right_record", "match_probability", "sample_weight", "label"]
TRUE_LABELS = {"1", "true", "t", "yes", "y", "same", "match"}
FALSE_LABELS = {"0", "false", "f", "no", "n", "different", "non-match", "nonmatch"}


class LabelFileError(ValueError):
    """A labels file that cannot be imported (the message says which rows and why)."""


def labels_store_path(lake_dir: str | Path) -> Path:
    return Path(lake_dir) / "review" / "identity_labels.csv"


def export_review_sample(con: duckdb.DuckDBPyConnection, n: int = 200, threshold: float | None = None,
                         seed: int = 0) -> pd.DataFrame:
    """A review sample of the build's scored pairs (int_identity__scored_pairs), with readable
    summaries of both records (int_identity__contacts)."""
    records = con.sql("select * from int_identity__contacts").df()
    if threshold is None:
        found = con.sql("select value from int_identity__run_stats where stat = 'config_threshold'").fetchall()
        threshold = float(found[0][0]) if found else 0.85
    keys = records["source_system"].astype(str) + ":" + records["source_record_id"].astype(str)
    position = pd.Series(range(len(records)), index=keys.to_numpy())
    pairs = con.sql("select left_record, right_record, match_probability from int_identity__scored_pairs").df()
    pairs["rid_l"] = pairs["left_record"].map(position)
    pairs["rid_r"] = pairs["right_record"].map(position)
    missing = pairs["rid_l"].isna() | pairs["rid_r"].isna()
    if missing.any():
        raise RuntimeError(f"{int(missing.sum())} scored pairs name records missing from int_identity__contacts: "
                           "rebuild the database")
    pairs = pairs.astype({"rid_l": "int64", "rid_r": "int64"})
    return review_sample(pairs, records, n=n, threshold=threshold, seed=seed)[REVIEW_COLUMNS]


def _parse_label(value: object) -> int | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in TRUE_LABELS:
        return 1
    if text in FALSE_LABELS:
        return 0
    raise ValueError(text)


@dataclass
class ImportReport:
    n_rows: int
    n_labelled: int
    n_unlabelled: int
    n_stored: int  # labels in the store after the merge
    store: Path

    def summary(self) -> str:
        return (f"{self.n_labelled} labelled pair(s) imported ({self.n_unlabelled} row(s) without a label "
                f"skipped); {self.n_stored} label(s) now in {self.store}")


def read_labels_file(path: str | Path) -> tuple[pd.DataFrame, int]:
    """(labelled rows in STORE_COLUMNS, number of unlabelled rows); LabelFileError on bad input."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise LabelFileError(f"cannot read {path}: {exc}") from exc
    missing = {"left_record", "right_record", "label"} - set(frame.columns)
    if missing:
        raise LabelFileError(f"{path}: missing column(s) {sorted(missing)}; expected the file written by "
                             "`segmart review export` with its label column filled")
    labels, bad = [], []
    for i, value in enumerate(frame["label"].tolist()):
        try:
            labels.append(_parse_label(value))
        except ValueError:
            labels.append(None)
            bad.append(f"line {i + 2}: {value!r}")
    if bad:
        raise LabelFileError(f"{path}: labels must be 1 (same person) or 0 (different) or empty; "
                             f"{len(bad)} bad: {', '.join(bad[:5])}")
    empty_keys = (frame["left_record"].str.strip() == "") | (frame["right_record"].str.strip() == "")
    if empty_keys.any():
        lines = [str(i + 2) for i in frame.index[empty_keys][:5]]
        raise LabelFileError(f"{path}: rows without left_record/right_record on line(s) {', '.join(lines)}")
    frame["label"] = pd.array(labels, dtype="Int64")
    left, right = frame["left_record"].str.strip(), frame["right_record"].str.strip()
    frame["left_record"], frame["right_record"] = left.where(left <= right, right), right.where(left <= right, left)
    frame["pair_id"] = frame["left_record"] + "~" + frame["right_record"]
    for col in ("match_probability", "sample_weight"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce") if col in frame else float("nan")
    labelled = frame[frame["label"].notna()][STORE_COLUMNS]
    return labelled.reset_index(drop=True), int(frame["label"].isna().sum())


def import_labels(path: str | Path, store: str | Path) -> ImportReport:
    """Check a filled review file and merge its labels into ``store`` (later labels win)."""
    store = Path(store)
    new, n_unlabelled = read_labels_file(path)
    if store.is_file():
        old, _ = read_labels_file(store)
        merged = pd.concat([old, new], ignore_index=True).drop_duplicates("pair_id", keep="last")
    else:
        merged = new
    store.parent.mkdir(parents=True, exist_ok=True)
    tmp = store.with_suffix(".csv.tmp")
    merged.sort_values("pair_id").to_csv(tmp, index=False)
    tmp.replace(store)  # a crash never leaves a half-written store
    return ImportReport(n_rows=len(new) + n_unlabelled, n_labelled=len(new), n_unlabelled=n_unlabelled,
                        n_stored=len(merged), store=store)
