"""Which design spreads less? The seed-to-seed variance of two grids of the same cells and seeds.

Two grids that differ in one design choice (the mixing strategy, say) are
compared per setting on the tested metric. The statistic is the pooled
within-cell variance over seeds of the auxiliary cells, together with the
paired differences to the baseline. The baseline is excluded from the pooling
because both grids share its runs; only then are the two estimates
independent and is the F test exact under normality. ``mde80`` is the
minimal detectable effect each grid's own inference reports (``inference.py``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from mtseq.analysis.inference import ALPHA, as_grid, compare_cells, pooled_sd, tested_metrics
from mtseq.errors import MtseqError

COLUMNS = [
    "setting",
    "metric",
    "grid",
    "cells",
    "runs",
    "df",
    "within_sd",
    "within_sd_ci95_low",
    "within_sd_ci95_high",
    "paired_diff_sd",
    "resid_sd",
    "mde80",
]


def sd_interval(sd: float, df: int, level: float = 1 - ALPHA) -> tuple[float, float]:
    """Chi-square interval of a standard deviation on ``df`` degrees of freedom."""
    if not df or not math.isfinite(sd):
        return math.nan, math.nan
    tail = (1 - level) / 2
    return sd * math.sqrt(df / stats.chi2.ppf(1 - tail, df)), sd * math.sqrt(df / stats.chi2.ppf(tail, df))


def _one(summary: pd.DataFrame, setting: str, metric: str, name: str) -> dict:
    rows = summary[summary["setting"] == setting]
    runs = pd.DataFrame({"cell": rows["cell"], "seed": rows["seed"], "value": rows[metric]})
    grid = as_grid(runs)
    aux = grid.values[1:]
    within, df = pooled_sd(aux)
    diffs = aux - grid.values[0]
    paired, _ = pooled_sd(diffs)
    _, family = compare_cells(runs)
    low, high = sd_interval(within, df)
    return {
        "setting": setting,
        "metric": metric,
        "grid": name,
        "cells": len(grid.cells),
        "runs": int(np.isfinite(aux).sum()),
        "df": df,
        "within_sd": within,
        "within_sd_ci95_low": low,
        "within_sd_ci95_high": high,
        "paired_diff_sd": paired,
        "resid_sd": family.resid_sd,
        "mde80": family.mde80,
    }


def compare_variance(a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Per setting x tested metric: both grids' spread and the F test of their within-cell variances.

    Only settings and metrics both grids test are compared; ``variance_ratio`` is a/b and ``p_value``
    the two-sided F test on the two pooled variances (independent runs: the shared baseline is left out).
    """
    rows = []
    for setting in dict.fromkeys(a["setting"]):
        if setting not in set(b["setting"]):
            continue
        for metric in tested_metrics(a, setting):
            if metric not in tested_metrics(b, setting):
                continue
            ra, rb = _one(a, setting, metric, names[0]), _one(b, setting, metric, names[1])
            ratio = p = math.nan
            if ra["df"] and rb["df"] and rb["within_sd"] > 0:
                ratio = (ra["within_sd"] / rb["within_sd"]) ** 2
                tail = stats.f.cdf(ratio, ra["df"], rb["df"])
                p = float(min(1.0, 2 * min(tail, 1 - tail)))
            rows += [{**ra, "variance_ratio": ratio, "p_value": p}, {**rb, "variance_ratio": ratio, "p_value": p}]
    if not rows:
        raise MtseqError("the two summaries share no setting with a tested metric")
    return pd.DataFrame(rows, columns=[*COLUMNS, "variance_ratio", "p_value"])
