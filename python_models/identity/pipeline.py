"""``resolve``: staged contacts in, customer ids, golden records and diagnostics out.

standardise -> block (DuckDB joins) -> compare (DuckDB SQL) -> score (Fellegi-Sunter by EM, or a
classifier when labels are given) -> cluster with guards -> stable ids -> golden records.
"""

from __future__ import annotations

import resource
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from python_models.identity.blocking import DEFAULT_RULES, BlockingResult, BlockingRule, block
from python_models.identity.clustering import ClusteringResult, cluster_pairs
from python_models.identity.comparison import (
    Comparison,
    compare_pairs,
    default_comparisons,
    level_labels,
    prepare_comparison_table,
    random_pairs,
)
from python_models.identity.fellegi_sunter import ClassifierScorer, FellegiSunterModel
from python_models.identity.golden_record import (
    DEFAULT_FIELD_RULES,
    FieldRule,
    SurvivorshipConfig,
    build_golden_records,
)
from python_models.identity.stable_ids import assign_stable_ids
from python_models.identity.standardise import StandardiseReport, load_nicknames, standardise_contacts


@dataclass
class ResolutionConfig:
    """Settings of :func:`resolve` (every field has a default; ``from_dict`` accepts a subset)."""

    threshold: float = 0.85  # on the match probability
    max_block_size: int = 200  # blocking keys held by more records are skipped (exploding blocks)
    max_shared_identifier: int = 50  # an e-mail/phone on more records is junk (never blocks nor links)
    max_cluster_size: int = 50  # larger components are split by dropping their weakest links
    min_average_link: float | None = 0.5  # merge two groups only if their scored pairs average this (None: off)
    blocking_rules: Sequence[BlockingRule] = DEFAULT_RULES
    comparisons: Sequence[Comparison] | None = None  # None: default_comparisons(term_frequency_adjustment)
    term_frequency_adjustment: bool = True
    u_random_pairs: int = 300_000  # random pairs drawn to estimate u
    training: str = "sessions"  # "sessions": m by EM per blocking rule, u from random pairs (Splink's
    # scheme), prior over all pairs; "candidates": m, u and prior by EM on all candidate pairs
    fix_u: bool = False  # training="candidates" only: keep u at its random-pair estimate
    em_max_iter: int = 100
    scorer: str = "fellegi_sunter"  # or "classifier" (needs labels)
    hard_conflicts: bool = True  # conflicting hard fields (birth dates) break links
    source_priority: Sequence[str] = ()
    survivorship_rules: Sequence[FieldRule] = DEFAULT_FIELD_RULES
    nicknames_path: str | None = None
    nicknames: Mapping[str, str] | None = None  # a ready table (nickname_table()); wins over nicknames_path
    seed: int = 0
    duckdb_threads: int | None = None
    duckdb_memory_limit: str | None = "4GB"  # DuckDB spills beyond this (peak memory stays bounded)
    compare_chunk_pairs: int = 5_000_000  # candidate pairs compared per DuckDB query

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> ResolutionConfig:
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown identity-resolution settings: {sorted(unknown)}")
        if "blocking_rules" in values:
            values["blocking_rules"] = tuple(
                r if isinstance(r, BlockingRule) else BlockingRule(**r) for r in values["blocking_rules"]
            )
        if "survivorship_rules" in values:
            values["survivorship_rules"] = tuple(
                r if isinstance(r, FieldRule) else FieldRule(r["name"], tuple(r["columns"]), r.get("strategy", "most_recent"))
                for r in values["survivorship_rules"]
            )
        return cls(**values)


@dataclass
class ResolutionResult:
    records: pd.DataFrame  # rid, source_system, source_record_id, cluster, customer_id
    pairs: pd.DataFrame  # scored candidate pairs
    clusters: pd.DataFrame  # customer_id, n_records, source_systems
    golden: pd.DataFrame
    lineage: pd.DataFrame
    id_changes: pd.DataFrame
    record_id_changes: pd.DataFrame
    standardised: pd.DataFrame
    blocking: BlockingResult
    clustering: ClusteringResult
    model: Any
    model_parameters: pd.DataFrame
    junk_report: pd.DataFrame
    stats: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    def blocking_stats(self) -> pd.DataFrame:
        return self.blocking.rule_stats


def _coerce_config(config: ResolutionConfig | Mapping[str, Any] | None) -> ResolutionConfig:
    if config is None:
        return ResolutionConfig()
    if isinstance(config, ResolutionConfig):
        return config
    return ResolutionConfig.from_dict(config)


def _labels_to_rids(labels: pd.DataFrame, std: pd.DataFrame) -> pd.DataFrame:
    """left_record/right_record ('source:id') + label -> rid_l, rid_r (ordered), label."""
    keys = pd.Series(std["rid"].to_numpy(), index=std["source_system"] + ":" + std["source_record_id"])
    keys = keys[~keys.index.duplicated()]
    a = labels["left_record"].map(keys)
    b = labels["right_record"].map(keys)
    ok = a.notna() & b.notna() & labels["label"].notna()
    a, b = a[ok].astype(np.int64).to_numpy(), b[ok].astype(np.int64).to_numpy()
    return pd.DataFrame({"rid_l": np.minimum(a, b), "rid_r": np.maximum(a, b),
                         "label": labels.loc[ok, "label"].astype(int).to_numpy()})


def resolve(
    contacts: pd.DataFrame,
    config: ResolutionConfig | Mapping[str, Any] | None = None,
    previous_ids: pd.DataFrame | None = None,
    labels: pd.DataFrame | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> ResolutionResult:
    """Resolve staged contacts into people.

    ``contacts``: the staged contact columns (source_system, source_record_id, first_name,
    last_name, full_name, email, phone, phone_raw, street, postcode, city, country_code,
    birth_date, gender, marketing_consent, unsubscribed, updated_at; missing columns are null).
    ``previous_ids``: the previous run's source_system, source_record_id, customer_id (stable ids).
    ``labels``: reviewed pairs (left_record, right_record, label) for the classifier scorer.
    """
    cfg = _coerce_config(config)
    timings: dict[str, float] = {}
    memory: dict[str, float] = {}  # peak RSS (MB) of the process at the end of each stage
    t0 = time.perf_counter()
    own_con = con is None
    con = con if con is not None else duckdb.connect()
    if cfg.duckdb_threads:
        con.execute(f"SET threads = {int(cfg.duckdb_threads)}")
    if cfg.duckdb_memory_limit:
        con.execute(f"SET memory_limit = '{cfg.duckdb_memory_limit}'")
    tmp_dir = tempfile.TemporaryDirectory(prefix="segmart-identity-") if own_con else None
    if tmp_dir is not None:  # DuckDB may spill large joins/aggregations there (never in the cwd)
        con.execute(f"SET temp_directory = '{tmp_dir.name}'")
        con.execute("SET preserve_insertion_order = false")
    contacts = contacts.reset_index(drop=True)

    # 1. standardise
    nicknames = dict(cfg.nicknames) if cfg.nicknames is not None else (
        load_nicknames(cfg.nicknames_path) if cfg.nicknames_path else None)
    std, report = standardise_contacts(contacts, nicknames=nicknames, max_shared_identifier=cfg.max_shared_identifier)
    timings["standardise"] = time.perf_counter() - t0
    memory["standardise"] = _peak_rss_mb()

    # 2. block
    t = time.perf_counter()
    comparisons = list(cfg.comparisons or default_comparisons(tf=cfg.term_frequency_adjustment))
    std_cols = [c for c in std.columns if c not in {"birth_date"}]
    con.register("_std_df", std[std_cols])
    con.execute("CREATE OR REPLACE TEMP TABLE identity_std AS SELECT * FROM _std_df")
    con.unregister("_std_df")
    blocking = block("identity_std", cfg.blocking_rules, cfg.max_block_size, con=con)
    con.execute("DROP TABLE IF EXISTS identity_std")
    timings["block"] = time.perf_counter() - t
    memory["block"] = _peak_rss_mb()

    # 3. compare
    t = time.perf_counter()
    table = prepare_comparison_table(std, comparisons, con, table="identity_cmp")
    chunks = [
        compare_pairs(std, blocking.pairs.iloc[i:i + cfg.compare_chunk_pairs], comparisons, con=con,
                      std_table=table, carry=["rules"], order=False)
        for i in range(0, max(len(blocking.pairs), 1), cfg.compare_chunk_pairs)
    ]
    pairs = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    del chunks
    names = [c.name for c in comparisons]
    timings["compare"] = time.perf_counter() - t
    memory["compare"] = _peak_rss_mb()

    # 4. score
    t = time.perf_counter()
    n_levels = {c.name: c.n_levels for c in comparisons}
    tf_columns = {c.name: f"tf_{c.name}" for c in comparisons if c.tf_column}
    if cfg.scorer == "classifier":
        if labels is None or not len(labels):
            raise ValueError("scorer='classifier' needs labelled pairs")
        lab = _labels_to_rids(labels, std)
        train = compare_pairs(std, lab, comparisons, con=con, std_table=table).merge(lab, on=["rid_l", "rid_r"])
        model: Any = ClassifierScorer(comparisons=names).fit(train, train["label"].to_numpy())
        params = pd.DataFrame()
    elif cfg.scorer == "fellegi_sunter":
        rnd = random_pairs(len(std), cfg.u_random_pairs, seed=cfg.seed)
        u_levels = compare_pairs(std, rnd, comparisons, con=con, std_table=table, order=False) if len(rnd) else None
        model = FellegiSunterModel(comparisons=names, n_levels=n_levels, fix_u=cfg.fix_u,
                                   max_iter=cfg.em_max_iter, tf_columns=tf_columns)
        if cfg.training == "sessions":
            masks = pairs["rules"].to_numpy()
            sessions = [((masks >> i & 1).astype(bool), rule.comparisons)
                        for i, rule in enumerate(cfg.blocking_rules)]
            n_all = len(std) * (len(std) - 1) / 2
            model.fit(pairs, u_levels=u_levels, sessions=sessions, n_total_pairs=n_all)
        elif cfg.training == "candidates":
            model.fit(pairs, u_levels=u_levels)
        else:
            raise ValueError(f"unknown training {cfg.training!r}")
        params = model.parameters_frame(level_labels(comparisons))
    else:
        raise ValueError(f"unknown scorer {cfg.scorer!r}")
    if len(pairs):
        pairs["match_weight"] = model.match_weight(pairs)
        pairs["match_probability"] = model.predict_proba(pairs)[:, 1]
    else:
        pairs["match_weight"] = pd.Series(dtype=float)
        pairs["match_probability"] = pd.Series(dtype=float)
    conflict = np.zeros(len(pairs), dtype=bool)
    if cfg.hard_conflicts:
        for comp in comparisons:
            if comp.conflict_from_level is not None:
                conflict |= pairs[comp.name].to_numpy() >= comp.conflict_from_level
    pairs["hard_conflict"] = conflict
    timings["score"] = time.perf_counter() - t
    memory["score"] = _peak_rss_mb()

    # 5. cluster
    t = time.perf_counter()
    hard_values = std["birth_str"].to_numpy(dtype=object) if cfg.hard_conflicts else None
    clustering = cluster_pairs(len(std), pairs, threshold=cfg.threshold, max_cluster_size=cfg.max_cluster_size,
                               hard_values=hard_values, min_average_link=cfg.min_average_link)
    timings["cluster"] = time.perf_counter() - t
    memory["cluster"] = _peak_rss_mb()

    # 6. stable ids
    t = time.perf_counter()
    rec = std[["rid", "source_system", "source_record_id"]].copy()
    rec["cluster"] = clustering.labels
    if "updated_at" in contacts.columns:
        rec["updated_at"] = contacts["updated_at"].to_numpy()
    if "created_at" in contacts.columns:
        rec["created_at"] = contacts["created_at"].to_numpy()
    ids = assign_stable_ids(rec, previous_ids)
    rec["customer_id"] = ids.assignments["customer_id"].to_numpy()
    timings["stable_ids"] = time.perf_counter() - t
    memory["stable_ids"] = _peak_rss_mb()

    # 7. golden records
    t = time.perf_counter()
    with_ids = contacts.assign(  # copy-on-write: the contact columns are shared, not copied
        source_system=std["source_system"].to_numpy(),
        source_record_id=std["source_record_id"].to_numpy(),
        customer_id=rec["customer_id"].to_numpy(),
    )
    golden, lineage = build_golden_records(
        with_ids, SurvivorshipConfig(rules=cfg.survivorship_rules, source_priority=list(cfg.source_priority))
    )
    timings["golden"] = time.perf_counter() - t
    memory["golden"] = _peak_rss_mb()

    # record keys and rule names as categoricals: one int32 code per pair, the strings stored once
    keys = pd.Index(std["source_system"] + ":" + std["source_record_id"])
    for pos, side in ((2, "rid_l"), (3, "rid_r")):
        codes = pairs[side].to_numpy()
        column = pd.Categorical.from_codes(codes, categories=keys) if keys.is_unique else keys.to_numpy()[codes]
        pairs.insert(pos, "left_record" if side == "rid_l" else "right_record", column)
    masks = pairs["rules"].to_numpy()
    uniq, inv = np.unique(masks, return_inverse=True)
    names = ["|".join(blocking.rules_of(int(m))) for m in uniq]
    pairs["blocking_rules"] = pd.Categorical.from_codes(inv.astype(np.int32), categories=pd.Index(names))
    clusters = golden[["customer_id", "n_records", "source_systems"]].copy()
    con.execute("DROP TABLE IF EXISTS identity_std")
    con.execute("DROP TABLE IF EXISTS identity_cmp")
    if own_con:
        con.close()
        tmp_dir.cleanup()
    timings["total"] = time.perf_counter() - t0
    memory["total"] = _peak_rss_mb()
    stats = {
        "n_records": int(len(std)),
        "n_candidate_pairs": int(len(pairs)),
        "n_links": clustering.n_links,
        "n_conflict_links_dropped": clustering.n_conflict_links_dropped,
        "n_components_rebuilt": int(len(clustering.rebuilt_components)),
        "n_customers": int(len(golden)),
        "n_capped_blocks": int(len(blocking.capped)),
        **{f"ids_{k}": v for k, v in ids.summary.items()},
        "peak_rss_mb_by_stage": memory,
    }
    if isinstance(model, FellegiSunterModel):
        stats.update({"em_iterations": model.trace_.n_iter, "em_converged": model.trace_.converged,
                      "em_lambda": model.lambda_})
    return ResolutionResult(
        records=rec[["rid", "source_system", "source_record_id", "cluster", "customer_id"]],
        pairs=pairs,
        clusters=clusters,
        golden=golden,
        lineage=lineage,
        id_changes=ids.changes,
        record_id_changes=ids.record_changes,
        standardised=std,
        blocking=blocking,
        clustering=clustering,
        model=model,
        model_parameters=params,
        junk_report=_junk_frame(report),
        stats=stats,
        timings=timings,
    )


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _junk_frame(report: StandardiseReport) -> pd.DataFrame:
    return report.as_frame()


def with_overrides(config: ResolutionConfig, **overrides: Any) -> ResolutionConfig:
    """A copy of ``config`` with some settings changed."""
    return replace(config, **overrides)
