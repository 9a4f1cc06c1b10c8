"""``mtseq prepare``: fetched or user-supplied corpora -> the raw/ layout.

multi30k, ptb-sample (NLTK's WSJ sample), wsj (the full treebank by section),
parallel (any aligned EN-DE corpora, WMT archives included), coco (MSCOCO
captions + image features), mono (a seeded sample of news-crawl).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mtseq.config import load_section
from mtseq.corpora.prepare.plain import parse_range, prepare_multi30k, prepare_ptb_sample
from mtseq.errors import ConfigError
from mtseq.layout import SPLITS, Layout

TREES, MONO = "data.prepare.trees", "data.prepare.mono"


def _config(parser: argparse.ArgumentParser, section: str) -> None:
    parser.add_argument(
        "--config", type=Path, required=True, help=f"{section}: its section file (the workflow's) or a config file"
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prepare",
        help="turn fetched or supplied corpora into raw/ files (multi30k, ptb-sample, wsj, parallel, coco, mono)",
    )
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
    _config(t, f"{TREES} (train, valid, test: file numbers A-B, inclusive)")
    t.add_argument("--out-root", type=Path, required=True, help="corpus root, e.g. data/multi30k")
    t.set_defaults(func=run_ptb_sample)

    q = kinds.add_parser(
        "parallel",
        help="aligned EN-DE corpora (plain, .gz, WMT .sgm, or ARCHIVE:MEMBER) -> raw/translate.<split>.{en,de}",
        description="Concatenate aligned corpora: --en[i] pairs with --de[i]. A source is a path or "
        "ARCHIVE:MEMBER (a .tgz/.tar/.zip and the entry's path or file name), read without unpacking.",
    )
    q.add_argument("--en", nargs="+", required=True, metavar="SOURCE")
    q.add_argument("--de", nargs="+", required=True, metavar="SOURCE")
    q.add_argument(
        "--split",
        choices=[*SPLITS, *(f"{s}.{d}" for s in SPLITS for d in ("en-de", "de-en"))],
        required=True,
        metavar="SPLIT[.DIRECTION]",
        help="train, valid or test; test.en-de / test.de-en for a split held per direction (the rule's wildcard)",
    )
    _config(q, "data.prepare.translate (drop_empty: drop pairs with an empty side, training data only)")
    q.add_argument("--stats", type=Path, help="out: pairs per corpus as JSON")
    q.add_argument("--out-root", type=Path, required=True)
    q.set_defaults(func=run_parallel)

    w = kinds.add_parser(
        "wsj",
        help="the Penn Treebank WSJ (LDC99T42) -> raw/trees.<split>.mrg, split by section",
        description="Split wsj/SS/wsj_SSNN.mrg under data.prepare.trees.wsj_root by section "
        "(data.prepare.trees.sections; default 02-21 train, 22 valid, 23 test).",
    )
    _config(w, f"{TREES} (wsj_root, sections)")
    w.add_argument("--out-root", type=Path, required=True)
    w.set_defaults(func=run_wsj)

    c = kinds.add_parser(
        "coco",
        help="MSCOCO captions + image features of one split -> raw/caption.<split>.{en,img,npy}",
        description="The split is the images of --features (rows) / --ids (their COCO image ids, one a line); "
        "their captions come from the annotation JSONs (paths or ARCHIVE:MEMBER).",
    )
    c.add_argument("--annotations", nargs="+", required=True, metavar="SOURCE", help="captions_*.json")
    c.add_argument("--features", type=Path, required=True, help=".npy float array [n_images, dim]")
    c.add_argument("--ids", type=Path, required=True, help="COCO image id of each feature row, one a line")
    c.add_argument("--split", choices=("train", "valid", "test"), required=True)
    c.add_argument("--max-per-image", type=int, help="keep at most this many captions per image")
    c.add_argument("--out-root", type=Path, required=True)
    c.set_defaults(func=run_coco)

    o = kinds.add_parser(
        "mono",
        help="a seeded sample of monolingual text -> raw/mono.<split>.<lang> and .doc ids",
        description="Each sentence (or document, with documents: true) goes to train when a keyed hash of its text "
        "falls under fraction; the valid + test units hashing just above it are held out (data.prepare.mono).",
    )
    o.add_argument(
        "--inputs", nargs="+", required=True, metavar="SOURCE", help="plain or .gz text, one sentence a line"
    )
    o.add_argument("--lang", choices=("en", "de"), required=True)
    _config(o, f"{MONO} (fraction, seed, valid, test, documents)")
    o.add_argument("--out-root", type=Path, required=True)
    o.set_defaults(func=run_mono)


def run_multi30k(args: argparse.Namespace) -> None:
    layout = Layout(args.out_root)
    sources = {
        split: (getattr(args, f"{split}_en"), getattr(args, f"{split}_de")) for split in ("train", "valid", "test")
    }
    counts = prepare_multi30k(sources, layout)
    print("multi30k: " + ", ".join(f"{s} {n} pairs" for s, n in counts.items()) + f" -> {layout.raw('')}")


def run_ptb_sample(args: argparse.Namespace) -> None:
    trees = load_section(args.config, TREES)
    layout = Layout(args.out_root)
    ranges = {split: parse_range(trees[split]) for split in SPLITS}
    stats = prepare_ptb_sample(args.source, layout, ranges)
    print(
        "ptb-sample: "
        + ", ".join(f"{s} {v['trees']} trees from {v['files']} files" for s, v in stats.items())
        + f" -> {layout.raw('')}"
    )


def run_parallel(args: argparse.Namespace) -> None:
    from mtseq.corpora.prepare.parallel import prepare_parallel_sources

    split, _, direction = args.split.partition(".")
    drop_empty = load_section(args.config, "data.prepare.translate")["drop_empty"] and split == "train"
    layout = Layout(args.out_root)
    out_en = layout.raw_translate(split, "en", direction or None)
    out_de = layout.raw_translate(split, "de", direction or None)
    stats = prepare_parallel_sources(args.en, args.de, out_en, out_de, drop_empty=drop_empty, stats_path=args.stats)
    dropped = f" ({stats['dropped_empty']} with an empty side dropped)" if stats["dropped_empty"] else ""
    print(f"{args.split}: {stats['pairs']} pairs{dropped} -> {out_en}, {out_de}")


def run_wsj(args: argparse.Namespace) -> None:
    from mtseq.corpora.prepare.wsj import prepare_wsj

    trees = load_section(args.config, TREES)
    if not trees.get("wsj_root"):
        raise ConfigError(f"{TREES}.wsj_root", "missing (the folder of section folders 00-24)", args.config)
    layout = Layout(args.out_root)
    stats = prepare_wsj(trees["wsj_root"], layout, {split: trees["sections"][split] for split in SPLITS})
    print(
        "wsj: "
        + ", ".join(
            f"{s} (sections {v['sections']}) {v['trees']} trees from {v['files']} files" for s, v in stats.items()
        )
        + f" -> {layout.raw('')}"
    )


def run_coco(args: argparse.Namespace) -> None:
    from mtseq.corpora.prepare.coco import prepare_coco

    stats = prepare_coco(
        args.annotations, args.features, args.ids, Layout(args.out_root), args.split, max_per_image=args.max_per_image
    )
    print(json.dumps(stats, sort_keys=True))


def run_mono(args: argparse.Namespace) -> None:
    from mtseq.corpora.prepare.mono import prepare_mono

    mono = load_section(args.config, MONO)
    stats = prepare_mono(
        args.inputs,
        args.lang,
        Layout(args.out_root),
        fraction=mono["fraction"],
        seed=mono["seed"],
        n_valid=mono["valid"],
        n_test=mono["test"],
        documents=mono["documents"],
    )
    print(json.dumps(stats, sort_keys=True))
