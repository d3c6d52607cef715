"""What changed between two published versions: segment transitions and why each person moved.

Reasons, first that applies:
- 'identity merge' / 'identity split': the customer id was created, retired or re-pointed by
  identity resolution (from `customer_id_changes` of the versions after A up to B);
- 'new person' (only in B) / 'records removed' or 'no longer segmented' (only in A);
- 'features changed': the person's `customer_features` row differs (cutoff column ignored);
- 'centroid moved': same features, but the centroid of the segment they left or joined moved;
- 'model changed': none of the above (e.g. a different number of segments or algorithm).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from python_models.publishing.registry import Warehouse

ABSENT = "(absent)"
MEMBERSHIP = "segment_membership"


@dataclass
class VersionDiff:
    version_a: str
    version_b: str
    transitions: pd.DataFrame  # segment_a, segment_b, n_customers
    movers: pd.DataFrame  # customer_id, segment_a, segment_b, reason
    n_a: int
    n_b: int

    def matrix(self) -> pd.DataFrame:
        """Rows: segment in A, columns: segment in B, cells: people."""
        if self.transitions.empty:
            return pd.DataFrame()
        return self.transitions.pivot_table(index="segment_a", columns="segment_b", values="n_customers",
                                            aggfunc="sum", fill_value=0)

    def by_segment(self) -> pd.DataFrame:
        """Per segment: who entered and who left it, by reason."""
        entered = self.movers[self.movers["segment_b"] != ABSENT].assign(segment=lambda d: d["segment_b"],
                                                                          direction="entered")
        left = self.movers[self.movers["segment_a"] != ABSENT].assign(segment=lambda d: d["segment_a"],
                                                                       direction="left")
        both = pd.concat([entered, left], ignore_index=True)
        if both.empty:
            return pd.DataFrame(columns=["segment", "direction", "reason", "n_customers"])
        return (both.groupby(["segment", "direction", "reason"]).size().rename("n_customers")
                .reset_index().sort_values(["segment", "direction", "n_customers"], ascending=[True, True, False],
                                           ignore_index=True))


def _file(warehouse: Warehouse, version_id: str, table: str) -> str | None:
    info = warehouse.read_version(version_id).get("tables", {}).get(table)
    if info is None:
        return None
    return "'" + str((warehouse.version_dir(version_id) / info["file"]).resolve()).replace("'", "''") + "'"


def _label_sql(alias: str, cols: list[str]) -> str:
    if "segment_name" in cols:
        return f"{alias}.segment_id::varchar || ' ' || coalesce({alias}.segment_name, '')"
    return f"{alias}.segment_id::varchar"


def diff_versions(warehouse_root: str | Path, ref_a: str, ref_b: str) -> VersionDiff:
    warehouse = Warehouse(Path(warehouse_root))
    a, b = warehouse.resolve(ref_a), warehouse.resolve(ref_b)
    mem_a, mem_b = _file(warehouse, a, MEMBERSHIP), _file(warehouse, b, MEMBERSHIP)
    for version_id, path in ((a, mem_a), (b, mem_b)):
        if path is None:
            raise LookupError(f"version {version_id} has no {MEMBERSHIP}: nothing to compare")
    con = duckdb.connect()
    try:
        cols_a = con.sql(f"select * from read_parquet({mem_a}) limit 0").columns
        cols_b = con.sql(f"select * from read_parquet({mem_b}) limit 0").columns
        con.execute(f"create temp view mem_a as select customer_id, {_label_sql('m', cols_a)} as segment, "
                    f"segment_id from read_parquet({mem_a}) m")
        con.execute(f"create temp view mem_b as select customer_id, {_label_sql('m', cols_b)} as segment, "
                    f"segment_id from read_parquet({mem_b}) m")
        _identity_changes_view(con, warehouse, a, b)
        _features_view(con, warehouse, a, b)
        _centroids_view(con, warehouse, a, b)
        joined = f"""
            select coalesce(x.customer_id, y.customer_id) as customer_id,
                   coalesce(x.segment, '{ABSENT}') as segment_a, coalesce(y.segment, '{ABSENT}') as segment_b,
                   x.segment_id as id_a, y.segment_id as id_b
            from mem_a x full join mem_b y using (customer_id)"""
        transitions = con.sql(f"select segment_a, segment_b, count(*) as n_customers from ({joined}) "
                              "group by all order by all").df()
        movers = con.sql(f"""
            select j.customer_id, j.segment_a, j.segment_b,
                   case
                     when ic.kind is not null then 'identity ' || ic.kind
                     when j.id_a is null then 'new person'
                     when j.id_b is null and ir.customer_id is not null then 'records removed'
                     when j.id_b is null then 'no longer segmented'
                     when fc.changed is null then 'features unknown'
                     when fc.changed then 'features changed'
                     when ca.moved or cb.moved then 'centroid moved'
                     else 'model changed'
                   end as reason
            from ({joined}) j
            left join (select customer_id, min(kind) as kind from identity_changes
                       where kind in ('merge', 'split') group by 1) ic using (customer_id)
            left join (select distinct customer_id from identity_changes where kind = 'removed') ir
                   using (customer_id)
            left join feature_changes fc using (customer_id)
            left join centroid_moves ca on ca.segment_id = j.id_a
            left join centroid_moves cb on cb.segment_id = j.id_b
            where j.segment_a is distinct from j.segment_b
            order by j.segment_a, j.segment_b, j.customer_id""").df()
        ((n_a, n_b),) = con.sql("select (select count(*) from mem_a), (select count(*) from mem_b)").fetchall()
    finally:
        con.close()
    return VersionDiff(a, b, transitions, movers, int(n_a), int(n_b))


def _identity_changes_view(con, warehouse: Warehouse, a: str, b: str) -> None:
    """customer_id, kind: every id touched by a merge, split or removal after A up to B."""
    lo, hi = sorted([a, b])
    selects = []
    for version_id in warehouse.version_ids():
        path = _file(warehouse, version_id, "customer_id_changes")
        if not (lo < version_id <= hi) or path is None:
            continue
        cols = set(con.sql(f"select * from read_parquet({path}) limit 0").columns)
        if not {"change", "from_customer_id", "to_customer_id"} <= cols:
            continue  # an unknown shape: no identity reasons rather than wrong ones
        for side in ("from_customer_id", "to_customer_id"):
            selects.append(f"select {side} as customer_id, change as kind from read_parquet({path}) "
                           f"where {side} is not null")
    body = " union all ".join(selects) or "select null::varchar as customer_id, null::varchar as kind where false"
    con.execute(f"create temp view identity_changes as {body}")


def _features_view(con, warehouse: Warehouse, a: str, b: str) -> None:
    fa, fb = _file(warehouse, a, "customer_features"), _file(warehouse, b, "customer_features")
    if fa is None or fb is None:
        con.execute("create temp view feature_changes as select null::varchar as customer_id, "
                    "null::boolean as changed where false")
        return

    def hashed(path: str) -> str:
        cols = con.sql(f"select * from read_parquet({path}) limit 0").columns
        drop = [c for c in cols if c.endswith("cutoff_at_utc")]  # the as-of date is not a change in the person
        exclude = f" exclude ({', '.join(drop)})" if drop else ""
        return f"select customer_id, hash(r) as h from (select *{exclude} from read_parquet({path})) r"

    con.execute(f"create temp view feature_changes as select customer_id, x.h is distinct from y.h as changed "
                f"from ({hashed(fa)}) x join ({hashed(fb)}) y using (customer_id)")


def _centroids_view(con, warehouse: Warehouse, a: str, b: str) -> None:
    ca, cb = _file(warehouse, a, "segment_centroids"), _file(warehouse, b, "segment_centroids")
    empty = "create temp view centroid_moves as select null::integer as segment_id, null::boolean as moved where false"
    if ca is None or cb is None:
        con.execute(empty)
        return
    if "segment_id" not in con.sql(f"select * from read_parquet({ca}) limit 0").columns:
        con.execute(empty)
        return

    def per_segment(path: str) -> str:
        # one hash per segment over all its centroid rows (a centroid may be one row per feature);
        # run ids and timestamps differ on every run without the centroid moving
        cols = con.sql(f"select * from read_parquet({path}) limit 0").columns
        ignored = [c for c in cols if c == "run_id" or c.endswith("_at_utc")]
        exclude = f" exclude ({', '.join(ignored)})" if ignored else ""
        return f"select segment_id, sum(hash(r)::hugeint) as h from (select *{exclude} from read_parquet({path})) r group by 1"

    con.execute(f"create temp view centroid_moves as select coalesce(x.segment_id, y.segment_id)::integer as "
                f"segment_id, x.h is distinct from y.h as moved from ({per_segment(ca)}) x "
                f"full join ({per_segment(cb)}) y using (segment_id)")
