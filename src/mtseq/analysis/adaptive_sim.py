"""Adaptive design vs full grid on planted curves: runs needed for the same alpha* interval width.

The truth is ``optimum_sim.Planted`` (curve, seed effect shared by a seed's
runs, run noise). Values are drawn lazily per (ratio, seed) from one
generator per simulated study, so the adaptive design and the full grids of
the same study see *the same* run for the same (ratio, seed): common random
numbers, which makes the comparison paired.

For each study, the full grid trains every ratio and the baseline with n
seeds, n = stage-1 seeds, +1, ... up to ``max_seeds``; its cost is the runs
of the smallest n whose alpha* interval spans <= the target. The adaptive
design runs ``curve_status`` / ``decide`` - the code ``mtseq adapt`` runs -
from the stage-1 grid until it stops. Saving = full-grid runs - adaptive
runs, over the studies where both reached the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mtseq.analysis.adaptive import curve_status, decide, next_seeds
from mtseq.analysis.adaptive_files import DEFAULTS
from mtseq.analysis.curves import cell_means
from mtseq.analysis.optimum import analyse, fit_curve
from mtseq.analysis.optimum_sim import Planted


class Truth:
    """One simulated study: a value for any (log10 ratio or None for the baseline, seed), drawn once."""

    def __init__(self, p: Planted, rng: np.random.Generator):
        self.p, self.rng, self.seed_eff, self.runs = p, rng, {}, {}

    def value(self, x: float | None, seed: int) -> float:
        if seed not in self.seed_eff:
            self.seed_eff[seed] = self.rng.normal(0, self.p.seed_sd)
        key = (None if x is None else round(x, 9), seed)
        if key not in self.runs:
            self.runs[key] = self.rng.normal(0, self.p.noise_sd)
        p = self.p
        mean = p.baseline if x is None else p.top - p.curvature * abs(x - p.x0) ** p.power
        return mean + self.seed_eff[seed] + self.runs[key]


def _fit(truth: Truth, design: dict, draws: int, rng: np.random.Generator):
    """design: {log10 ratio or None: set of seeds} -> (means, (star, low, high) in log10)."""
    xs = sorted(x for x in design if x is not None)
    seeds = sorted(set().union(*design.values()))
    values = np.full((1 + len(xs), len(seeds)), math.nan)
    for i, x in enumerate([None, *xs]):
        for s in design[x]:
            values[i, seeds.index(s)] = truth.value(x, s)
    means = cell_means(values, [f"c{x:.6f}" for x in xs], np.array(xs))
    out, _ = analyse(fit_curve(means, higher=True), delta=0.5, draws=draws, rng=rng)
    return means, tuple(math.log10(out[k]) for k in ("alpha_star", "alpha_low", "alpha_high"))


@dataclass(frozen=True)
class Outcome:
    runs: int
    width: float
    covered: bool
    stages: int = 1


def full_grid(truth: Truth, p: Planted, first: int, max_seeds: int, target: float, draws: int, rng) -> Outcome:
    """The smallest all-cells design (n seeds everywhere) whose interval spans <= target, or the largest tried."""
    x = np.log10(p.ratios)
    for n in range(first, max_seeds + 1):
        design = {None: set(range(1, n + 1)), **{float(v): set(range(1, n + 1)) for v in x}}
        _, (_, lo, hi) = _fit(truth, design, draws, rng)
        if hi - lo <= target + 1e-12 or n == max_seeds:
            return Outcome(n * (len(x) + 1), hi - lo, lo - 1e-9 <= p.x0 <= hi + 1e-9)
    raise AssertionError("unreachable")


def adaptive(truth: Truth, p: Planted, first: int, opts: dict, draws: int, rng) -> Outcome:
    """Stage 1 = every ratio and the baseline with ``first`` seeds; then the decisions of ``mtseq adapt``."""
    design = {None: set(range(1, first + 1)), **{float(v): set(range(1, first + 1)) for v in np.log10(p.ratios)}}
    stage = 1
    while True:
        means, (star, lo, hi) = _fit(truth, design, draws, rng)
        status = curve_status(means, star, lo, hi, True, opts)
        runs = sum(map(len, design.values()))
        used = set().union(*design.values())
        new = next_seeds(used, set(), int(opts["seeds_per_stage"]))
        xs = [None] + sorted(x for x in design if x is not None)
        names = ["baseline"] + list(means.cells)
        units = [
            {"runs": [{"run_dir": f"{name}/{s}", "x": xs[names.index(name)], "seed": s} for s in new]}
            for name, _ in status.cells
        ]
        if status.new_ratio is not None:
            xn = math.log10(status.new_ratio)
            units.insert(1, {"runs": [{"run_dir": f"{xn}/{s}", "x": xn, "seed": s} for s in range(1, first + 1)]})
        decision = decide(stage, {("s", "k"): status}, units, runs, opts)
        if decision.action == "stop":
            return Outcome(runs, hi - lo, lo - 1e-9 <= p.x0 <= hi + 1e-9, stage)
        for r in decision.runs:
            design.setdefault(r["x"], set()).add(r["seed"])
        stage += 1


@dataclass(frozen=True)
class Saving:
    studies: int
    both_reached: int
    adaptive_runs: float  # mean over studies where both reached the target
    full_runs: float
    saving_runs: float
    adaptive_reached: float  # share of studies
    full_reached: float
    adaptive_coverage: float
    full_coverage: float
    adaptive_stages: float


def compare(
    p: Planted, studies: int, first: int = 2, max_seeds: int = 12, draws: int = 400, seed: int = 0, **opts
) -> Saving:
    """Simulate ``studies`` studies; the full grid and the adaptive design on each, same runs where they overlap."""
    o = {**DEFAULTS, "max_runs": max_seeds * (len(p.ratios) + 1), "max_stages": 50, **opts}
    target = float(o["target_decades"])
    rng = np.random.default_rng(seed)
    full_out, adapt_out = [], []
    for _ in range(studies):
        truth = Truth(p, np.random.default_rng(rng.integers(2**63)))
        fit_rng = np.random.default_rng(rng.integers(2**63))
        full_out.append(full_grid(truth, p, first, max_seeds, target, draws, fit_rng))
        adapt_out.append(adaptive(truth, p, first, o, draws, fit_rng))
    ok = [(a, f) for a, f in zip(adapt_out, full_out) if a.width <= target + 1e-12 and f.width <= target + 1e-12]
    a_runs = float(np.mean([a.runs for a, _ in ok])) if ok else math.nan
    f_runs = float(np.mean([f.runs for _, f in ok])) if ok else math.nan
    return Saving(
        studies=studies,
        both_reached=len(ok),
        adaptive_runs=a_runs,
        full_runs=f_runs,
        saving_runs=f_runs - a_runs,
        adaptive_reached=float(np.mean([a.width <= target + 1e-12 for a in adapt_out])),
        full_reached=float(np.mean([f.width <= target + 1e-12 for f in full_out])),
        adaptive_coverage=float(np.mean([a.covered for a in adapt_out])),
        full_coverage=float(np.mean([f.covered for f in full_out])),
        adaptive_stages=float(np.mean([a.stages for a in adapt_out])),
    )
