#!/usr/bin/env bash
# Every CPU benchmark of benchmarks/RESULTS.md on this machine: training, decoding, the workflow.
# Usage: benchmarks/bench_all.sh [OUT_DIR] [RESULTS_MD]
#   OUT_DIR (default results/bench) gets one JSON per run; with RESULTS_MD (e.g. benchmarks/RESULTS.md)
#   every run also appends its table there, with the machine, the versions and the exact command.
# About 4 minutes on a 2-core CPU, most of it the full default training run (peak RSS). The rows on the
# generated corpus need data/synthetic: built here with `snakemake data` when its vocabularies are missing.
# Figures from a shared machine move with its load: each section records the load average at its start.
set -euo pipefail
out=${1:-results/bench}
md=${2:-}
mkdir -p "$out"
bin=${VENV_BIN:-.venv/bin}
export PATH="$bin:$PATH"
append=()
[ -n "$md" ] && append=(--append-results "$md")

if [ ! -f data/synthetic/vocab/en.txt ]; then
  snakemake --cores 2 data -q
fi

# trainer vs bare nn.LSTM loop, padding share: in-memory data, then the generated corpus with the peak RSS
# of a full default `mtseq train` run (the config's reference epochs, 10), then a multi-task mix
mtseq bench train --updates 200 --json "$out/train_inmemory.json" "${append[@]}" 2>/dev/null
mtseq bench train --data data/synthetic --updates 200 --rss-updates full \
  --json "$out/train_synthetic.json" "${append[@]}" 2>/dev/null
mtseq bench train --data data/synthetic --updates 200 --ratios parse_en=0.1 \
  --json "$out/train_synthetic_parse0.1.json" "${append[@]}" 2>/dev/null

# beam search (5, 1) and greedy against a bare greedy loop, same weights and sentences
mtseq bench decode --train-updates 300 --json "$out/decode_inmemory.json" "${append[@]}"
mtseq bench decode --data data/synthetic --train-updates 600 --json "$out/decode_synthetic.json" "${append[@]}"

# snakemake -n of 513 grid cells, a rule's per-job overhead, mtseq start-up
mtseq bench pipeline --json "$out/pipeline.json" "${append[@]}"
