"""``mtseq vocab``: one frequency-capped vocabulary from training files."""

from __future__ import annotations

import argparse
from pathlib import Path

from mtseq.config import load_section
from mtseq.errors import MtseqError
from mtseq.io import read_lines
from mtseq.text.vocab import Vocab


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vocab", help="build a vocabulary (specials first, most frequent next)")
    p.add_argument(
        "--config", type=Path, required=True, help="data.vocab (max_size, min_count): its section file or a config"
    )
    p.add_argument("--inputs", nargs="+", type=Path, required=True, help="tokenised training files")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    cfg = load_section(args.config, "data.vocab")
    lines = [ln for path in args.inputs for ln in read_lines(path)]
    vocab = Vocab.build(lines, max_size=cfg["max_size"], min_count=cfg["min_count"])
    if len(vocab) <= 4:
        raise MtseqError(f"no token occurs at least {cfg['min_count']} times", args.inputs[0])
    vocab.save(args.out)
