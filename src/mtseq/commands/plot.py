"""``mtseq plot``: sensitivity plots, heatmaps and the overview from the aggregated tables."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("plot", help="metric-vs-ratio plots, heatmaps and an overview (PNG and SVG)")
    p.add_argument("--sensitivity", required=True, help="sensitivity.csv from 'mtseq aggregate'")
    p.add_argument("--summary", default=None, help="summary.csv from 'mtseq aggregate' (adds per-seed dots)")
    p.add_argument("--out", required=True, help="output folder, e.g. results/plots")
    paper = p.add_mutually_exclusive_group()
    paper.add_argument(
        "--paper", default=None, help="the paper's points (YAML or CSV: setting, task, aux, ratio, bleu)"
    )
    paper.add_argument("--paper-builtin", action="store_true", help="draw Luong et al. 2016's points as built in")
    p.set_defaults(func=run)


def run(args) -> int:
    from mtseq.analysis.paper import PAPER_POINTS, load_paper_points
    from mtseq.analysis.plots import SUMMARY_COLUMNS, plot_all, read_table

    sensitivity = read_table(args.sensitivity)
    summary = read_table(args.summary, SUMMARY_COLUMNS) if args.summary else None
    paper = load_paper_points(args.paper) if args.paper else (PAPER_POINTS if args.paper_builtin else None)
    for path in plot_all(sensitivity, args.out, summary, paper):
        print(path)
    return 0
