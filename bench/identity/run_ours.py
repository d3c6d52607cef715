"""segmart side of the identity bench (same contract as run_splink.py), run as its own process:

    python bench/identity/run_ours.py INPUT.parquet OUT_DIR [--threshold 0.85] [--config JSON]

Writes OUT_DIR/pairs.parquet (rid_l, rid_r, match_probability), OUT_DIR/clusters.parquet (rid,
cluster_id) and OUT_DIR/run.json (timings, peak RSS, blocking statistics).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from python_models.identity import resolve  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("out_dir")
    parser.add_argument("--threshold", type=float, default=0.85)
    parser.add_argument("--config", default="{}", help="ResolutionConfig overrides as JSON")
    args = parser.parse_args(argv)
    contacts = pd.read_parquet(args.input)
    rids = contacts.pop("rid").to_numpy()
    config = {"threshold": args.threshold, **json.loads(args.config)}
    t0 = time.perf_counter()
    result = resolve(contacts, config)
    wall = time.perf_counter() - t0
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pairs = result.pairs
    pd.DataFrame({
        "rid_l": rids[pairs["rid_l"].to_numpy()],
        "rid_r": rids[pairs["rid_r"].to_numpy()],
        "match_probability": pairs["match_probability"].to_numpy(),
    }).to_parquet(out / "pairs.parquet", index=False)
    pd.DataFrame({"rid": rids[result.records["rid"].to_numpy()], "cluster_id": result.records["customer_id"]}).to_parquet(
        out / "clusters.parquet", index=False
    )
    info = {
        "system": "segmart identity",
        "timings": {**result.timings, "total": wall},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stats": result.stats,
        "blocking_rules": result.blocking.rule_stats.to_dict("records"),
        "capped_blocks": int(len(result.blocking.capped)),
    }
    (out / "run.json").write_text(json.dumps(info, indent=2, default=str))
    print(json.dumps({k: v for k, v in info.items() if k != "blocking_rules"}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
