"""From scored pairs to people: connected components with over-merge guards.

Links are the pairs whose match probability reaches the threshold, minus the pairs flagged as a
hard conflict (two different full birth dates, both present). Components are found with
``scipy.sparse.csgraph``. A component of three or more records is then rebuilt greedily: its
links are taken from the strongest to the weakest, and a link that would join two groups is
dropped when

* the merged group would exceed ``max_cluster_size`` (so an oversized component is cut at its
  weakest links),
* the groups hold conflicting hard values (A=B and B=C but A and C were born on different days),
* or, with ``min_average_link`` set, the mean match probability of all the scored pairs between
  the two groups is below it (a chain of single strong links through otherwise dissimilar
  records: average linkage over the candidate pairs).

Junk identifiers never link because standardisation nulls them before blocking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def _damerau_le1(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) != len(b):
        if abs(len(a) - len(b)) > 1:
            return False
        short, long_ = (a, b) if len(a) < len(b) else (b, a)
        return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def birth_dates_conflict(a: str | None, b: str | None) -> bool:
    """Two full birth dates (YYYYMMDD) conflict unless equal, one typo apart or day/month swapped."""
    if not a or not b or a == b:
        return False
    if a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return False
    return not _damerau_le1(a, b)


@dataclass
class ClusteringResult:
    labels: np.ndarray  # cluster label per rid (0..n_clusters-1)
    n_links: int  # links above the threshold after the hard-conflict filter
    n_conflict_links_dropped: int
    rebuilt_components: pd.DataFrame  # component, size, n_groups_after, reasons (components that were cut)

    @property
    def n_clusters(self) -> int:
        return int(self.labels.max()) + 1 if len(self.labels) else 0


class _Groups:
    """Union-find over one component's records, tracking size, hard values and scored cross pairs."""

    def __init__(self, nodes, hard: dict, conflict: Callable, scored: list[tuple[int, int, float]]):
        self.parent = {n: n for n in nodes}
        self.size = dict.fromkeys(nodes, 1)
        self.values = {n: ({hard[n]} if hard.get(n) else set()) for n in nodes}
        self.conflict = conflict
        self.cross: dict[int, dict[int, list[float]]] = {n: {} for n in nodes}
        for a, b, p in scored:
            if a == b:
                continue
            self.cross[a].setdefault(b, [0.0, 0])
            self.cross[b].setdefault(a, [0.0, 0])
            self.cross[a][b][0] += p
            self.cross[a][b][1] += 1
            self.cross[b][a][0] += p
            self.cross[b][a][1] += 1
        self.reasons: set[str] = set()

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def try_union(self, a: int, b: int, max_size: int, min_average: float | None) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.size[ra] + self.size[rb] > max_size:
            self.reasons.add("size")
            return False
        va, vb = self.values[ra], self.values[rb]
        if va and vb and any(self.conflict(x, y) for x in va for y in vb):
            self.reasons.add("hard_conflict")
            return False
        if min_average is not None:
            total, count = self.cross[ra].get(rb, (0.0, 0))
            if count and total / count < min_average:
                self.reasons.add("weak_average_link")
                return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        self.values[ra] = va | vb
        cross_a, cross_b = self.cross[ra], self.cross.pop(rb)
        cross_a.pop(rb, None)
        for other, (total, count) in cross_b.items():
            if other == ra:
                continue
            entry = cross_a.setdefault(other, [0.0, 0])
            entry[0] += total
            entry[1] += count
            back = self.cross[other]
            moved = back.pop(rb)
            entry_back = back.setdefault(ra, [0.0, 0])
            entry_back[0] += moved[0]
            entry_back[1] += moved[1]
        return True


def cluster_pairs(
    n_records: int,
    pairs: pd.DataFrame,
    threshold: float = 0.85,
    max_cluster_size: int = 50,
    hard_values: np.ndarray | pd.Series | None = None,
    conflict: Callable[[str, str], bool] = birth_dates_conflict,
    min_average_link: float | None = 0.5,
    probability_column: str = "match_probability",
    conflict_column: str | None = "hard_conflict",
) -> ClusteringResult:
    """Cluster records 0..n_records-1 from scored pairs (rid_l, rid_r, match_probability).

    ``hard_values[rid]``: the value of the hard field (a YYYYMMDD birth date) or None; two values
    for which ``conflict`` is true are never put in the same cluster. ``conflict_column``: a
    boolean column of ``pairs`` marking links to drop outright. ``min_average_link``: None keeps
    plain connected components (apart from the size and hard-value guards).
    """
    prob = pairs[probability_column].to_numpy(dtype=float)
    keep = prob >= threshold
    n_conflict = 0
    if conflict_column and conflict_column in pairs.columns:
        bad = pairs[conflict_column].fillna(False).to_numpy(dtype=bool)
        n_conflict = int((keep & bad).sum())
        keep &= ~bad
    left_all = pairs["rid_l"].to_numpy(dtype=np.int64)
    right_all = pairs["rid_r"].to_numpy(dtype=np.int64)
    left, right, link_p = left_all[keep], right_all[keep], prob[keep]
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n_records, n_records))
    _, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)
    sizes = np.bincount(labels, minlength=int(labels.max()) + 1 if len(labels) else 0)

    # components to rebuild: with average linkage every one of 3+ records that is not a clique of
    # links (in a clique every scored pair is a link, so no guard can object), else the suspicious
    if min_average_link is not None:
        n_links = np.bincount(labels[left], minlength=len(sizes))
        clique = n_links == sizes * (sizes - 1) // 2
        todo = set(np.flatnonzero((sizes >= 3) & (~clique | (sizes > max_cluster_size))).tolist())
    else:
        todo = set(np.flatnonzero(sizes > max_cluster_size).tolist())
    hard_map: dict[int, str] = {}
    if hard_values is not None:
        hard = pd.Series(np.asarray(hard_values, dtype=object))
        has = hard.notna().to_numpy()
        hard_map = {int(k): v for k, v in hard[has].items()}
        if min_average_link is None:
            distinct = pd.DataFrame({"c": labels[has], "v": hard[has].to_numpy()}).drop_duplicates()
            multi = distinct[distinct.duplicated("c", keep=False)]
            for comp, values in multi.groupby("c")["v"]:
                vals = values.tolist()
                if any(conflict(a, b) for i, a in enumerate(vals) for b in vals[i + 1:]):
                    todo.add(int(comp))
    rebuilt = []
    if todo:
        comps = np.array(sorted(todo), dtype=np.int64)
        in_todo = np.zeros(len(sizes), dtype=bool)
        in_todo[comps] = True
        node_sel = in_todo[labels]
        node_frame = pd.DataFrame({"c": labels[node_sel], "rid": np.flatnonzero(node_sel)})
        nodes_by_comp = {int(c): g.to_numpy() for c, g in node_frame.groupby("c")["rid"]}
        link_sel = in_todo[labels[left]]
        links = pd.DataFrame({"c": labels[left[link_sel]], "a": left[link_sel], "b": right[link_sel],
                              "p": link_p[link_sel]})
        # strongest first; ties broken by record ids so the result never depends on the input order
        links = links.sort_values(["c", "p", "a", "b"], ascending=[True, False, True, True], kind="stable")
        links_by_comp = {int(c): (g["a"].to_numpy(), g["b"].to_numpy()) for c, g in links.groupby("c")}
        scored_by_comp: dict[int, list] = {}
        if min_average_link is not None:
            same = (labels[left_all] == labels[right_all]) & in_todo[labels[left_all]]
            scored = pd.DataFrame({"c": labels[left_all[same]], "a": left_all[same], "b": right_all[same],
                                   "p": prob[same]})
            scored_by_comp = {int(c): list(zip(g["a"].tolist(), g["b"].tolist(), g["p"].tolist(), strict=True))
                              for c, g in scored.groupby("c")}
        next_label = int(labels.max()) + 1
        for comp in comps.tolist():
            nodes = nodes_by_comp[comp]
            groups = _Groups(nodes.tolist(), hard_map, conflict, scored_by_comp.get(comp, []))
            a_arr, b_arr = links_by_comp.get(comp, (np.array([], dtype=np.int64),) * 2)
            for a, b in zip(a_arr.tolist(), b_arr.tolist(), strict=True):
                groups.try_union(a, b, max_cluster_size, min_average_link)
            roots = np.array([groups.find(int(x)) for x in nodes])
            _, group = np.unique(roots, return_inverse=True)
            n_groups = int(group.max()) + 1
            if n_groups > 1:
                rebuilt.append({"component": comp, "size": int(sizes[comp]), "n_groups_after": n_groups,
                                "reasons": "|".join(sorted(groups.reasons))})
                labels[nodes] = np.where(group == 0, comp, next_label + group - 1)
                next_label += n_groups - 1
    _, labels = np.unique(labels, return_inverse=True)
    return ClusteringResult(
        labels=labels.astype(np.int64),
        n_links=int(keep.sum()),
        n_conflict_links_dropped=n_conflict,
        rebuilt_components=pd.DataFrame(rebuilt, columns=["component", "size", "n_groups_after", "reasons"]),
    )
