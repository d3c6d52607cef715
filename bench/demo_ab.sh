#!/usr/bin/env bash
# One demo refresh from nothing in a clone, for side-by-side comparisons of two commits on the same
# (possibly noisy) box: run it alternately on two clones, e.g. A B A B.
#   bench/demo_ab.sh <clone dir> [python with segmart's dependencies, default .venv/bin/python of this repo]
# Empties the clone's lake, dbt target and warehouse, runs `python -m flows.cli demo` there (the
# clone's code: -m puts the clone first on the path) and prints the commit, the refresh's timings
# and dbt's node-seconds (bench/dbt_critical_path.py).
set -euo pipefail
clone=$(cd "$1" && pwd)
python=${2:-$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python}
cd "$clone"
rm -rf lake dbt_project/target dbt_project/logs
find warehouse -mindepth 1 -maxdepth 1 ! -name .gitkeep -exec rm -rf {} +
export PREFECT_HOME="$clone/.prefect-demo-ab"
log="$clone/demo_ab.log"
start=$(date +%s.%N)
"$python" -m flows.cli demo > "$log" 2>&1
end=$(date +%s.%N)
echo "$(git log --oneline -1 | cut -c1-7) demo $(echo "$end - $start" | bc) s | $(grep -E 'refresh \(Prefect flow\): done' "$log") | $(grep '^timings' "$log") | $("$python" bench/dbt_critical_path.py dbt_project/target | head -1)"
