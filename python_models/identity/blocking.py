"""Blocking: candidate pairs as the union of several SQL join rules, executed in DuckDB.

Each rule is a key expression over the standardised table (see ``standardise_contacts``); two records
are a candidate pair when they share a non-null key under at least one rule. Keys held by more
than ``max_block_size`` records are skipped (an exploding block: a very common name, a placeholder)
and reported. Pairs come back with ``rid_l < rid_r`` and a bit mask of the rules that produced them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BlockingRule:
    """A named key expression (DuckDB SQL over the standardised columns); NULL keys never block.

    ``comparisons``: the comparisons that the rule forces to agree (excluded when its pairs are
    used to train m probabilities).
    """

    name: str
    key_sql: str
    comparisons: tuple[str, ...] = ()
    max_block_size: int | None = None  # a tighter cap than the global one for broad keys


DEFAULT_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("email", "email_std", ("email",)),
    BlockingRule("phone", "phone_key", ("phone",)),
    BlockingRule(
        "last_name_phonetic+birth_year+initial",
        "last_name_metaphone || '|' || CAST(birth_year AS VARCHAR) || '|' || coalesce(left(first_name_std, 1), '')",
        ("last_name", "full_name", "birth_date"),
    ),
    BlockingRule(
        "full_name_phonetic+postcode3",
        "full_name_phonetic || '|' || left(postcode_std, 3)",
        ("first_name", "last_name", "full_name", "locality", "address"),
    ),
    BlockingRule(
        "name4+postcode+initial",
        "name_prefix4 || '|' || postcode_std || '|' || coalesce(left(first_name_std, 1), '')",
        ("last_name", "full_name", "locality", "address"),
    ),
    BlockingRule(
        "first_name+birth_date", "first_name_std || '|' || birth_str", ("first_name", "birth_date", "full_name")
    ),
    BlockingRule(
        "street_number+street_key+initial",
        "street_number || '|' || street_key || '|' || coalesce(left(first_name_std, 1), '')",
        ("address",),
        max_block_size=25,  # one building / one site; larger blocks are streets of many cities
    ),
    BlockingRule("full_name", "full_name_sorted", ("first_name", "last_name", "full_name"), max_block_size=25),
)


@dataclass
class BlockingResult:
    """Candidate pairs and what produced (or capped) them."""

    pairs: pd.DataFrame  # rid_l, rid_r (int64, rid_l < rid_r), rules (int64 bit mask)
    rule_names: list[str]
    capped: pd.DataFrame  # rule, key, n_records: skipped exploding blocks
    rule_stats: pd.DataFrame  # rule, n_keys, n_capped_keys, n_pairs (before union)
    max_block_size: int = 200
    extra: dict = field(default_factory=dict)

    def rules_of(self, mask: int) -> list[str]:
        """The names of the rules in a bit mask."""
        return [name for i, name in enumerate(self.rule_names) if mask >> i & 1]

    def rules_column(self) -> pd.Series:
        """Each pair's producing rules as a '|' separated string."""
        masks = self.pairs["rules"].to_numpy()
        uniques, inverse = np.unique(masks, return_inverse=True)
        labels = np.array(["|".join(self.rules_of(int(m))) for m in uniques], dtype=object)
        return pd.Series(labels[inverse], index=self.pairs.index, name="rules_text")


def _connection(con: duckdb.DuckDBPyConnection | None) -> duckdb.DuckDBPyConnection:
    return con if con is not None else duckdb.connect()


def block(
    std: pd.DataFrame | str,
    rules: Sequence[BlockingRule] = DEFAULT_RULES,
    max_block_size: int = 200,
    con: duckdb.DuckDBPyConnection | None = None,
) -> BlockingResult:
    """Generate candidate pairs from the standardised table ``std`` (a DataFrame or a table name).

    Blocks (key values) with more than ``max_block_size`` records are skipped and listed in
    ``capped``. At most 64 rules (the rule set is a 64-bit mask).
    """
    if len(rules) > 63:
        raise ValueError("at most 63 blocking rules")
    con = _connection(con)
    if isinstance(std, pd.DataFrame):
        con.register("_blk_std", std)
        table = "_blk_std"
    else:
        table = std
    capped_frames, stats, selects = [], [], []
    for i, rule in enumerate(rules):
        cap = min(max_block_size, rule.max_block_size or max_block_size)
        keys = f"_blk_keys_{i}"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {keys} AS
            SELECT rid, key, count(*) OVER (PARTITION BY key) AS n
            FROM (SELECT rid, ({rule.key_sql})::VARCHAR AS key FROM {table})
            WHERE key IS NOT NULL AND key <> ''"""
        )
        capped = con.execute(
            f"""SELECT ? AS rule, key, any_value(n) AS n_records FROM {keys} WHERE n > ?
            GROUP BY key ORDER BY n_records DESC, key""",
            [rule.name, cap],
        ).df()
        capped_frames.append(capped)
        n_keys, n_pairs = con.execute(
            f"SELECT count(DISTINCT key), coalesce(sum(n - 1), 0) / 2 FROM {keys} WHERE n <= ?",
            [cap],
        ).fetchone()
        stats.append(
            {"rule": rule.name, "n_keys": int(n_keys), "n_capped_keys": len(capped), "n_pairs": int(n_pairs)}
        )
        selects.append(
            f"""SELECT a.rid AS rid_l, b.rid AS rid_r, {1 << i}::BIGINT AS bit
            FROM {keys} a JOIN {keys} b ON a.key = b.key AND a.rid < b.rid
            WHERE a.n <= {int(cap)} AND a.n > 1"""
        )
    union = "\nUNION ALL\n".join(selects)
    pairs = con.execute(
        f"""SELECT rid_l, rid_r, bit_or(bit) AS rules FROM ({union})
        GROUP BY rid_l, rid_r ORDER BY rid_l, rid_r"""
    ).df()
    for i in range(len(rules)):
        con.execute(f"DROP TABLE IF EXISTS _blk_keys_{i}")
    if isinstance(std, pd.DataFrame):
        con.unregister("_blk_std")
    pairs = pairs.astype({"rid_l": "int64", "rid_r": "int64", "rules": "int64"})
    capped = pd.concat(capped_frames, ignore_index=True) if capped_frames else pd.DataFrame()
    capped = capped.reindex(columns=["rule", "key", "n_records"])
    return BlockingResult(
        pairs=pairs,
        rule_names=[r.name for r in rules],
        capped=capped,
        rule_stats=pd.DataFrame(stats),
        max_block_size=max_block_size,
    )


def true_pair_count(cluster_ids: pd.Series | np.ndarray) -> int:
    """The number of record pairs that share a ground-truth cluster id."""
    counts = pd.Series(np.asarray(cluster_ids)).value_counts().to_numpy(dtype=np.int64)
    return int((counts * (counts - 1) // 2).sum())


def blocking_recall(pairs: pd.DataFrame, cluster_ids: pd.Series | np.ndarray) -> dict[str, float]:
    """Recall of the candidate pairs against ground truth.

    ``cluster_ids[rid]`` is the true entity of record ``rid``. Returns the number of candidate
    pairs, of true pairs, of true pairs found, the recall and the reduction ratio (share of all
    n(n-1)/2 pairs that blocking avoided comparing).
    """
    truth = np.asarray(cluster_ids)
    n = len(truth)
    n_true = true_pair_count(truth)
    left = pairs["rid_l"].to_numpy()
    right = pairs["rid_r"].to_numpy()
    found = int((truth[left] == truth[right]).sum()) if len(pairs) else 0
    all_pairs = n * (n - 1) / 2
    return {
        "n_records": n,
        "n_candidate_pairs": int(len(pairs)),
        "n_true_pairs": n_true,
        "n_true_pairs_found": found,
        "recall": found / n_true if n_true else 1.0,
        "pair_precision": found / len(pairs) if len(pairs) else 0.0,
        "reduction_ratio": 1 - len(pairs) / all_pairs if all_pairs else 0.0,
    }


def recall_by_rule(result: BlockingResult, cluster_ids: pd.Series | np.ndarray) -> pd.DataFrame:
    """Per rule: candidate pairs it produced, true pairs among them, and true pairs only it found."""
    truth = np.asarray(cluster_ids)
    masks = result.pairs["rules"].to_numpy()
    is_true = truth[result.pairs["rid_l"].to_numpy()] == truth[result.pairs["rid_r"].to_numpy()]
    n_true = true_pair_count(truth)
    rows = []
    for i, name in enumerate(result.rule_names):
        has = (masks >> i & 1).astype(bool)
        only = has & (masks == (1 << i))
        rows.append(
            {
                "rule": name,
                "n_pairs": int(has.sum()),
                "n_true_pairs": int((has & is_true).sum()),
                "recall": float((has & is_true).sum() / n_true) if n_true else 1.0,
                "n_true_pairs_only_this_rule": int((only & is_true).sum()),
            }
        )
    return pd.DataFrame(rows)
