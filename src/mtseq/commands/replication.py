"""``mtseq replication``: do two runs of a grid (disjoint seeds, or two machines) flag the same cells?"""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "replication",
        help="compare the flagged cells of two sensitivity.csv tables (the acceptance test of a result)",
        description="Cells flagged (Holm-adjusted seed-level p < 0.05) in either table must be flagged in both "
        "with the same sign (at least --min-agreement of them), and none with opposite signs. Exits 1 if not.",
    )
    p.add_argument("first", help="sensitivity.csv of one run, e.g. results/sensitivity.csv")
    p.add_argument("second", help="sensitivity.csv of the other, e.g. results/replicate/sensitivity.csv")
    p.add_argument("--min-agreement", type=float, default=0.8, help="share of flagged cells that must agree (0.8)")
    p.add_argument("--json", default=None, metavar="PATH", help="also write the verdict and the table as JSON")
    p.set_defaults(func=run)


def _read(path):
    from mtseq.io import read_csv

    return read_csv(path)


def run(args) -> int:
    from mtseq.analysis.replication import compare
    from mtseq.io import write_json

    table, verdict = compare(_read(args.first), _read(args.second), args.min_agreement)
    print("| setting | cell | metric | Δ first | p adj. first | Δ second | p adj. second | flags |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    sign = {1: "+", -1: "−", 0: "·"}
    for r in table.itertuples(index=False):
        print(
            f"| {r.setting} | {r.cell} | {r.metric} | {r.delta_vs_baseline_a:+.2f} | {r.p_adjusted_a:.3f} | "
            f"{r.delta_vs_baseline_b:+.2f} | {r.p_adjusted_b:.3f} | {sign[r.flag_a]} {sign[r.flag_b]} |"
        )
    v = verdict
    print(
        f"\n{v['cells']} cells tested in both; flagged {v['flagged_a']} / {v['flagged_b']}; "
        f"{v['flagged_both_same_sign']} of {v['flagged_either']} flagged in either agree, "
        f"{v['flagged_opposite_signs']} with opposite signs; Δ signs agree in {v['delta_same_sign_share']:.0%} "
        f"of cells (correlation {v['delta_correlation']:.2f}): "
        + ("replicates" if v["replicates"] else "does NOT replicate")
    )
    if args.json:
        write_json(args.json, {"verdict": verdict, "cells": table.to_dict(orient="records")})
    return 0 if v["replicates"] else 1
