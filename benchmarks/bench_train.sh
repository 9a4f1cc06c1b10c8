#!/usr/bin/env bash
# Trainer throughput, overhead and padding on this machine's CPU (benchmarks/RESULTS.md).
# Usage: benchmarks/bench_train.sh [OUT_DIR]   (about 1 minute on a 2-core CPU)
# benchmarks/bench_all.sh runs these with the decoding and workflow benchmarks.
set -euo pipefail
out=${1:-results/bench}
mkdir -p "$out"
py=${PYTHON:-.venv/bin/python}
# the default model (config/config.yaml: 1 x 192 LSTMs, embed 128, Adam, batch 32) on in-memory data, 1 thread
$py -m mtseq.cli bench train --updates 200 --json "$out/cpu_default_1thread.json" 2>/dev/null
# the same on both cores
$py -m mtseq.cli bench train --updates 200 --threads 2 --json "$out/cpu_default_2threads.json" 2>/dev/null
# multi-task draws (one_to_many with parsing at 0.1 and autoencoding at 0.1)
$py -m mtseq.cli bench train --updates 200 --ratios parse_en=0.1,autoencode_en=0.1 \
  --json "$out/cpu_default_multitask.json" 2>/dev/null
# the generated default corpus, when it has been built (snakemake data): its real vocabularies and lengths
if [ -f data/synthetic/vocab/en.txt ]; then
  $py -m mtseq.cli bench train --data data/synthetic --updates 200 --json "$out/cpu_synthetic_corpus.json" 2>/dev/null
  $py -m mtseq.cli bench train --data data/synthetic --updates 200 --ratios parse_en=0.1 \
    --json "$out/cpu_synthetic_corpus_parse0.1.json" 2>/dev/null
fi
