"""``mtseq silver {pool,parse,agree,resample}``: build the high-confidence parse corpus step by step.

benepar is imported only by ``parse``, when it loads a model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mtseq.config import schema_default


def _size(text: str) -> int | None:
    if text == "max":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or 'max', not {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("silver", help="high-confidence parse corpus: parse with benepar, filter by agreement, resample")
    steps = p.add_subparsers(dest="silver_step", required=True, metavar="STEP")

    o = steps.add_parser("pool", help="the sentences to parse: distinct, at most --max-words words, in shards")
    o.add_argument("--inputs", type=Path, nargs="+", required=True, help="tokenised English, one sentence a line")
    o.add_argument("--out", type=Path, nargs="+", required=True, help="out: one file per shard (round-robin)")
    o.add_argument(
        "--max-words",
        type=int,
        default=schema_default("data.silver.pool.max_words"),
        help="longest sentence kept (default %(default)s)",
    )
    o.add_argument("--size", type=_size, default=None, help="sentences to draw (seeded), or 'max' (default: all)")
    o.add_argument("--seed", type=int, default=schema_default("data.silver.pool.seed"))
    o.add_argument("--stats", type=Path, help="out: counts as JSON")
    o.set_defaults(func=run_pool)

    s = steps.add_parser("parse", help="parse tokenised sentences with a benepar model, one tree a line")
    s.add_argument("--model", required=True, help="benepar model name (benepar_en3) or path of a saved model")
    s.add_argument("--tokens", type=Path, required=True, help="tokenised sentences, one a line")
    s.add_argument("--out", type=Path, required=True, help="out: one-line PTB trees, aligned with --tokens")
    s.add_argument(
        "--batch-size",
        type=int,
        default=schema_default("data.silver.parse.batch_size"),
        help="sentences per benepar batch (default %(default)s)",
    )
    s.add_argument("--language-code", default="en", help="benepar language code (default en)")
    s.add_argument("--stats", type=Path, help="out: counts and speed as JSON")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.set_defaults(func=run_parse)

    a = steps.add_parser("agree", help="keep parser A's trees where parser B agrees (labelled-bracket F1)")
    a.add_argument("--a", type=Path, required=True, help="parser A's trees (these are kept)")
    a.add_argument("--b", type=Path, required=True, help="parser B's trees of the same sentences")
    a.add_argument("--out", type=Path, required=True, help="out: the agreed trees, one a line")
    a.add_argument("--stats", type=Path, required=True, help="out: agreement statistics as JSON")
    a.add_argument(
        "--min-f1",
        type=float,
        default=schema_default("data.silver.agree.min_f1"),
        help="least sentence F1 to keep (default %(default)s; 100: exact)",
    )
    a.set_defaults(func=run_agree)

    r = steps.add_parser("resample", help="draw trees to match a reference (WSJ) sentence-length distribution")
    r.add_argument("--trees", type=Path, nargs="+", required=True, help="the pool of trees (e.g. the agreed trees)")
    r.add_argument("--reference", type=Path, nargs="+", required=True, help="reference PTB files (WSJ training)")
    r.add_argument("--size", type=_size, required=True, help="trees to draw, or 'max' (most without duplicates)")
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--out", type=Path, required=True, help="out: the drawn trees, in pool order")
    r.add_argument("--stats", type=Path, required=True, help="out: target vs achieved histogram and distances")
    r.add_argument(
        "--bucket-width",
        type=int,
        default=schema_default("data.silver.resample.bucket_width"),
        help="sentence lengths per histogram bucket (default %(default)s)",
    )
    r.add_argument("--no-duplicates", action="store_true", help="fall short rather than draw a sentence twice")
    r.set_defaults(func=run_resample)


def run_pool(args: argparse.Namespace) -> None:
    from mtseq.silver.pool import build_pool

    stats = build_pool(
        args.inputs, args.out, max_words=args.max_words, size=args.size, seed=args.seed, stats_path=args.stats
    )
    print(f"pool: {stats['n_pool']} of {stats['n_lines']} sentences in {len(args.out)} shard(s)")


def run_parse(args: argparse.Namespace) -> None:
    from mtseq.silver.parser import parse_file  # heavy: imported when the command runs

    parse_file(
        args.model,
        args.tokens,
        args.out,
        batch_size=args.batch_size,
        language_code=args.language_code,
        stats_path=args.stats,
        progress=not args.no_progress,
    )


def run_agree(args: argparse.Namespace) -> None:
    from mtseq.silver.agreement import filter_agreeing  # heavy: imported when the command runs

    filter_agreeing(args.a, args.b, args.out, stats_path=args.stats, min_f1=args.min_f1)


def run_resample(args: argparse.Namespace) -> None:
    from mtseq.silver.resample import resample_file  # heavy: imported when the command runs

    resample_file(
        args.trees,
        args.reference,
        args.out,
        size=args.size,
        seed=args.seed,
        stats_path=args.stats,
        bucket_width=args.bucket_width,
        allow_duplicates=not args.no_duplicates,
    )
