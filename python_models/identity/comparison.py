"""Per-field comparison levels of record pairs, computed as SQL in DuckDB.

A :class:`Comparison` turns the two sides of a pair into one small integer: ``-1`` when a side is
missing (the field says nothing), ``0`` for the strongest agreement (usually exact), then weaker
levels, the last one being "anything else". Conditions are DuckDB SQL over ``<column>_l`` and
``<column>_r`` and use its built-in ``jaro_winkler_similarity``, ``levenshtein`` and
``damerau_levenshtein`` (much faster than per-pair Python calls).

First and last names are compared crossed when that agrees better (swapped first/last names):
the right record's first and last name are exchanged for that pair and ``swapped`` is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

NULL_LEVEL = -1


@dataclass(frozen=True)
class ComparisonLevel:
    label: str
    sql: str  # condition over <col>_l / <col>_r; "TRUE" for the catch-all last level


@dataclass(frozen=True)
class Comparison:
    """One field's comparison: the null condition and the ordered agreement levels."""

    name: str
    columns: tuple[str, ...]
    null_sql: str
    levels: tuple[ComparisonLevel, ...]
    tf_column: str | None = None  # term-frequency adjustment of level 0 (exact) on this column
    conflict_from_level: int | None = None  # hard field: levels >= this (both present) forbid a link
    derived: tuple[tuple[str, str], ...] = ()  # (alias, SQL) computed once per non-null pair, used by levels

    @property
    def labels(self) -> list[str]:
        return [level.label for level in self.levels]

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    def case_sql(self) -> str:
        whens = "\n".join(f"    WHEN {lv.sql} THEN {i}" for i, lv in enumerate(self.levels[:-1]))
        return (
            f"CASE WHEN {self.null_sql} THEN {NULL_LEVEL}\n{whens}\n    ELSE {len(self.levels) - 1} END"
        )


def _null(*cols: str) -> str:
    return " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols)


def _damerau_le(col: str, k: int) -> str:
    """Damerau-Levenshtein <= k, with a cheap length pre-filter (DuckDB evaluates AND lazily)."""
    pre = f"abs(length({col}_l) - length({col}_r)) <= {k}"
    if k == 1:  # one edit cannot change both the first and the last character of a 3+ char string
        pre += f" AND (left({col}_l, 1) = left({col}_r, 1) OR right({col}_l, 1) = right({col}_r, 1))"
    return _guard(pre, f"damerau_levenshtein({col}_l, {col}_r) <= {k}")


def _guard(cheap: str, expensive: str) -> str:
    """``cheap AND expensive`` evaluating ``expensive`` only where ``cheap`` holds: DuckDB does not
    short-circuit AND inside a projection, but a CASE evaluates its THEN branch lazily."""
    return f"(CASE WHEN {cheap} THEN {expensive} ELSE FALSE END)"


def _jw(col: str, threshold: float) -> str:
    return f"jaro_winkler_similarity({col}_l, {col}_r) >= {threshold}"


def name_comparison(name: str, col: str, metaphone_col: str | None, tf: bool = True) -> Comparison:
    """exact / Damerau-Levenshtein <= 1 / JW >= 0.92 / initial / JW >= 0.85 or same metaphone / else."""
    cols = (col,) + ((metaphone_col,) if metaphone_col else ())
    phon = f" OR {metaphone_col}_l = {metaphone_col}_r" if metaphone_col else ""
    jw = f"{name}__jw"
    return Comparison(
        name=name,
        columns=cols,
        null_sql=_null(col),
        derived=((jw, f"jaro_winkler_similarity({col}_l, {col}_r)"),),
        levels=(
            ComparisonLevel("exact", f"{col}_l = {col}_r"),
            ComparisonLevel("damerau_levenshtein<=1", _damerau_le(col, 1)),
            ComparisonLevel("jaro_winkler>=0.92", f"{jw} >= 0.92"),
            ComparisonLevel(
                "initial",
                f"(length({col}_l) = 1 OR length({col}_r) = 1) AND left({col}_l, 1) = left({col}_r, 1)",
            ),
            ComparisonLevel("jaro_winkler>=0.85_or_phonetic", f"({jw} >= 0.85{phon})"),
            ComparisonLevel("else", "TRUE"),
        ),
        tf_column=col if tf else None,
    )


def full_name_comparison(tf: bool = True) -> Comparison:
    """Whole-name comparison, used when either side lacks a separate first or last name."""
    # tokens are distinct per record, so |A u B| = |A| + |B| - |A n B|
    inter = "(bit_count(full_name_bits1_l & full_name_bits1_r) + bit_count(full_name_bits2_l & full_name_bits2_r))"
    jaccard = f"{inter}::DOUBLE / greatest(full_name_n_tokens_l + full_name_n_tokens_r - {inter}, 1)"
    return Comparison(
        name="full_name",
        columns=("full_name_std", "full_name_sorted", "full_name_n_tokens", "full_name_bits1", "full_name_bits2",
                 "has_given_names"),
        null_sql=f"{_null('full_name_std')} OR (has_given_names_l AND has_given_names_r)",
        derived=(
            ("full_name__jw", "jaro_winkler_similarity(full_name_std_l, full_name_std_r)"),
            ("full_name__jaccard", jaccard),
        ),
        levels=(
            ComparisonLevel("exact", "full_name_std_l = full_name_std_r"),
            ComparisonLevel("same_tokens", "full_name_sorted_l = full_name_sorted_r"),
            ComparisonLevel("jaro_winkler>=0.92", "full_name__jw >= 0.92"),
            ComparisonLevel("token_jaccard>=0.6", "full_name__jaccard >= 0.6"),
            ComparisonLevel("jaro_winkler>=0.85", "full_name__jw >= 0.85"),
            ComparisonLevel("token_jaccard>=0.3", "full_name__jaccard >= 0.3"),
            ComparisonLevel("else", "TRUE"),
        ),
        tf_column="full_name_std" if tf else None,
    )


def email_comparison() -> Comparison:
    """exact / same local part at the same provider (hotmail.fr ~ hotmail.com) / a one-character typo
    in the local part at the same domain that is not just another number (jean.martin1 vs
    jean.martin2) / else."""
    no_digits = "regexp_replace(email_local_{s}, '[0-9]', '', 'g')"
    return Comparison(
        name="email",
        columns=("email_std", "email_local", "email_domain"),
        null_sql=_null("email_std"),
        levels=(
            ComparisonLevel("exact", "email_std_l = email_std_r"),
            ComparisonLevel(
                "same_local_part_same_provider",
                "email_local_l = email_local_r AND split_part(email_domain_l, '.', 1) = split_part(email_domain_r, '.', 1)",
            ),
            ComparisonLevel(
                "typo",
                _guard(
                    "email_domain_l = email_domain_r",
                    _guard(_damerau_le("email_local", 1), f"{no_digits.format(s='l')} <> {no_digits.format(s='r')}"),
                ),
            ),
            ComparisonLevel("else", "TRUE"),
        ),
    )


def phone_comparison(tf: bool = True) -> Comparison:
    """exact / same last 9 digits / one typo / else; term frequencies temper shared lines."""
    k = "phone_key"
    return Comparison(
        name="phone",
        columns=("phone_std", k),
        null_sql=_null(k),
        levels=(
            ComparisonLevel("exact", "phone_std_l = phone_std_r"),
            ComparisonLevel("same_last_9_digits", f"{k}_l = {k}_r"),
            ComparisonLevel(
                "damerau_levenshtein<=1",
                _guard(
                    f"abs(length({k}_l) - length({k}_r)) <= 1 AND (left({k}_l, 2) = left({k}_r, 2)"
                    f" OR right({k}_l, 2) = right({k}_r, 2))",
                    f"damerau_levenshtein({k}_l, {k}_r) <= 1",
                ),
            ),
            ComparisonLevel("else", "TRUE"),
        ),
        tf_column=k if tf else None,
    )


def birth_date_comparison() -> Comparison:
    b = "birth_str"
    swap = (
        f"(left({b}_l, 4) = left({b}_r, 4) AND substr({b}_l, 5, 2) = substr({b}_r, 7, 2)"
        f" AND substr({b}_l, 7, 2) = substr({b}_r, 5, 2))"
    )
    return Comparison(
        name="birth_date",
        columns=(b,),
        null_sql=_null(b),
        levels=(
            ComparisonLevel("exact", f"{b}_l = {b}_r"),
            ComparisonLevel("one_digit_or_transposition", f"{_guard(f'hamming({b}_l, {b}_r) <= 2', f'damerau_levenshtein({b}_l, {b}_r) <= 1')} OR {swap}"),
            ComparisonLevel("same_year_month", f"left({b}_l, 6) = left({b}_r, 6)"),
            ComparisonLevel("two_digits", _guard(f"hamming({b}_l, {b}_r) <= 4", f"damerau_levenshtein({b}_l, {b}_r) <= 2")),
            ComparisonLevel("different", "TRUE"),
        ),
        conflict_from_level=2,
    )


def address_comparison(tf: bool = True) -> Comparison:
    """Street line, judged together with the postcode (one fact, counted once).

    exact / same house number and similar street name / same street but another house number /
    similar line / same postcode but another street / else. A postcode present on both sides and
    different moves any street agreement to 'else'.
    """
    same_area = "(postcode_std_l IS NULL OR postcode_std_r IS NULL OR postcode_std_l = postcode_std_r)"
    return Comparison(
        name="address",
        columns=("street_std", "street_number", "street_name", "postcode_std"),
        null_sql=_null("street_std"),
        derived=(
            ("address__name_jw", "jaro_winkler_similarity(street_name_l, street_name_r)"),
            ("address__jw", "jaro_winkler_similarity(street_std_l, street_std_r)"),
        ),
        levels=(
            ComparisonLevel("exact", f"street_std_l = street_std_r AND {same_area}"),
            ComparisonLevel(
                "same_number_similar_street",
                f"street_number_l = street_number_r AND address__name_jw >= 0.88 AND {same_area}",
            ),
            ComparisonLevel(
                "same_street_other_number",
                "street_number_l IS NOT NULL AND street_number_r IS NOT NULL AND street_number_l <> street_number_r"
                f" AND address__name_jw >= 0.88 AND {same_area}",
            ),
            ComparisonLevel("similar", f"address__jw >= 0.92 AND {same_area}"),
            ComparisonLevel("same_postcode_other_street", "postcode_std_l = postcode_std_r"),
            ComparisonLevel("else", "TRUE"),
        ),
        tf_column="street_std" if tf else None,
    )


def locality_comparison(tf: bool = True) -> Comparison:
    """Postcode / city, used only when a side has no street (else the address comparison covers it)."""
    return Comparison(
        name="locality",
        columns=("postcode_std", "city_std", "street_std"),
        null_sql="(street_std_l IS NOT NULL AND street_std_r IS NOT NULL)"
        " OR ((postcode_std_l IS NULL OR postcode_std_r IS NULL) AND (city_std_l IS NULL OR city_std_r IS NULL))",
        levels=(
            ComparisonLevel("same_postcode", "postcode_std_l = postcode_std_r"),
            ComparisonLevel(
                "same_city_or_postcode_area",
                "(left(postcode_std_l, 3) = left(postcode_std_r, 3)"
                " OR jaro_winkler_similarity(city_std_l, city_std_r) >= 0.9) IS TRUE",
            ),
            ComparisonLevel("else", "TRUE"),
        ),
        tf_column="postcode_std" if tf else None,
    )


def gender_comparison() -> Comparison:
    return Comparison(
        name="gender",
        columns=("gender_std",),
        null_sql=_null("gender_std"),
        levels=(ComparisonLevel("exact", "gender_std_l = gender_std_r"), ComparisonLevel("else", "TRUE")),
    )


def default_comparisons(tf: bool = True) -> list[Comparison]:
    """The default comparison set over the columns of ``standardise_contacts``."""
    return [
        name_comparison("first_name", "first_name_std", "first_name_metaphone", tf=tf),
        name_comparison("last_name", "last_name_std", "last_name_metaphone", tf=tf),
        full_name_comparison(tf=tf),
        email_comparison(),
        phone_comparison(tf=tf),
        birth_date_comparison(),
        address_comparison(tf=tf),
        locality_comparison(tf=tf),
        gender_comparison(),
    ]


SWAP_COLUMNS = ("first_name_std", "last_name_std", "first_name_metaphone", "last_name_metaphone")


def _needed_columns(comparisons: Sequence[Comparison]) -> list[str]:
    cols: list[str] = []
    for comp in comparisons:
        for col in comp.columns:
            if col not in cols:
                cols.append(col)
    return cols


def prepare_comparison_table(
    std: pd.DataFrame,
    comparisons: Sequence[Comparison],
    con: duckdb.DuckDBPyConnection,
    table: str = "_cmp_std",
) -> str:
    """Materialise the columns the comparisons need (plus term frequencies) as a DuckDB table."""
    cols = _needed_columns(comparisons)
    for col in SWAP_COLUMNS:
        if col in std.columns and col not in cols:
            cols.append(col)
    con.register("_cmp_src", std[["rid", *cols]])
    tf_cols = sorted({c.tf_column for c in comparisons if c.tf_column})
    tf_sql = "".join(
        f",\n CASE WHEN {c} IS NOT NULL THEN count(*) OVER (PARTITION BY {c})::DOUBLE"
        f" / count({c}) OVER () END AS tf_{c}"
        for c in tf_cols
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT *{tf_sql} FROM _cmp_src ORDER BY rid")
    con.unregister("_cmp_src")
    return table


def comparison_sql(comparisons: Sequence[Comparison], std_table: str, pairs_table: str, cols: list[str],
                   carry: Sequence[str] = ()) -> str:
    """SQL computing the level of every comparison for every pair of ``pairs_table``."""
    tf_cols = sorted({c.tf_column for c in comparisons if c.tf_column})
    side_cols = list(dict.fromkeys([*cols, *(f"tf_{c}" for c in tf_cols)]))
    select_l = ", ".join(f"l.{c} AS {c}_l" for c in side_cols)
    select_r = ", ".join(f"r.{c} AS {c}_r" for c in side_cols)
    can_swap = all(c in cols for c in ("first_name_std", "last_name_std"))
    if can_swap:
        swap_cheap = (
            "first_name_std_l IS NOT NULL AND last_name_std_l IS NOT NULL AND first_name_std_r IS NOT NULL"
            " AND last_name_std_r IS NOT NULL AND first_name_std_l <> first_name_std_r AND"
            " (left(first_name_std_l, 1) = left(last_name_std_r, 1) OR left(last_name_std_l, 1) = left(first_name_std_r, 1))"
        )
        swap_cond = _guard(
            swap_cheap,
            "jaro_winkler_similarity(first_name_std_l, last_name_std_r)"
            " + jaro_winkler_similarity(last_name_std_l, first_name_std_r) >"
            " jaro_winkler_similarity(first_name_std_l, first_name_std_r)"
            " + jaro_winkler_similarity(last_name_std_l, last_name_std_r) + 0.2",
        )
        swap_pairs = [("first_name_std", "last_name_std"), ("first_name_metaphone", "last_name_metaphone")]
        replaces = []
        for a, b in swap_pairs:
            if a in side_cols and b in side_cols:
                replaces.append(f"CASE WHEN swapped THEN {b}_r ELSE {a}_r END AS {a}_r")
                replaces.append(f"CASE WHEN swapped THEN {a}_r ELSE {b}_r END AS {b}_r")
        for a, b in [("tf_first_name_std", "tf_last_name_std")]:
            if a in side_cols and b in side_cols:
                replaces.append(f"CASE WHEN swapped THEN {b}_r ELSE {a}_r END AS {a}_r")
                replaces.append(f"CASE WHEN swapped THEN {a}_r ELSE {b}_r END AS {b}_r")
        swap_select = f"SELECT * REPLACE ({', '.join(replaces)}) FROM (SELECT *, {swap_cond} AS swapped FROM p)"
    else:
        swap_select = "SELECT *, FALSE AS swapped FROM p"
    derived = [
        f"CASE WHEN {c.null_sql} THEN NULL ELSE {expr} END AS {alias}" for c in comparisons for alias, expr in c.derived
    ]
    derived_sql = f"SELECT *, {', '.join(derived)} FROM s0" if derived else "SELECT * FROM s0"
    levels = ",\n".join(f"({c.case_sql()})::TINYINT AS \"{c.name}\"" for c in comparisons)
    tfs = "".join(
        f",\n CASE WHEN \"{c.name}\" = 0 THEN greatest(tf_{c.tf_column}_l, tf_{c.tf_column}_r)::FLOAT END"
        f" AS \"tf_{c.name}\""
        for c in comparisons
        if c.tf_column
    )
    return f"""
    WITH p AS (
        SELECT pr.rid_l, pr.rid_r, {"".join(f"pr.{c}, " for c in carry)}{select_l}, {select_r}
        FROM {pairs_table} pr
        JOIN {std_table} l ON l.rid = pr.rid_l
        JOIN {std_table} r ON r.rid = pr.rid_r
    ), s0 AS ({swap_select}),
    s AS ({derived_sql}),
    lv AS (SELECT rid_l, rid_r, swapped, {levels}, * EXCLUDE (rid_l, rid_r, swapped) FROM s)
    SELECT rid_l, rid_r, {"".join(f"{c}, " for c in carry)}swapped,
        {", ".join(f'"{c.name}"' for c in comparisons)}{tfs}
    FROM lv
    """


def compare_pairs(
    std: pd.DataFrame,
    pairs: pd.DataFrame,
    comparisons: Sequence[Comparison] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    std_table: str | None = None,
    carry: Sequence[str] = (),
    order: bool = True,
) -> pd.DataFrame:
    """Comparison vectors of ``pairs`` (rid_l, rid_r): one int8 level column per comparison.

    ``carry``: columns of ``pairs`` passed through (e.g. the blocking rule mask); ``order``: sort
    the output by (rid_l, rid_r) (skip it for speed when order does not matter).

    Adds ``swapped`` (first/last names compared crossed) and ``tf_<comparison>`` (the term frequency
    of the agreed value, on exact agreements of term-frequency-adjusted comparisons).
    """
    comparisons = list(comparisons or default_comparisons())
    con = con if con is not None else duckdb.connect()
    own_table = std_table is None
    if own_table:
        std_table = prepare_comparison_table(std, comparisons, con)
    available = set(con.execute(f"SELECT * FROM {std_table} LIMIT 0").df().columns)
    cols = _needed_columns(comparisons)
    if {"first_name_std", "last_name_std"} & set(cols):
        cols += [c for c in SWAP_COLUMNS if c in available and c not in cols]
    carry = [c for c in carry if c in pairs.columns and c not in {"rid_l", "rid_r"}]
    con.register("_cmp_pairs_df", pairs[["rid_l", "rid_r", *carry]])
    con.execute("CREATE OR REPLACE TEMP TABLE _cmp_pairs AS SELECT * FROM _cmp_pairs_df")
    con.unregister("_cmp_pairs_df")
    sql = comparison_sql(comparisons, std_table, "_cmp_pairs", cols, carry)
    if order:
        sql += " ORDER BY rid_l, rid_r"
    out = con.execute(sql).df()
    con.execute("DROP TABLE IF EXISTS _cmp_pairs")
    if own_table:
        con.execute(f"DROP TABLE IF EXISTS {std_table}")
    for comp in comparisons:
        out[comp.name] = out[comp.name].astype(np.int8)
    return out


def random_pairs(n_records: int, n_pairs: int, seed: int = 0) -> pd.DataFrame:
    """Uniformly drawn distinct record pairs (rid_l < rid_r), for estimating u probabilities."""
    if n_records < 2:
        return pd.DataFrame({"rid_l": np.array([], dtype=np.int64), "rid_r": np.array([], dtype=np.int64)})
    total = n_records * (n_records - 1) // 2
    n_pairs = int(min(n_pairs, total))
    rng = np.random.default_rng(seed)
    if total <= 4 * n_pairs:
        left, right = np.triu_indices(n_records, k=1)
        pick = rng.choice(len(left), size=n_pairs, replace=False)
        return pd.DataFrame({"rid_l": left[pick].astype(np.int64), "rid_r": right[pick].astype(np.int64)})
    a = rng.integers(0, n_records, size=int(n_pairs * 1.2) + 10)
    b = rng.integers(0, n_records, size=len(a))
    keep = a != b
    left, right = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    df = pd.DataFrame({"rid_l": left.astype(np.int64), "rid_r": right.astype(np.int64)}).drop_duplicates()
    return df.head(n_pairs).reset_index(drop=True)


def level_labels(comparisons: Sequence[Comparison]) -> dict[str, list[str]]:
    """{comparison name: [level labels]} (level -1 is 'null')."""
    return {c.name: c.labels for c in comparisons}
