"""Per-cell statistics over seeds: mean, sample std and a t confidence interval.

A grid cell has a handful of seeds (3 by default), so the interval uses
Student's t with n-1 degrees of freedom, not a normal approximation; with
one seed there is no spread to estimate and the std and interval are NaN
rather than a misleading zero width.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from mtseq.tasks import get_task


@dataclass(frozen=True)
class SeedStats:
    n: int
    mean: float
    std: float
    ci_low: float
    ci_high: float


def seed_stats(values: Iterable[float], level: float = 0.95) -> SeedStats:
    """Mean, sample std (ddof=1) and two-sided t interval of finite values."""
    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    n = len(x)
    if n == 0:
        return SeedStats(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n == 1:
        return SeedStats(1, mean, math.nan, math.nan, math.nan)
    std = float(x.std(ddof=1))
    half = float(_st.t.ppf(0.5 + level / 2, df=n - 1)) * std / math.sqrt(n)
    return SeedStats(n, mean, std, mean - half, mean + half)


# Which direction is better, by metric name (the last part of "<task>.<split>.<metric>").
LOWER_IS_BETTER = frozenset({"ppl", "loss", "repaired_share"})


def higher_is_better(metric: str) -> bool:
    return metric.rsplit(".", 1)[-1] not in LOWER_IS_BETTER


# The metric a task is judged by in tables and plots (by task kind).
MAIN_METRIC = {
    "translate": "bleu",
    "caption": "bleu",
    "parse": "f1",
    "autoencode": "ppl",
    "skipthought": "ppl",
    "skipthought_halves": "ppl",
}


def reference_metric(reference: str, split: str = "test") -> str:
    """The column "<task>.<split>.<metric>" of a task's main metric."""
    return f"{reference}.{split}.{main_metric(reference)}"


def main_metric(task: str) -> str:
    return MAIN_METRIC[get_task(task).kind]
