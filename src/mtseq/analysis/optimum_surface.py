"""One ``combine: product`` setting's optimum: the two-ratio surface of ``surface`` as a row of optimum.csv.

The row's ``alpha_*`` are the first key's coordinate of the optimum and its
interval, ``alpha2_*`` the second's; ``family`` is ``quadratic-surface``;
the robust region is not computed (NaN). The JSON holds the fitted surface
on its dense grid and a sample of the bootstrap argmaxes for the heatmap.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mtseq.analysis.optimum import (
    LEVEL,
    Optimum,
    _f_test,
    _has,
    _matrix,
    _rng,
    _t,
    draw_means,
    identity,
    run_points,
    selection_metric,
)
from mtseq.analysis.stats import higher_is_better
from mtseq.analysis.surface import dense_grid, surface_loro, surface_means, surface_smoother, usable_terms
from mtseq.errors import MtseqError
from mtseq.grid import AUX_SEP, BASELINE, Cell

FAMILY = "quadratic-surface"
SHOWN_DRAWS = 400  # argmaxes kept in the JSON for the heatmap


def _analyse(means, x, higher: bool, draws: int, rng: np.random.Generator) -> dict:
    sign = 1.0 if higher else -1.0
    g1, g2, xg = dense_grid(x)
    cov = means.cov[1:, 1:]
    cols = usable_terms(x)
    w = surface_smoother(x, cov, xg, cols)
    fg = w @ means.mean[1:]
    star = int(np.argmax(sign * fg))
    fb = draw_means(means, draws, rng)[:, 1:] @ w.T
    star_b = xg[np.argmax(sign * fb, axis=1)]
    q = [(1 - LEVEL) / 2, (1 + LEVEL) / 2]
    lo1, hi1 = np.quantile(star_b[:, 0], q)
    lo2, hi2 = np.quantile(star_b[:, 1], q)
    g = np.concatenate([[-1.0], w[star]])
    gain = float(g @ means.mean)
    se = means.sigma * math.sqrt(max(float(g @ means.cov_unit @ g), 0.0))
    t = _t(means.df, LEVEL)
    k = len(means.mean) - 1
    on_edge = bool(xg[star, 0] in (g1[0], g1[-1]) or xg[star, 1] in (g2[0], g2[-1]))
    return {
        "alpha_star": 10 ** float(xg[star, 0]),
        "alpha_low": 10 ** float(lo1),
        "alpha_high": 10 ** float(hi1),
        "alpha2_star": 10 ** float(xg[star, 1]),
        "alpha2_low": 10 ** float(lo2),
        "alpha2_high": 10 ** float(hi2),
        "at_edge": on_edge,
        "baseline": float(means.mean[0]),
        "fit_at_star": float(fg[star]),
        "gain": gain,
        "gain_low": gain - t * se,
        "gain_high": gain + t * se,
        "choice": "ratio" if gain - t * se > 0 else ("baseline" if gain + t * se < 0 else "undecided"),
        "flat_p": _f_test(means, np.arange(1, k + 1)),
        "no_effect_p": _f_test(means, np.arange(0, k + 1)),
        "terms": len(cols),
        "surface": {
            "alpha1": (10**g1).tolist(),
            "alpha2": (10**g2).tolist(),
            "fit": fg.reshape(len(g1), len(g2)).tolist(),
            "argmax_draws": (10 ** star_b[:SHOWN_DRAWS]).tolist(),
        },
    }


def surface_for(
    summary: pd.DataFrame, cells: list[Cell], setting: str, keys: tuple[str, str], draws: int, seed: int
) -> Optimum:
    """Fit and analyse the two-ratio surface of one product setting."""
    rows = summary[summary["setting"] == setting]
    reference, metric, test, selected_on = selection_metric(summary, setting)
    grid = [c for c in cells if c.setting == setting and tuple(c.aux) == keys]
    ids = [BASELINE] + [c.cell for c in grid]
    missing = [c for c in ids if c not in set(rows["cell"])]
    if missing:
        raise MtseqError(f"setting {setting}: no runs of cell {missing[0]} in the summary")
    x = np.log10([[c.aux[keys[0]], c.aux[keys[1]]] for c in grid])
    higher = higher_is_better(metric)

    def means_of(column: str):
        frame = rows.assign(value=pd.to_numeric(rows[column], errors="coerce"))[["cell", "seed", "value"]]
        try:
            return surface_means(_matrix(frame, ids), ids[1:])
        except MtseqError as err:
            raise MtseqError(f"setting {setting}, {column}: {err.message}") from None

    means = means_of(metric)
    key = AUX_SEP.join(keys)
    out = _analyse(means, x, higher, draws, _rng(seed, setting, key))
    gain_test = (math.nan, math.nan, math.nan)
    if _has(summary, test, rows):
        tm = means_of(test)
        w = surface_smoother(x, tm.cov[1:, 1:], np.log10([[out["alpha_star"], out["alpha2_star"]]]))
        g = np.concatenate([[-1.0], w[0]])
        gt = float(g @ tm.mean)
        se = tm.sigma * math.sqrt(max(float(g @ tm.cov_unit @ g), 0.0))
        t = _t(tm.df, LEVEL)
        gain_test = (gt, gt - t * se, gt + t * se)
    notes = [f"two-ratio surface ({out.pop('terms')} quadratic terms); no robust region"]
    if out["at_edge"]:
        notes.append("optimum on the edge of the trained rectangle")
    surface = out.pop("surface")
    diag = np.diag(means.cov[1:, 1:])
    return Optimum(
        **identity(setting, key, metric, selected_on, test, len(grid), means, gain_test, notes),
        family=FAMILY,
        loro_rmse_quadratic=surface_loro(x, means.mean[1:], means.cov[1:, 1:]),
        loro_rmse_gp=math.nan,
        loro_noise=float(np.sqrt(diag.mean())),
        delta=math.nan,
        robust_low=math.nan,
        robust_high=math.nan,
        baseline_equivalent=None,
        curve={"surface": surface},
        points=run_points(rows, metric, ids, {c.cell: [c.aux[keys[0]], c.aux[keys[1]]] for c in grid}),
        hyper={"terms": usable_terms(x)},
        **out,
    )
