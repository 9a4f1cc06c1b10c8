"""Ye et al. (2024)'s data mixing law on the reference task's validation loss, as a check on the curve.

The law predicts a domain's validation loss from the mixture proportions,
``L(p) = c + k * exp(t * p)``, with p the auxiliary task's share of the
updates, p = alpha / (1 + alpha) here (the reference task makes N updates,
the auxiliary alpha * N). Unlike the curves in ``curves`` it puts the
baseline on the curve (p = 0) and it is monotone in p: its best ratio is
always an end of the range. It is fitted to the seed-adjusted mean losses
(ln perplexity, block model as in ``curves``) by generalised least squares,
(c, k) in closed form for each t and t by a profile search, and judged like
the other families by leave-one-ratio-out error on the interior ratios,
against the quadratic in log alpha on the same losses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from mtseq.analysis.curves import CellMeans, loro_errors, rmse

T_BOUND = 40.0  # |t| searched
STEP_T = 20.0  # from here exp(t p) changes > 20,000-fold over p in [0, 0.5]: one end point moves alone, a step
_T_GRID = np.linspace(-T_BOUND, T_BOUND, 801)


@dataclass(frozen=True)
class LawFit:
    c: float
    k: float
    t: float

    def predict(self, p: np.ndarray) -> np.ndarray:
        return self.c + self.k * np.exp(self.t * np.asarray(p, dtype=float))


def proportion(alpha: np.ndarray) -> np.ndarray:
    """The auxiliary task's share of all updates at ratio alpha (the reference task at 1)."""
    alpha = np.asarray(alpha, dtype=float)
    return alpha / (1.0 + alpha)


def _gls_ck(p: np.ndarray, m: np.ndarray, vinv: np.ndarray, t: float) -> tuple[float, float, float]:
    """(c, k, weighted residual sum of squares) for a fixed t."""
    b = np.column_stack([np.ones_like(p), np.exp(t * p)])
    coef = np.linalg.pinv(b.T @ vinv @ b) @ b.T @ vinv @ m
    r = m - b @ coef
    return float(coef[0]), float(coef[1]), float(r @ vinv @ r)


def fit_law(p: np.ndarray, m: np.ndarray, cov: np.ndarray) -> LawFit:
    """GLS fit of c + k exp(t p): profile over a t grid, then a bounded refinement around the best."""
    vinv = np.linalg.pinv(cov)
    rss = np.array([_gls_ck(p, m, vinv, t)[2] for t in _T_GRID])
    i = int(np.argmin(rss))
    lo, hi = _T_GRID[max(i - 1, 0)], _T_GRID[min(i + 1, len(_T_GRID) - 1)]
    res = optimize.minimize_scalar(lambda t: _gls_ck(p, m, vinv, t)[2], bounds=(lo, hi), method="bounded")
    t = float(res.x) if res.success and res.fun <= rss[i] else float(_T_GRID[i])
    c, k, _ = _gls_ck(p, m, vinv, t)
    return LawFit(c, k, t)


def law_loro(p: np.ndarray, m: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Leave-one-ratio-out errors (predicted - observed) at the interior ratios; index 0 (baseline) always kept."""
    n = len(m)
    out = []
    for i in range(2, n - 1):  # interior ratio cells: not the baseline (0), not the ends (1, n - 1)
        keep = np.arange(n) != i
        fit = fit_law(p[keep], m[keep], cov[np.ix_(keep, keep)])
        out.append(float(fit.predict(p[i : i + 1])[0]) - float(m[i]))
    return np.asarray(out)


def mixing_law(means: CellMeans) -> dict:
    """The law on seed-adjusted mean losses (baseline first): parameters, best end, LORO RMSE vs the quadratic."""
    alpha = 10**means.x
    p = np.concatenate([[0.0], proportion(alpha)])
    fit = fit_law(p, means.mean, means.cov)
    pred = fit.predict(p[1:])
    best = float(alpha[int(np.argmin(pred))])
    quad = loro_errors("quadratic", means.x, means.mean[1:], means.cov[1:, 1:])[1:-1]
    law = law_loro(p, means.mean, means.cov) if len(means.x) >= 3 else np.array([math.nan])
    return {
        "law_c": fit.c,
        "law_k": fit.k,
        "law_t": fit.t,
        "law_alpha_best": best,
        "law_beats_baseline": bool(float(pred.min()) < float(fit.predict(np.array([0.0]))[0])),
        "law_loro_rmse": rmse(law),
        "law_quadratic_loro_rmse": rmse(quad),
    }
