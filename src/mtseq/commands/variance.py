"""``mtseq variance``: which of two grids (same cells and seeds, one design choice apart) spreads less?"""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "variance",
        help="compare the seed-to-seed spread of two grids' tested metrics (e.g. two mixing strategies)",
        description="Per setting: pooled within-cell sd over seeds of the auxiliary cells (the shared baseline "
        "left out) with its 95% interval, the sd of paired differences to the baseline, the residual sd and "
        "MDE of each grid's own inference, and the two-sided F test of the variance ratio.",
    )
    p.add_argument("first", help="summary.csv of one grid, e.g. results/summary.csv")
    p.add_argument("second", help="summary.csv of the other, e.g. results/constant/summary.csv")
    p.add_argument("--names", nargs=2, default=["first", "second"], metavar=("A", "B"), help="labels of the two")
    p.add_argument("--out", default=None, metavar="CSV", help="also write the table as CSV")
    p.set_defaults(func=run)


def run(args) -> int:
    from mtseq.analysis.variance import compare_variance
    from mtseq.io import atomic_open, read_csv

    table = compare_variance(read_csv(args.first), read_csv(args.second), tuple(args.names))
    print("| setting | grid | runs | within-cell sd [95% CI] | paired Δ sd | resid sd | MDE80 | var. ratio | F p |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in table.itertuples(index=False):
        print(
            f"| {r.setting} | {r.grid} | {r.runs} | {r.within_sd:.2f} [{r.within_sd_ci95_low:.2f}, "
            f"{r.within_sd_ci95_high:.2f}] | {r.paired_diff_sd:.2f} | {r.resid_sd:.2f} | {r.mde80:.2f} | "
            f"{r.variance_ratio:.2f} | {r.p_value:.3f} |"
        )
    if args.out:
        with atomic_open(args.out) as fh:
            table.to_csv(fh, index=False, float_format="%.6g")
    return 0
