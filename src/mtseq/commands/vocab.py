"""``mtseq vocab``: one frequency-capped vocabulary from training files."""

from __future__ import annotations

import argparse
from pathlib import Path

from mtseq.config import schema_default
from mtseq.errors import MtseqError
from mtseq.io import read_lines
from mtseq.text.vocab import Vocab


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vocab", help="build a vocabulary (specials first, most frequent next)")
    p.add_argument("--inputs", nargs="+", type=Path, required=True, help="tokenised training files")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--max-size", type=int, default=schema_default("data.vocab.max_size"))
    p.add_argument("--min-count", type=int, default=schema_default("data.vocab.min_count"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    lines = [ln for path in args.inputs for ln in read_lines(path)]
    vocab = Vocab.build(lines, max_size=args.max_size, min_count=args.min_count)
    if len(vocab) <= 4:
        raise MtseqError(f"no token occurs at least {args.min_count} times", args.inputs[0])
    vocab.save(args.out)
