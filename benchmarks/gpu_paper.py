"""The paper-size model on a GPU: mtseq's trainer vs a bare nn.LSTM loop, both in bf16 autocast.

Usage (on the GPU machine, repo root): PYTHONPATH=src python3 benchmarks/gpu_paper.py OUT_DIR
Paper sizes (Luong et al. 2016): 4 x 1000 LSTM, 1000-dim embeddings, 50K vocabulary, batch 128;
random sentences of 8-30 tokens (WMT-like lengths). Writes OUT_DIR/gpu_paper.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mtseq.bench.train import bench_train, format_report

PAPER = {
    "model": {"layers": 4, "hidden": 1000, "embed": 1000, "dropout": 0.2, "attention": False},
    "train": {
        "batch_size": 128,
        "optimizer": "sgd",
        "lr": 0.7,
        "clip_norm": 5.0,
        "bf16": True,
        "device": "cuda",
        "checkpoint_every": 100000,
        "max_len": 50,
    },
}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    gpu = subprocess.run(
        ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    results = {"gpu": gpu, "runs": {}}
    for name, ratios in (("translate", None), ("translate+parse0.1", {"parse_en": 0.1})):
        r = bench_train(PAPER, ratios=ratios, updates=300, vocab=50000, examples=6000, progress=False)
        results["runs"][name] = r
        print(f"== {name} on {gpu}\n{format_report(r)}", flush=True)
    (out / "gpu_paper.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/out"))
