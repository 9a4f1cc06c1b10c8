"""``mtseq silver {pool,parse,agree,resample}``: build the high-confidence parse corpus step by step.

benepar is imported only by ``parse``, when it loads a model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mtseq.config import load_section
from mtseq.errors import ConfigError


def _config(parser: argparse.ArgumentParser, section: str) -> None:
    parser.add_argument(
        "--config", type=Path, required=True, help=f"{section}: its section file (the workflow's) or a config file"
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("silver", help="high-confidence parse corpus: parse with benepar, filter by agreement, resample")
    steps = p.add_subparsers(dest="silver_step", required=True, metavar="STEP")

    o = steps.add_parser("pool", help="the sentences to parse: distinct, at most max_words words, in shards")
    _config(o, "data.silver.pool (max_words, size, seed)")
    o.add_argument("--inputs", type=Path, nargs="+", required=True, help="tokenised English, one sentence a line")
    o.add_argument("--out", type=Path, nargs="+", required=True, help="out: one file per shard (round-robin)")
    o.add_argument("--stats", type=Path, help="out: counts as JSON")
    o.set_defaults(func=run_pool)

    s = steps.add_parser("parse", help="parse tokenised sentences with a benepar model, one tree a line")
    _config(s, "data.silver.parse (parsers: name -> benepar model, batch_size)")
    s.add_argument("--parser", required=True, help="the parser: a key of data.silver.parse.parsers")
    s.add_argument("--tokens", type=Path, required=True, help="tokenised sentences, one a line")
    s.add_argument("--out", type=Path, required=True, help="out: one-line PTB trees, aligned with --tokens")
    s.add_argument("--language-code", default="en", help="benepar language code (default en)")
    s.add_argument("--stats", type=Path, help="out: counts and speed as JSON")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.set_defaults(func=run_parse)

    a = steps.add_parser("agree", help="keep parser A's trees where parser B agrees (labelled-bracket F1)")
    a.add_argument("--a", type=Path, required=True, help="parser A's trees (these are kept)")
    a.add_argument("--b", type=Path, required=True, help="parser B's trees of the same sentences")
    a.add_argument("--out", type=Path, required=True, help="out: the agreed trees, one a line")
    a.add_argument("--stats", type=Path, required=True, help="out: agreement statistics as JSON")
    _config(a, "data.silver.agree (min_f1: least sentence F1 to keep; 100: exact)")
    a.set_defaults(func=run_agree)

    r = steps.add_parser("resample", help="draw trees to match a reference (WSJ) sentence-length distribution")
    r.add_argument("--trees", type=Path, nargs="+", required=True, help="the pool of trees (e.g. the agreed trees)")
    r.add_argument("--reference", type=Path, nargs="+", required=True, help="reference PTB files (WSJ training)")
    _config(r, "data.silver.resample (size, seed, bucket_width, allow_duplicates)")
    r.add_argument("--out", type=Path, required=True, help="out: the drawn trees, in pool order")
    r.add_argument("--stats", type=Path, required=True, help="out: target vs achieved histogram and distances")
    r.set_defaults(func=run_resample)


def run_pool(args: argparse.Namespace) -> None:
    from mtseq.silver.pool import build_pool

    pool = load_section(args.config, "data.silver.pool")
    stats = build_pool(
        args.inputs, args.out, max_words=pool["max_words"], size=pool["size"], seed=pool["seed"], stats_path=args.stats
    )
    print(f"pool: {stats['n_pool']} of {stats['n_lines']} sentences in {len(args.out)} shard(s)")


def run_parse(args: argparse.Namespace) -> None:
    from mtseq.silver.parser import parse_file  # heavy: imported when the command runs

    parse = load_section(args.config, "data.silver.parse")
    if args.parser not in parse["parsers"]:
        raise ConfigError(f"data.silver.parse.parsers.{args.parser}", "missing", args.config)
    parse_file(
        parse["parsers"][args.parser],
        args.tokens,
        args.out,
        batch_size=parse["batch_size"],
        language_code=args.language_code,
        stats_path=args.stats,
        progress=not args.no_progress,
    )


def run_agree(args: argparse.Namespace) -> None:
    from mtseq.silver.agreement import filter_agreeing  # heavy: imported when the command runs

    min_f1 = load_section(args.config, "data.silver.agree")["min_f1"]
    filter_agreeing(args.a, args.b, args.out, stats_path=args.stats, min_f1=min_f1)


def run_resample(args: argparse.Namespace) -> None:
    from mtseq.silver.resample import resample_file  # heavy: imported when the command runs

    res = load_section(args.config, "data.silver.resample")
    resample_file(
        args.trees,
        args.reference,
        args.out,
        size=None if res["size"] == "max" else res["size"],
        seed=res["seed"],
        stats_path=args.stats,
        bucket_width=res["bucket_width"],
        allow_duplicates=res["allow_duplicates"],
    )
