"""``mtseq bench train``: trainer throughput and overhead against a bare nn.LSTM loop."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmarks (train: throughput and non-arithmetic overhead)")
    what = p.add_subparsers(dest="bench", required=True, metavar="WHAT")
    t = what.add_parser("train", help="tokens/s and overhead share of the training loop, and a bare-LSTM ceiling")
    t.add_argument("--config", type=Path, default=Path("config/config.yaml"), help="model and train sections")
    t.add_argument("--data", type=Path, default=None, help="corpus root; default: random in-memory batches")
    t.add_argument("--reference", default="translate_en_de")
    t.add_argument("--ratios", action="append", default=[], metavar="TASK=ALPHA")
    t.add_argument("--updates", type=int, default=200, help="reference-task updates to run")
    t.add_argument("--vocab", type=int, default=2000, help="vocabulary size of the in-memory data")
    t.add_argument("--examples", type=int, default=3000, help="examples per task of the in-memory data")
    t.add_argument("--threads", type=int, default=None, help="override train.threads")
    t.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None, help="override train.device")
    t.add_argument("--json", type=Path, default=None, help="also write the figures here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from mtseq.config import load_config
    from mtseq.io import write_json
    from mtseq.train.bench import bench_train, format_report
    from mtseq.train.mixing import parse_ratios

    config = load_config(args.config)
    train = dict(config.get("train", {}))
    if args.threads:
        train["threads"] = args.threads
    if args.device:
        train["device"] = args.device
    config["train"] = train
    result = bench_train(
        config,
        args.data,
        args.reference,
        parse_ratios(args.ratios),
        args.updates,
        args.vocab,
        args.examples,
    )
    print(format_report(result))
    if args.json:
        write_json(args.json, result)
    else:
        print(json.dumps({"ours": result["ours"], "bare": result["bare"], "ratio": result["ratio"]}))
