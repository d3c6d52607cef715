"""Where a `dbt build` spent its wall time: the critical path through the DAG and the idle threads.

Reads a finished build's target folder (run_results.json for each node's start/end, manifest.json
for what depends on what) and prints:
* the span from the first node's start to the last node's end, and the node-seconds inside it;
* the critical path: from the node that finished last, walk back through the dependency that
  finished last before it started (the one it actually waited for), with each node's time and the
  gap before it (the gap is thread scheduling or dbt's own work, not a dependency);
* the slowest nodes.

    .venv/bin/python bench/dbt_critical_path.py /tmp/X/target [--top 15]
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def node_spans(target: Path) -> dict[str, tuple[float, float]]:
    """unique_id -> (start, end) of the node's compile + execute (seconds since the epoch)."""
    spans = {}
    for res in json.loads((target / "run_results.json").read_text())["results"]:
        times = [(_ts(t["started_at"]), _ts(t["completed_at"])) for t in res["timing"] if t.get("started_at")]
        if times:
            spans[res["unique_id"]] = (min(s for s, _ in times), max(e for _, e in times))
    return spans


def dependencies(target: Path) -> dict[str, list[str]]:
    manifest = json.loads((target / "manifest.json").read_text())
    deps = {}
    for section in ("nodes", "sources", "unit_tests"):
        for uid, node in manifest.get(section, {}).items():
            deps[uid] = list((node.get("depends_on") or {}).get("nodes") or [])
    return deps


def critical_path(spans: dict[str, tuple[float, float]], deps: dict[str, list[str]]) -> list[str]:
    node = max(spans, key=lambda u: spans[u][1])
    path = [node]
    while True:
        start = spans[node][0]
        waited = [d for d in deps.get(node, []) if d in spans and spans[d][1] <= start + 0.05]
        if not waited:
            return path[::-1]
        node = max(waited, key=lambda d: spans[d][1])
        path.append(node)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="dbt target folder of the finished build")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    spans, deps = node_spans(args.target), dependencies(args.target)
    first = min(s for s, _ in spans.values())
    last = max(e for _, e in spans.values())
    busy = sum(e - s for s, e in spans.values())
    meta = json.loads((args.target / "run_results.json").read_text())
    print(f"{len(spans)} nodes; dbt elapsed {meta['elapsed_time']:.1f} s; first node start -> last node end "
          f"{last - first:.1f} s; {busy:.1f} node-seconds (mean {busy / (last - first):.2f} busy threads)")
    print("\ncritical path (start offset, seconds, gap since the dependency it waited for):")
    previous_end = first
    for uid in critical_path(spans, deps):
        s, e = spans[uid]
        print(f"  {s - first:6.1f} {e - s:6.1f} s  gap {s - previous_end:5.2f}  {uid}")
        previous_end = e
    print(f"\nslowest {args.top} nodes:")
    for uid in sorted(spans, key=lambda u: spans[u][0] - spans[u][1])[: args.top]:
        s, e = spans[uid]
        print(f"  {e - s:6.1f} s  start {s - first:6.1f}  {uid}")


if __name__ == "__main__":
    main()
