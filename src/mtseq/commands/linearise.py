"""``mtseq linearise``: treebank files → words, bracket sequences and cleaned trees, aligned."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("linearise", help="clean PTB trees and write the parse task's aligned files (all land together)")
    p.add_argument("--trees", type=Path, nargs="+", required=True, help="PTB bracketed files, read in this order")
    p.add_argument("--tokens", type=Path, required=True, help="out: the words, one sentence a line")
    p.add_argument("--lin", type=Path, required=True, help="out: the linearised trees, one a line")
    p.add_argument("--clean", type=Path, required=True, help="out: the cleaned trees (POS kept), one a line")
    p.add_argument("--stats", type=Path, help="out: tree, label and symbol counts as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from mtseq.trees.run import linearise_files  # heavy: imported when the command runs

    linearise_files(args.trees, args.tokens, args.lin, args.clean, out_stats=args.stats)
