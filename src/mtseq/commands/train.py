"""``mtseq train``: one grid cell (setting, mixing ratios, seed) into its run directory."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train one multi-task run (resumes from checkpoints; does nothing when already complete)",
        description="Train one (setting, ratios, seed) cell. The reference task has ratio 1; each --ratios "
        "TASK=ALPHA adds an auxiliary task (ALPHA=0 leaves it out: no --ratios is the single-task baseline).",
    )
    p.add_argument("--config", type=Path, required=True, help="resolved workflow config (YAML)")
    p.add_argument("--setting", required=True, help="one_to_many | many_to_one | many_to_many")
    p.add_argument("--reference", required=True, help="the reference task (ratio 1), e.g. translate_en_de")
    p.add_argument(
        "--ratios", action="append", default=[], metavar="TASK=ALPHA", help="auxiliary ratio (repeat or comma-join)"
    )
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--data", type=Path, required=True, help="corpus root (data/<name>)")
    p.add_argument("--out", type=Path, required=True, help="run directory")
    p.add_argument("--cell", default=None, help="cell id for train.json (default: from the ratios)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--overwrite", action="store_true", help="clear a run directory that holds another config's run")
    p.set_defaults(func=run)


class _TqdmHandler(logging.Handler):
    """Log lines on stderr that do not tear the progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        tqdm.write(self.format(record), file=sys.stderr)


def run(args: argparse.Namespace) -> None:
    from mtseq.config import load_config
    from mtseq.train.mixing import parse_ratios
    from mtseq.train.run import train_run

    config = load_config(args.config)
    ratios = parse_ratios(args.ratios)
    log = logging.getLogger("mtseq")
    handler = _TqdmHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        train_run(
            config,
            args.setting,
            args.reference,
            ratios,
            args.seed,
            args.data,
            args.out,
            cell=args.cell,
            progress=not args.no_progress,
            overwrite=args.overwrite,
        )
    finally:
        log.removeHandler(handler)
