"""``mtseq evaluate``: decode and score one trained run directory."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from mtseq.config import load_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="decode valid/test of every task of a run and write metrics.json")
    p.add_argument("--run", type=Path, required=True, help="run directory (holds train.json and model.pt)")
    p.add_argument("--config", type=Path, required=True, help="config whose `decode` section is used")
    p.add_argument("--data", type=Path, required=True, help="corpus root (data/<name>)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from mtseq.evaluate.run import evaluate_run  # heavy: imported when the command runs

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    evaluate_run(args.run, args.data, load_config(args.config)["decode"])
