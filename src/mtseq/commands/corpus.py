"""``mtseq corpus synth``: generate the embedded default corpus from a config file."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mtseq.config import load_section


def register(subparsers) -> None:
    parser = subparsers.add_parser("corpus", help="build a corpus (the generated default)", description=__doc__)
    sources = parser.add_subparsers(dest="corpus_source", required=True, metavar="SOURCE")
    synth = sources.add_parser(
        "synth",
        help="generate the synthetic bilingual treebank",
        description="Write raw/ files and STATS.json under --out from the data.synth section of --config.",
    )
    synth.add_argument("--config", required=True, type=Path, help="YAML file with a data.synth section")
    synth.add_argument("--out", required=True, type=Path, help="corpus root (e.g. data/synthetic)")
    synth.set_defaults(func=run_synth)


def run_synth(args) -> int:
    from mtseq.corpora.synth import generate  # the lexicon loads only when this command runs

    cfg = load_section(args.config, "data.synth")  # validated against the schema, defaults filled

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    stats = generate(args.out, cfg, log=log)
    counts = stats["counts"]
    log(
        f"synth: wrote {args.out} in {time.perf_counter() - t0:.1f}s: "
        f"{counts['translate']['train']['pairs']} translation pairs, {counts['trees']['train']['trees']} trees, "
        f"{counts['caption']['train']['scenes']} scenes, {counts['mono']['train']['documents']} documents (train); "
        f"vocab en {stats['vocab']['en']} de {stats['vocab']['de']}; "
        f"German reorders {stats['reorder_fraction']['translate']:.0%} of translation pairs"
    )
    return 0
