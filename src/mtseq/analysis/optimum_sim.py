"""Does the alpha* interval cover the true optimum? Simulated grids with a planted curve.

Each grid plants ``f(x) = top - curvature * |x - x0|^power`` over x = log10 ratio
(power 2: the quadratic family is right; other powers: it is not),
adds a seed effect shared by every cell of a seed (the pairing the block model
uses) and independent run noise, and runs exactly the code ``mtseq optimum``
runs: block model, family choice by leave-one-ratio-out error, bootstrap
interval of the argmax. Coverage is the share of grids whose interval holds
10**x0; a 95% interval should land near 95% (90-98% is the accepted band:
the percentile interval of an argmax is only approximately calibrated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtseq.analysis.curves import cell_means
from mtseq.analysis.optimum import analyse, fit_curve


@dataclass(frozen=True)
class Planted:
    ratios: tuple[float, ...] = (0.01, 0.0316, 0.1, 0.316, 1.0)
    seeds: int = 4
    x0: float = -1.0  # log10 of the true optimum
    top: float = 15.0
    curvature: float = 2.0  # loss in the metric one decade from the optimum
    power: float = 2.0
    baseline: float = 14.0
    seed_sd: float = 1.0
    noise_sd: float = 0.5


@dataclass(frozen=True)
class Coverage:
    grids: int
    covered: int
    coverage: float
    mean_width_decades: float
    gp_share: float


def simulate_grid(p: Planted, rng: np.random.Generator) -> np.ndarray:
    """(1 + K) x seeds values, baseline first."""
    x = np.log10(p.ratios)
    mean = np.concatenate([[p.baseline], p.top - p.curvature * np.abs(x - p.x0) ** p.power])
    seed = rng.normal(0, p.seed_sd, p.seeds)
    return mean[:, None] + seed[None, :] + rng.normal(0, p.noise_sd, (len(mean), p.seeds))


def coverage(p: Planted, grids: int = 200, draws: int = 1000, seed: int = 0) -> Coverage:
    """Run ``grids`` simulated grids; count those whose 95% alpha* interval contains the planted optimum."""
    rng = np.random.default_rng(seed)
    x = np.log10(p.ratios)
    cells = [f"c{i}" for i in range(len(x))]
    covered, widths, gp = 0, [], 0
    for _ in range(grids):
        means = cell_means(simulate_grid(p, rng), cells, x)
        fit = fit_curve(means, higher=True)
        out, _ = analyse(fit, delta=0.5, draws=draws, rng=rng)
        lo, hi = np.log10(out["alpha_low"]), np.log10(out["alpha_high"])
        covered += bool(lo - 1e-9 <= p.x0 <= hi + 1e-9)
        widths.append(hi - lo)
        gp += fit.family == "gp"
    return Coverage(grids, covered, covered / grids, float(np.mean(widths)), gp / grids)
