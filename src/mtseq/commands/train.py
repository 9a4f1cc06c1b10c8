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
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar on a terminal (stderr redirected to a file gets a progress line at growing intervals)",
    )
    p.add_argument(
        "--status-fd",
        type=int,
        default=None,
        metavar="FD",
        help="also write a one-line status (ref updates done/total, tokens/s, ETA) at growing intervals to this "
        "open file descriptor; the workflow's rule passes the terminal as 3 past the log: --status-fd 3 3>&2 > log",
    )
    p.add_argument("--overwrite", action="store_true", help="clear a run directory that holds another config's run")
    p.add_argument(
        "--nproc",
        type=int,
        default=1,
        metavar="N",
        help="data-parallel processes on this node, started through torchrun (one GPU each on a GPU, gloo on CPU); "
        "the same as `torchrun --standalone --nproc-per-node N -m mtseq.cli train ...`",
    )
    p.set_defaults(func=run)


class _TqdmHandler(logging.Handler):
    """Log lines on stderr that do not tear the progress bar."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        tqdm.write(self.format(record), file=sys.stderr)


def _argv(args: argparse.Namespace) -> list[str]:
    """The command line of one process of a ``--nproc`` run (the same arguments, without ``--nproc``).

    Nor ``--status-fd``: torchrun does not pass open descriptors on, so the ranks report to the log only."""
    argv = ["train", "--config", str(args.config), "--setting", args.setting, "--reference", args.reference]
    argv += [a for r in args.ratios for a in ("--ratios", r)]
    argv += ["--seed", str(args.seed), "--data", str(args.data), "--out", str(args.out)]
    argv += ["--cell", args.cell] if args.cell else []
    return argv + ["--no-progress"] * args.no_progress + ["--overwrite"] * args.overwrite


def run(args: argparse.Namespace) -> None:
    from mtseq.config import load_config
    from mtseq.errors import ConfigError, MtseqError
    from mtseq.locks import check_run_dir_free
    from mtseq.progress import status_writer
    from mtseq.train import distributed
    from mtseq.train.mixing import parse_ratios
    from mtseq.train.run import train_run

    world = distributed.world_size()
    if args.nproc < 1:
        raise ConfigError("--nproc", f"must be a positive integer, not {args.nproc}")
    if world > 1 and args.nproc not in (1, world):
        raise ConfigError("--nproc", f"asks for {args.nproc} processes inside a torchrun of {world}")
    status = status_writer(args.status_fd)
    if args.nproc > 1 and world == 1:
        check_run_dir_free(args.out)  # rank 0 takes the lock; refuse here first, before starting torchrun
        code = distributed.launch(args.nproc, _argv(args))
        if code:
            raise MtseqError(f"{args.nproc}-process training failed (torchrun exit status {code})", args.out)
        return
    config = load_config(args.config)
    ratios = parse_ratios(args.ratios)
    log = logging.getLogger("mtseq")
    handler = _TqdmHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(logging.INFO if distributed.rank() == 0 else logging.WARNING)
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
            status=status if distributed.rank() == 0 else None,
        )
    finally:
        log.removeHandler(handler)
