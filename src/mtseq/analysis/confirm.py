"""Does the predicted gain at alpha* hold on runs the fit never saw?

Takes ``optimum.csv`` (the fit, on validation) and a summary of *other* runs -
fresh seeds at alpha* and at the baseline, e.g. a replication grid - and
scores them on **test**: the observed gain of alpha* over the baseline from
the seed-level block model (``inference.compare_cells``, runs paired by seed),
its 95% CI, whether it lies inside the predicted interval (``gain_test_low``
- ``gain_test_high``), and a consistency test of observed against predicted
(z on the two standard errors: the predicted interval is about the mean
gain, not about a new k-seed estimate, so "outside the interval" alone
overstates a miss). Seeds that the fit used are refused: that would not be a
confirmation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as st

from mtseq.analysis.inference import compare_cells
from mtseq.analysis.optimum_files import confirm_ratio
from mtseq.errors import MtseqError
from mtseq.grid import BASELINE, key_tasks

COLUMNS = [
    "setting",
    "key",
    "alpha_star",
    "metric",
    "cell",
    "seeds",
    "predicted",
    "predicted_low",
    "predicted_high",
    "observed",
    "observed_low",
    "observed_high",
    "test",
    "inside",
    "consistency_p",
    "confirmed_gain",
    "note",
]


def _cell_at(rows: pd.DataFrame, key: str, alpha: float) -> str | None:
    """The cell that trains ``key`` (alone) at ``alpha``, or None."""
    col = f"ratio.{key_tasks(key)[0]}"
    if col not in rows.columns:
        return None
    aux = rows["aux"].fillna("").astype(str) if "aux" in rows.columns else pd.Series("", index=rows.index)
    same = aux.map(lambda a: set(a.split("+")) == set(key_tasks(key)))  # a group's tasks in any order
    at = rows[same & np.isclose(pd.to_numeric(rows[col], errors="coerce"), alpha, rtol=1e-6)]
    return str(at["cell"].iloc[0]) if not at.empty else None


def confirm_row(fit: pd.Series, summary: pd.DataFrame, fit_seeds: set) -> dict:
    """One optimum.csv row against fresh runs: observed test gain at alpha* vs the predicted interval."""
    setting, key, alpha = str(fit["setting"]), str(fit["key"]), float(fit["alpha_star"])
    metric = str(fit["report_metric"])
    out = {c: math.nan for c in COLUMNS} | {"setting": setting, "key": key, "alpha_star": alpha, "metric": metric}
    out.update(cell=None, seeds="", test=None, inside=None, confirmed_gain=None, note="")
    out.update(predicted=fit["gain_test"], predicted_low=fit["gain_test_low"], predicted_high=fit["gain_test_high"])
    rows = summary[summary["setting"] == setting]
    cell = None
    if ";" not in key:  # alpha* itself, or as the workflow trains it (two significant digits)
        cell = _cell_at(rows, key, alpha) or _cell_at(rows, key, confirm_ratio(alpha))
    if cell is None or metric not in rows.columns:
        out["note"] = f"no runs at alpha* = {alpha:g}" if cell is None else f"no {metric} in the summary"
        return out
    runs = rows[rows["cell"].isin([BASELINE, cell])]
    reused = sorted(set(runs["seed"]) & fit_seeds)
    if reused:
        raise MtseqError(f"setting {setting}: seed {reused[0]} was used by the fit; a confirmation needs fresh seeds")
    table, _ = compare_cells(pd.DataFrame({"cell": runs["cell"], "seed": runs["seed"], "value": runs[metric]}))
    r = table.iloc[0]
    obs, lo, hi = float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"])
    out.update(cell=cell, seeds=" ".join(map(str, sorted(set(runs["seed"])))), test=r["test"])
    out.update(observed=obs, observed_low=lo, observed_high=hi)
    plo, phi = float(fit["gain_test_low"]), float(fit["gain_test_high"])
    if all(math.isfinite(v) for v in (obs, plo, phi)):
        out["inside"] = bool(plo <= obs <= phi)
        se_pred = (phi - plo) / (2 * st.norm.ppf(0.975))
        se_obs = float(r["se"])
        if math.isfinite(se_obs) and se_pred + se_obs > 0:
            z = (obs - float(fit["gain_test"])) / math.hypot(se_pred, se_obs)
            out["consistency_p"] = float(2 * st.norm.sf(abs(z)))
    if math.isfinite(lo):
        out["confirmed_gain"] = bool(lo > 0)
    return out


def confirm(optimum: pd.DataFrame, summary: pd.DataFrame, fit_summary: pd.DataFrame) -> pd.DataFrame:
    """Every 1-D row of optimum.csv against the fresh runs in ``summary``; ``fit_summary`` names the seeds used."""
    rows = []
    for _, r in optimum.iterrows():
        if ";" in str(r["key"]):  # a two-ratio surface: not confirmed here
            continue
        used = set(fit_summary.loc[fit_summary["setting"] == r["setting"], "seed"])
        rows.append(confirm_row(r, summary, used))
    return pd.DataFrame(rows, columns=COLUMNS)
