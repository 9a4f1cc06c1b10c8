"""Adaptive seed allocation: after each stage, which runs to train next, or stop and why.

A pure function of the runs so far and the config (no clock, no randomness
beyond the fit's generator, which ``optimum.seed`` fixes), so a stage decided
twice - after a crash, on another machine - plans the same runs.

Per curve (setting x auxiliary key, ``combine: each``) the fit of
``mtseq optimum`` gives alpha* and its 95% interval. A curve is *done* when
that interval spans at most ``target_decades`` of alpha (default half a
decade). For a curve that is not done, the next stage trains
``seeds_per_stage`` new seeds (the same new seed numbers in every cell, so
they pair) on:

- the **incumbent** (the curve cell with the best seed-adjusted mean);
- every cell, baseline included, **not separated** from the incumbent (a
  one-sided paired t test that it is worse, p >= ``separate_p``): more seeds
  there either separate it or move the incumbent;
- the trained ratios **inside or bracketing** the alpha* interval: the points
  that pin where the curve peaks.

Cells clearly worse and away from the interval get nothing: that is where a
full grid wastes runs. With ``add_ratios``, a curve whose interval meets a gap
between trained ratios of at least twice the target also gets a new ratio at
the gap's log midpoint (two significant digits), trained on the grid's seeds.

The study stops when every curve is done, when the next stage would exceed
``max_runs`` (a stage is trimmed to the budget, in priority order, and stops
if fewer than two cells fit), or after ``max_stages`` stages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as st

from mtseq.analysis.curves import CellMeans
from mtseq.analysis.optimum_files import confirm_ratio

DONE, TRAIN, STOP = "done", "train", "stop"


@dataclass(frozen=True)
class CurveStatus:
    """One curve after a stage: its alpha* interval (log10) and where more seeds would tell."""

    star: float
    low: float
    high: float
    done: bool
    cells: list[tuple[str, str]]  # (cell, reason) to seed, priority order; "baseline" may be among them
    new_ratio: float | None = None

    @property
    def width(self) -> float:
        return self.high - self.low


def separated(means: CellMeans, i: int, j: int, higher: bool, p: float) -> bool:
    """True when cell i (index into means.mean, 0 = baseline) is worse than cell j by a one-sided t test at p."""
    c = np.zeros(len(means.mean))
    c[j], c[i] = 1.0, -1.0
    d = float(c @ means.mean) * (1.0 if higher else -1.0)
    se = means.sigma * math.sqrt(max(float(c @ means.cov_unit @ c), 0.0))
    if se <= 0:
        return d > 0
    return float(st.t.sf(d / se, means.df)) < p


def vertex_gradient(means: CellMeans, higher: bool) -> np.ndarray | None:
    """d alpha*/d(cell means) of the GLS quadratic's vertex, or None without an interior optimum.

    The delta method: var(x*) = g' Cov(means) g, and with cell means of about
    sigma^2/n_j each, the n_j minimising it are proportional to |g_j| - the
    cells whose runs move the vertex most. The quadratic stands in for the
    chosen family here: only the allocation uses it, never the interval.
    """
    x, k = means.x, len(means.x)
    if k < 3:
        return None
    b = np.vander(x, 3, increasing=True)
    vinv = np.linalg.pinv(means.cov_unit[1:, 1:])
    c = np.linalg.pinv(b.T @ vinv @ b) @ b.T @ vinv
    b0, b1, b2 = c @ means.mean[1:]
    if (b2 >= 0 if higher else b2 <= 0) or not x.min() <= -b1 / (2 * b2) <= x.max():
        return None
    return np.array([0.0, -1.0 / (2 * b2), b1 / (2 * b2 * b2)]) @ c


def curve_status(means: CellMeans, star: float, low: float, high: float, higher: bool, opts: dict) -> CurveStatus:
    """Decide one curve from its seed-adjusted means and its alpha* interval (log10 ratio)."""
    target = float(opts["target_decades"])
    if high - low <= target + 1e-12:
        return CurveStatus(star, low, high, True, [])
    x, k = means.x, len(means.x)
    sign = 1.0 if higher else -1.0
    inc = int(np.argmax(sign * means.mean[1:])) + 1  # index into means.mean
    reasons: dict[int, str] = {inc: "incumbent"}
    grad = vertex_gradient(means, higher)
    counts = means.counts[1:] if means.counts is not None else np.ones(k)
    if grad is not None and np.abs(grad).sum() > 0:
        # cells below their optimal share of the runs (n_j proportional to |g_j|), most deficient first
        share = np.abs(grad) / np.abs(grad).sum()
        deficit = counts / counts.sum() - share
        for i in np.argsort(deficit, kind="stable"):
            if len(reasons) < 2 or (deficit[i] < 0 and share[i] > 0.05):
                reasons.setdefault(int(i) + 1, f"narrows the alpha* interval ({share[i]:.0%} of its leverage)")
    else:  # no interior vertex: the cells in and around the interval, and those not separated from the incumbent
        inside = [i for i in range(k) if low - 1e-12 <= x[i] <= high + 1e-12]
        below = [i for i in range(k) if x[i] < low - 1e-12]
        above = [i for i in range(k) if x[i] > high + 1e-12]
        pinning = set(inside) | ({below[-1]} if below else set()) | ({above[0]} if above else set())
        for i in sorted(range(k), key=lambda i: (abs(x[i] - star), x[i])):
            if i + 1 in reasons:
                continue
            if i in pinning:
                reasons[i + 1] = "pins the alpha* interval"
            elif not separated(means, i + 1, inc, higher, float(opts["separate_p"])):
                reasons[i + 1] = "not separated from the incumbent"
    if not separated(means, 0, inc, higher, float(opts["separate_p"])):
        reasons[0] = "baseline not separated from the incumbent"
    names = ["baseline"] + list(means.cells)
    cells = [(names[i], why) for i, why in reasons.items()]
    return CurveStatus(star, low, high, False, cells, _new_ratio(x, low, high, target) if opts["add_ratios"] else None)


def _new_ratio(x: np.ndarray, low: float, high: float, target: float) -> float | None:
    """Midpoint (log) of the widest gap between trained ratios that meets the interval, if >= 2 x target."""
    best = None
    xs = np.sort(x)
    for a, b in zip(xs[:-1], xs[1:]):
        if b >= low and a <= high and b - a >= 2 * target - 1e-9 and (best is None or b - a > best[1] - best[0]):
            best = (a, b)
    if best is None:
        return None
    ratio = confirm_ratio(10 ** ((best[0] + best[1]) / 2))
    return None if any(abs(math.log10(ratio) - v) < 1e-9 for v in x) else ratio


@dataclass
class Decision:
    """After ``stage``: train ``runs`` as stage + 1, or stop (``reason`` says why)."""

    stage: int
    action: str
    reason: str
    runs: list[dict] = field(default_factory=list)  # setting, key, cell, ratio, seed, run_dir, reason


def next_seeds(used: set[int], reserved: set[int], n: int) -> list[int]:
    """The n smallest seeds above every seed used so far, skipping reserved ones (confirmation seeds)."""
    out, s = [], max(used, default=0) + 1
    while len(out) < n:
        if s not in reserved:
            out.append(s)
        s += 1
    return out


def decide(
    stage: int, statuses: dict[tuple[str, str], CurveStatus], units: list[dict], runs_so_far: int, opts: dict
) -> Decision:
    """Stop, or the next stage's runs trimmed to the budget.

    ``units`` are the candidate cells in priority order, each ``{"runs": [...]}``
    (a cell's new seeds together): a stage is cut at whole cells.
    """
    if not statuses:
        return Decision(stage, STOP, "no ratio curve to adapt (a setting needs two ratios of one auxiliary key)")
    if all(s.done for s in statuses.values()):
        return Decision(stage, STOP, f"every alpha* interval spans <= {opts['target_decades']:g} decades")
    if stage >= int(opts["max_stages"]):
        return Decision(stage, STOP, f"max_stages ({opts['max_stages']}) reached")
    left = int(opts["max_runs"]) - runs_so_far
    runs: list[dict] = []
    cells = 0
    seen: set[str] = set()
    for unit in units:
        new = [r for r in unit["runs"] if r["run_dir"] not in seen]
        if not new or len(runs) + len(new) > left:
            continue
        runs += new
        seen.update(r["run_dir"] for r in new)
        cells += 1
    if cells < 2:
        return Decision(stage, STOP, f"run budget spent ({runs_so_far} of max_runs {opts['max_runs']})")
    return Decision(stage, TRAIN, f"{sum(not s.done for s in statuses.values())} alpha* interval(s) too wide", runs)
