"""``mtseq evaluate``: decode and score one trained run directory."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from mtseq.config import load_section


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="decode valid/test of every task of a run and write metrics.json")
    p.add_argument("--run", type=Path, required=True, help="run directory (holds train.json and model.pt)")
    p.add_argument("--config", type=Path, required=True, help="config whose `decode` section is used")
    p.add_argument("--data", type=Path, required=True, help="corpus root (data/<name>)")
    p.add_argument(
        "--status-fd",
        type=int,
        default=None,
        metavar="FD",
        help="write one line with the reference task's test scores to this open file descriptor when done",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from mtseq.progress import status_writer

    status = status_writer(args.status_fd)
    from mtseq.evaluate.run import evaluate_run, headline  # heavy: imported when the command runs

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    metrics = evaluate_run(args.run, args.data, load_section(args.config, "decode"))
    if status is not None:
        name = f"{metrics['setting']}/{metrics['cell']}/seed{metrics['seed']}"
        reference = json.loads((args.run / "train.json").read_text(encoding="utf-8"))["reference"]
        status(f"mtseq: evaluate {name}: {headline(metrics, reference)} ({metrics['eval_time_s']:.0f} s)")
