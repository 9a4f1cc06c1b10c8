"""``mtseq aggregate``: run directories -> summary.csv, sensitivity.csv, inference.csv, metrics.json, summary.md."""

from __future__ import annotations

from mtseq.analysis.adaptive_files import with_adaptive_stages
from mtseq.config import load_config
from mtseq.errors import MtseqError
from mtseq.grid import expand_grid
from mtseq.pipeline import data_root


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "aggregate", help="tables of every run, per-cell statistics and seed-level tests against the baseline"
    )
    p.add_argument("--config", required=True, help="workflow config YAML (its grid defines the cells)")
    p.add_argument("--results", default=None, help="results folder (default: the config's 'results' or 'results')")
    p.add_argument("--runs", nargs="+", default=None, metavar="DIR", help="run directories (default: every grid run)")
    p.add_argument(
        "--data",
        default=None,
        help="corpus root for references when metrics.json records none (default: data/<config data.name>)",
    )
    p.add_argument(
        "--samples",
        type=int,
        default=10000,
        help="sentence-bootstrap resamples per test (test-set uncertainty; default 10000)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from mtseq.analysis.aggregate import aggregate

    if args.samples < 1:
        raise MtseqError(f"--samples must be at least 1, not {args.samples}")
    cfg = load_config(args.config)
    results = args.results or cfg.get("results", "results")
    data = args.data or str(data_root(cfg))
    cells = with_adaptive_stages(cfg, expand_grid(cfg.get("grid") or {}), results)
    paths = aggregate(cells, results, args.runs, data_root=data, n_samples=args.samples)
    for path in paths.values():
        print(path)
    return 0
