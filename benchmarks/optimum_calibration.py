"""Coverage of the alpha* interval on simulated grids with a planted optimum (docs/optimum.md).

    PYTHONPATH=src nice -n 15 python benchmarks/optimum_calibration.py [--grids 1000]

Runs the code `mtseq optimum` runs (block model, family choice, bootstrap or
GP posterior draws) on each design below and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time

from mtseq.analysis.optimum_sim import Planted, coverage

FIVE = (0.01, 0.0316, 0.1, 0.316, 1.0)
THREE = (0.01, 0.1, 1.0)
DESIGNS = [
    ("5 ratios, optimum between two (x0=-0.75)", Planted(ratios=FIVE, x0=-0.75)),
    ("5 ratios, optimum on one (x0=-1)", Planted(ratios=FIVE, x0=-1.0)),
    ("5 ratios, 8 seeds, x0=-0.75", Planted(ratios=FIVE, x0=-0.75, seeds=8)),
    ("5 ratios, sharp peak (power 1: misspecified), x0=-0.75", Planted(ratios=FIVE, x0=-0.75, power=1.0)),
    ("3 ratios a decade apart (the default), x0=-0.7", Planted(ratios=THREE, x0=-0.7)),
    ("3 ratios a decade apart, x0=-1", Planted(ratios=THREE, x0=-1.0)),
    (
        "3 ratios, the default's noise (run sd 1.1, seed sd 0.4), 1 BLEU/decade², x0=-0.7",
        Planted(ratios=THREE, x0=-0.7, noise_sd=1.1, seed_sd=0.4, curvature=1.0),
    ),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--grids", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--only", type=int, nargs="*", default=None, help="indices of DESIGNS to run")
    args = ap.parse_args()
    print("| design | grids | coverage | mean width (decades) | GP chosen | s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for i, (name, p) in enumerate(DESIGNS):
        if args.only is not None and i not in args.only:
            continue
        start = time.perf_counter()
        c = coverage(p, grids=args.grids, draws=args.draws, seed=args.seed + i)
        took = time.perf_counter() - start
        print(
            f"| {name} | {c.grids} | {c.coverage:.1%} ({c.covered}) | {c.mean_width_decades:.2f} "
            f"| {c.gp_share:.0%} | {took:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
