"""When does a run's attention align or collapse? evaluate.attention's statistics of each checkpoint.

Training keeps its last two checkpoints, so ``--watch`` polls the run while it trains and
appends one row per new checkpoint to ``--out`` (CSV). Example (docs/results/multi30k.md):

    python benchmarks/attention_checkpoints.py --data data/multi30k_subword --watch \
        --out attn.csv results/multi30k_subword/runs/one_to_many/baseline/seed2
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import torch

from mtseq.config import read_config_file
from mtseq.evaluate.attention import KEYS, attention_stats
from mtseq.layout import Layout
from mtseq.model import build_model
from mtseq.tasks import get_task
from mtseq.train.examples import load_task, load_vocabs


def checkpoint_stats(path: Path, model, task: str, data) -> dict:
    state = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(state["model"])
    return {"update": state["update"], **attention_stats(model, task, data)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--task", default="translate_en_de")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--watch", action="store_true", help="poll until the run writes model.pt")
    args = ap.parse_args()
    torch.set_num_threads(1)
    task = get_task(args.task)
    layout = Layout(args.data)
    vocabs = load_vocabs(layout, [task.source, task.target])
    data = load_task(layout, task, "valid", vocabs)
    cfg = read_config_file(args.run / "config.yaml")["model"]
    model = build_model(cfg, [args.task], {k: len(v) for k, v in vocabs.items()})
    seen: set[str] = set()
    new_file = not args.out.exists()
    with args.out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["run", "update", *KEYS])
        if new_file:
            writer.writeheader()
        while True:
            finished = (args.run / "model.pt").exists()
            for path in sorted((args.run / "checkpoints").glob("ckpt-*.pt")):
                if path.name in seen:
                    continue
                seen.add(path.name)
                try:
                    row = checkpoint_stats(path, model, args.task, data)
                except (OSError, RuntimeError, EOFError):  # pruned or half-written: the next poll sees the next one
                    continue
                writer.writerow({"run": str(args.run), **row})
                fh.flush()
                print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
            if finished or not args.watch:
                break
            time.sleep(30)


if __name__ == "__main__":
    main()
