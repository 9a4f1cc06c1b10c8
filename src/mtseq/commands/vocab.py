"""``mtseq vocab``: one frequency-capped vocabulary (of words or subwords) from training files."""

from __future__ import annotations

import argparse
from pathlib import Path

from mtseq.config import load_section
from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs, read_lines
from mtseq.text.subword import Segmenter, learn_codes
from mtseq.text.vocab import Vocab


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vocab", help="build a vocabulary (specials first, most frequent next)")
    p.add_argument(
        "--config",
        type=Path,
        required=True,
        help="data.vocab (max_size, min_count, bpe_merges): its section file or a config",
    )
    p.add_argument("--inputs", nargs="+", type=Path, required=True, help="tokenised training files")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument(
        "--codes", type=Path, required=True, help="the subword codes written beside it (a header alone: whole words)"
    )
    p.add_argument("--words", action="store_true", help="whole words whatever bpe_merges says (linearised trees)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    cfg = load_section(args.config, "data.vocab")
    lines = [ln for path in args.inputs for ln in read_lines(path)]
    codes = learn_codes(lines, 0 if args.words else cfg["bpe_merges"])
    segmenter = Segmenter.from_codes(codes)
    if segmenter is not None:
        lines = [" ".join(segmenter.segment(ln.split())) for ln in lines]
    vocab = Vocab.build(lines, max_size=cfg["max_size"], min_count=cfg["min_count"])
    if len(vocab) <= 4:
        raise MtseqError(f"no token occurs at least {cfg['min_count']} times", args.inputs[0])
    with AtomicOutputs() as out:  # a vocabulary never lands without its codes
        out.write_lines(args.codes, codes)
        out.write_lines(args.out, vocab.lines())
