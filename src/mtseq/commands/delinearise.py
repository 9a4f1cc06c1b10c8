"""``mtseq delinearise``: decoder bracket sequences → one repaired tree a line."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("delinearise", help="turn bracket sequences back into trees, repairing malformed ones")
    p.add_argument("--lin", type=Path, required=True, help="bracket sequences, one a line (decoder output)")
    p.add_argument("--tokens", type=Path, required=True, help="the source sentences, aligned with --lin")
    p.add_argument("--out", type=Path, required=True, help="out: one-line PTB trees")
    p.add_argument("--stats", type=Path, help="out: the number and share of sequences repaired, as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from mtseq.trees.run import delinearise_files  # heavy: imported when the command runs

    delinearise_files(args.lin, args.tokens, args.out, out_stats=args.stats)
