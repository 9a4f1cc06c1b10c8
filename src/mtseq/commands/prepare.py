"""``mtseq prepare``: fetched corpora -> the raw/ layout (Multi30k, the NLTK PTB sample, any EN-DE pair)."""

from __future__ import annotations

import argparse
from pathlib import Path

from mtseq.fetch.prepare import DEFAULT_PTB_SPLITS, parse_range, prepare_multi30k, prepare_parallel, prepare_ptb_sample
from mtseq.layout import Layout


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prepare", help="turn fetched corpora into raw/ files (multi30k, ptb-sample, parallel)")
    kinds = p.add_subparsers(dest="corpus", required=True, metavar="CORPUS")

    m = kinds.add_parser(
        "multi30k",
        help="Multi30k task 1 (.gz or plain) -> raw/translate.<split>.{en,de}",
        description="Gunzip, strip and check alignment of the Multi30k files (train, val, test_2016_flickr); "
        "all six outputs land together. Empty lines and line-count mismatches are refused.",
    )
    for split, hint in (("train", "train"), ("valid", "val"), ("test", "test_2016_flickr")):
        for lang in ("en", "de"):
            m.add_argument(f"--{split}-{lang}", type=Path, required=True, metavar="FILE", help=f"e.g. {hint}.{lang}.gz")
    m.add_argument("--out-root", type=Path, required=True, help="corpus root, e.g. data/multi30k")
    m.set_defaults(func=run_multi30k)

    t = kinds.add_parser(
        "ptb-sample",
        help="NLTK's 10%% WSJ sample -> raw/trees.<split>.mrg, split by file",
        description="Split wsj_0001..wsj_0199.mrg by file number and concatenate each split's files verbatim.",
    )
    t.add_argument("--source", type=Path, required=True, help="treebank.zip, or a folder holding wsj_*.mrg")
    t.add_argument("--out-root", type=Path, required=True, help="corpus root, e.g. data/multi30k")
    for split, (lo, hi) in DEFAULT_PTB_SPLITS.items():
        t.add_argument(
            f"--{split}",
            default=f"{lo}-{hi}",
            metavar="A-B",
            help=f"file numbers of the {split} split, inclusive (default {lo}-{hi})",
        )
    t.set_defaults(func=run_ptb_sample)

    q = kinds.add_parser(
        "parallel",
        help="any aligned EN-DE pair (plain, .gz or WMT .sgm) -> raw/translate.<split>.{en,de}",
    )
    q.add_argument("--en", type=Path, required=True)
    q.add_argument("--de", type=Path, required=True)
    q.add_argument("--split", choices=("train", "valid", "test"), required=True)
    q.add_argument("--out-root", type=Path, required=True)
    q.set_defaults(func=run_parallel)


def run_multi30k(args: argparse.Namespace) -> None:
    layout = Layout(args.out_root)
    sources = {
        split: (getattr(args, f"{split}_en"), getattr(args, f"{split}_de")) for split in ("train", "valid", "test")
    }
    counts = prepare_multi30k(sources, layout)
    print("multi30k: " + ", ".join(f"{s} {n} pairs" for s, n in counts.items()) + f" -> {layout.raw('')}")


def run_ptb_sample(args: argparse.Namespace) -> None:
    layout = Layout(args.out_root)
    ranges = {split: parse_range(getattr(args, split)) for split in DEFAULT_PTB_SPLITS}
    stats = prepare_ptb_sample(args.source, layout, ranges)
    print(
        "ptb-sample: "
        + ", ".join(f"{s} {v['trees']} trees from {v['files']} files" for s, v in stats.items())
        + f" -> {layout.raw('')}"
    )


def run_parallel(args: argparse.Namespace) -> None:
    layout = Layout(args.out_root)
    out_en, out_de = layout.raw_translate(args.split, "en"), layout.raw_translate(args.split, "de")
    n = prepare_parallel(args.en, args.de, out_en, out_de)
    print(f"{args.split}: {n} pairs -> {out_en}, {out_de}")
