#!/usr/bin/env bash
# Does a change leave the numbers alone? Runs the tiny grid (tests/configs/tiny.yaml) at each
# revision given, each in its own worktree under a temporary folder, and compares every column of
# results/summary.csv but the wall time with the first revision's.
#   benchmarks/same_results.sh e4de68e 4fce738 HEAD      (about 1.5 minutes per revision on 2 cores)
# Run in the venv of README's Quick start; a revision's code is imported from its worktree.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 REV REV [REV ...]" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'for d in "$tmp"/*/; do git -C "$repo" worktree remove --force "$d" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
for rev in "$@"; do
  d="$tmp/$(git -C "$repo" rev-parse --short "$rev")"
  git -C "$repo" worktree add -q --detach "$d" "$rev"
  (cd "$d" && PYTHONPATH="$d/src" snakemake --cores 2 --configfile=tests/configs/tiny.yaml -- results/summary.csv \
    > "$d.log" 2>&1) || { echo "$rev: the tiny grid failed, see $d.log" >&2; trap - EXIT; exit 1; }
  echo "$rev: $d/results/summary.csv"
done
python - "$tmp" "$@" <<'PY'
import subprocess, sys
import pandas as pd
tmp, revs = sys.argv[1], sys.argv[2:]
short = [subprocess.run(["git", "rev-parse", "--short", r], capture_output=True, text=True).stdout.strip() for r in revs]
tables = [pd.read_csv(f"{tmp}/{s}/results/summary.csv") for s in short]
first = tables[0]
cols = [c for c in first.columns if c != "wall_time_s"]
for rev, t in zip(revs[1:], tables[1:]):
    same = list(t.columns) == list(first.columns) and t[cols].equals(first[cols])
    print(f"{revs[0]} vs {rev}: {len(first)} rows x {len(cols)} columns (all but wall_time_s) {'equal' if same else 'DIFFER'}")
PY
