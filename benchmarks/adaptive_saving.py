"""Runs the adaptive design saves against a full grid reaching the same alpha* interval width (docs/optimum.md).

    PYTHONPATH=src nice -n 15 python benchmarks/adaptive_saving.py --studies 100 \
        --figure docs/figures/adaptive_saving.png

Each study plants a curve (optimum_sim.Planted), then runs both designs on the same simulated runs
(adaptive_sim.compare): the full grid with 2, 3, ... seeds on every cell until its interval spans
<= half a decade, and the decisions of `mtseq adapt` from a 2-seed grid. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import time

from mtseq.analysis.adaptive_sim import Planted, compare

FIVE = (0.01, 0.0316, 0.1, 0.316, 1.0)
THREE = (0.01, 0.1, 1.0)
NOISY = {"noise_sd": 1.1, "seed_sd": 0.4, "curvature": 1.0}  # the default run's noise (docs/optimum.md)
DESIGNS = [
    ("5 ratios, x0=-0.75", Planted(ratios=FIVE, x0=-0.75, **NOISY), {}),
    ("5 ratios, x0=-1.5", Planted(ratios=FIVE, x0=-1.5, **NOISY), {}),
    ("5 ratios, x0=-0.75, 1 seed per stage", Planted(ratios=FIVE, x0=-0.75, **NOISY), {"seeds_per_stage": 1}),
    ("3 ratios + new ratios, x0=-0.7", Planted(ratios=THREE, x0=-0.7, **NOISY), {"add_ratios": True}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--studies", type=int, default=100)
    ap.add_argument("--max-seeds", type=int, default=16)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--figure", default=None)
    args = ap.parse_args()
    print(
        "| design | studies | both reached | full grid runs | adaptive runs | saving | reached (full / adaptive)"
        " | coverage (full / adaptive) | stages | s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for i, (name, p, opts) in enumerate(DESIGNS):
        start = time.perf_counter()
        s = compare(p, args.studies, max_seeds=args.max_seeds, seed=args.seed + i, **opts)
        rows.append((name, s))
        print(
            f"| {name} | {s.studies} | {s.both_reached} | {s.full_runs:.1f} | {s.adaptive_runs:.1f} "
            f"| {s.saving_runs:.1f} ({s.saving_runs / s.full_runs:.0%}) "
            f"| {s.full_reached:.0%} / {s.adaptive_reached:.0%} "
            f"| {s.full_coverage:.0%} / {s.adaptive_coverage:.0%} | {s.adaptive_stages:.1f} "
            f"| {time.perf_counter() - start:.0f} |",
            flush=True,
        )
    if args.figure:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.5, 3.2))
        y = range(len(rows))
        ax.barh([i + 0.2 for i in y], [s.full_runs for _, s in rows], height=0.4, label="full grid")
        ax.barh([i - 0.2 for i in y], [s.adaptive_runs for _, s in rows], height=0.4, label="adaptive")
        ax.set_yticks(list(y), [n for n, _ in rows])
        ax.set_xlabel("mean runs to an alpha* interval <= 0.5 decades")
        ax.legend(loc="lower right")
        ax.set_title(f"{args.studies} simulated studies per design (same runs for both)", fontsize=9)
        fig.tight_layout()
        fig.savefig(args.figure, dpi=120)


if __name__ == "__main__":
    main()
