"""Seed-level inference: each grid cell against the single-task baseline, the training run as the unit.

Two trainings that differ only in seed differ by more than most effects of a
mixing ratio, so the test compares *runs*, never pooled test sentences (the
sentence bootstrap is a separate test-set uncertainty, see ``pvalues``).

Seed k of every cell shares initialisation, reference batch order and dropout
stream with the baseline's seed k, so runs are paired by seed. The primary
procedure is one additive linear model per setting x metric, ``value ~ cell +
seed`` (seed as a block), fitted by least squares on all runs of the setting:
it uses unbalanced designs as they come (extra baseline seeds, a seed one cell
lacks), pools the residual variance over cells, and gives each contrast
``cell - baseline`` a standard error from the model's covariance and a t test
on the residual df. Pairing only pays when seeds move all cells together; the
block model is chosen when its 95% intervals of the difference are narrower on
average than Welch's (unpaired, per cell; SE times the t quantile, so a Welch
SE resting on 3 df does not win by luck), else Welch is used for every cell.
A seed only the baseline has fits its own block exactly: extra baseline seeds
sharpen Welch, not the block model.

Many cells share one baseline: Holm within a setting x metric (``p_adjusted``),
Benjamini-Hochberg over every test of the study (``q_value``). The minimal
detectable effect at 80% power uses the Bonferroni level alpha/k, solved on the
noncentral t: the closed form (t_{1-alpha/2k} + t_{0.8}) * SE falls short of
80% with few residual df, and Holm only ever rejects more than Bonferroni.

Everything here takes plain ``(cell, seed, value)`` frames, so the calibration
simulation (``mtseq calibration``) runs exactly the code the tables use.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as st

from mtseq.analysis.stats import main_metric
from mtseq.errors import MtseqError
from mtseq.grid import BASELINE

ALPHA = 0.05
POWER = 0.8
BLOCK = "paired-block-lm"
WELCH = "welch"
NONE = "none"
CELL_COLUMNS = [  # compare_cells' table; delta = difference of means, estimate = what the test estimates
    "cell",
    "n_seeds",
    "n_baseline",
    "delta",
    "estimate",
    "se",
    "df",
    "p_value",
    "ci_low",
    "ci_high",
    "test",
    "p_adjusted",
    "mde80",
]


@dataclass(frozen=True)
class TTest:
    """A difference, its standard error and the t test on ``df`` degrees of freedom."""

    delta: float
    se: float
    df: float
    p_value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Grid:
    """The runs of one setting x metric as a cells x seeds matrix, NaN where a cell lacks a seed.

    Row 0 is the baseline, rows 1.. are ``cells`` in order.
    """

    cells: list[str]
    seeds: list
    values: np.ndarray

    @property
    def baseline(self) -> np.ndarray:
        row = self.values[0]
        return row[np.isfinite(row)]


@dataclass(frozen=True)
class BlockFit:
    """``value ~ cell + seed`` by least squares: each cell's contrast with the baseline."""

    cells: list[str]  # non-baseline cells, in the order of ``delta``
    delta: np.ndarray
    se: np.ndarray  # NaN where a contrast is not estimable (no chain of shared seeds to the baseline)
    se_unit: np.ndarray  # se / resid_sd: what the design alone decides
    df: int
    resid_sd: float


@dataclass(frozen=True)
class Family:
    """One setting x metric: which procedure, and what it can detect."""

    test: str
    n_cells: int
    n_runs: int
    n_baseline: int
    seeds_per_cell: float
    df_resid: float
    resid_sd: float
    unpaired_sd: float
    paired_seed_corr: float
    se_paired: float
    se_welch: float
    ci95_half_paired: float
    ci95_half_welch: float
    se: float
    mde80: float

    def as_row(self) -> dict:
        return asdict(self)


FAMILY_COLUMNS = ["setting", "metric", *(f.name for f in fields(Family))]  # inference.csv


def as_grid(runs: pd.DataFrame | Grid) -> Grid:
    """Columns cell, seed, value -> Grid; non-finite values are dropped, a (cell, seed) twice is refused."""
    if isinstance(runs, Grid):
        return runs
    missing = [c for c in ("cell", "seed", "value") if c not in runs.columns]
    if missing:
        raise MtseqError(f"runs need column(s) {', '.join(missing)}")
    values = pd.to_numeric(runs["value"], errors="coerce").to_numpy(dtype=float)
    df = runs.loc[np.isfinite(values), ["cell", "seed"]].assign(value=values[np.isfinite(values)])
    dup = df[df.duplicated(["cell", "seed"])]
    if not dup.empty:
        raise MtseqError(f"cell {dup['cell'].iloc[0]} has two runs with seed {dup['seed'].iloc[0]}")
    cells = [c for c in dict.fromkeys(df["cell"]) if c != BASELINE]
    seeds = sorted(dict.fromkeys(df["seed"]))
    row = {c: i for i, c in enumerate([BASELINE, *cells])}
    col = {s: j for j, s in enumerate(seeds)}
    matrix = np.full((1 + len(cells), len(seeds)), math.nan)
    matrix[[row[c] for c in df["cell"]], [col[s] for s in df["seed"]]] = df["value"].to_numpy()
    return Grid(cells, seeds, matrix)


def _zero_if_roundoff(values: np.ndarray, scale: float) -> np.ndarray:
    """Round-off to zero: an exactly additive toy grid must not yield SE 1e-15 and p = 0."""
    return np.where(values <= 1e-10 * max(scale, 1.0), 0.0, values)


def _scale(grid: Grid) -> float:
    finite = grid.values[np.isfinite(grid.values)]
    return float(np.abs(finite).max()) if finite.size else 1.0


def t_tests(delta, se, df, level: float = 1 - ALPHA) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-sided t test per element: (p, CI low, CI high); NaN where the SE is 0 or undefined (no spread, no test)."""
    delta, se, df = (np.asarray(a, dtype=float) for a in (delta, se, df))
    ok = np.isfinite(se) & (se > 0) & np.isfinite(df) & (df > 0)
    safe_se, safe_df = np.where(ok, se, 1.0), np.where(ok, df, 1.0)
    p = np.where(ok, 2 * st.t.sf(np.abs(delta) / safe_se, safe_df), math.nan)
    half = np.where(ok, st.t.ppf(0.5 + level / 2, safe_df) * safe_se, math.nan)
    return p, delta - half, delta + half


def _block(grid: Grid) -> BlockFit:
    k = len(grid.cells)
    rows, cols = np.nonzero(np.isfinite(grid.values))
    y = grid.values[rows, cols]
    n = len(y)
    x = np.zeros((n, 1 + k + max(len(grid.seeds) - 1, 0)))
    x[:, 0] = 1.0
    at = np.arange(n)
    x[at[rows > 0], rows[rows > 0]] = 1.0
    x[at[cols > 0], k + cols[cols > 0]] = 1.0  # seed j > 0 -> column k + j
    nan = np.full(k, math.nan)
    if n == 0 or not (rows == 0).any():
        return BlockFit(list(grid.cells), nan, nan, nan, 0, math.nan)
    u, sv, vt = np.linalg.svd(x, full_matrices=False)
    rank = int((sv > sv.max() * max(x.shape) * np.finfo(float).eps).sum())
    u, sv, vt = u[:, :rank], sv[:rank], vt[:rank]
    beta = vt.T @ ((u.T @ y) / sv)
    df = n - rank
    resid = y - x @ beta
    resid_sd = math.sqrt(float(resid @ resid) / df) if df > 0 else math.nan
    if df > 0:
        resid_sd = float(_zero_if_roundoff(np.array(resid_sd), _scale(grid)))
    idx = np.arange(1, 1 + k)
    proj = vt.T @ vt[:, idx]  # column i: projection of the unit contrast onto the row space
    estimable = np.abs(proj - np.eye(x.shape[1])[:, idx]).max(axis=0) < 1e-8
    var_unit = ((vt[:, idx] / sv[:, None]) ** 2).sum(axis=0)  # diag of (X'X)^+ at the cell columns
    se_unit = np.where(estimable, np.sqrt(var_unit), math.nan)
    delta = np.where(estimable, beta[idx], math.nan)
    return BlockFit(list(grid.cells), delta, resid_sd * se_unit, se_unit, df, resid_sd)


def block_model(runs: pd.DataFrame | Grid) -> BlockFit:
    """Least squares on intercept + cell dummies (baseline = reference) + seed dummies.

    Solved by SVD, so designs whose cells and seeds do not connect still fit;
    a contrast is reported only where it is estimable (lies in the row space).
    A seed that only one cell has fits its run exactly and so tells the
    contrasts nothing.
    """
    return _block(as_grid(runs))


def _welch(grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: mean difference, Welch SE (0 when neither side varies), Welch-Satterthwaite df."""
    m = grid.values
    n = np.isfinite(m).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(np.where(np.isfinite(m), m, 0.0), axis=1) / np.maximum(n, 1), math.nan)
        ss = np.nansum(np.where(np.isfinite(m), (m - mean[:, None]) ** 2, 0.0), axis=1)
        v = np.where(n >= 2, ss / np.maximum(n - 1, 1) / np.maximum(n, 1), math.nan)
        vc, vb = v[1:], v[0]
        se = _zero_if_roundoff(np.sqrt(vc + vb), _scale(grid))
        df = (vc + vb) ** 2 / (vc**2 / (n[1:] - 1) + vb**2 / (n[0] - 1))
    return mean[1:] - mean[0], se, np.where(se > 0, df, math.nan)


def welch(cell, base) -> TTest:
    """Welch's unpaired t test of mean(cell) - mean(base) (what scipy's ttest_ind(equal_var=False) computes)."""
    cell, base = np.asarray(cell, dtype=float), np.asarray(base, dtype=float)
    values = np.full((2, max(len(cell), len(base), 1)), math.nan)
    values[0, : len(base)], values[1, : len(cell)] = base, cell
    delta, se, df = (float(a[0]) for a in _welch(Grid(["cell"], list(range(values.shape[1])), values)))
    if len(cell) < 2 or len(base) < 2:
        return TTest(delta, math.nan, math.nan, math.nan, math.nan, math.nan)
    p, lo, hi = (float(a) for a in t_tests(delta, se, df))
    return TTest(delta, se, df, p, lo, hi)


def _paired_corr(grid: Grid) -> float:
    base = grid.values[0]
    xs, ys = [], []
    for row in grid.values[1:]:
        shared = np.isfinite(row) & np.isfinite(base)
        if shared.sum() >= 2:
            xs.append(row[shared] - row[shared].mean())
            ys.append(base[shared] - base[shared].mean())
    if not xs:
        return math.nan
    x, y = np.concatenate(xs), np.concatenate(ys)
    denom = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / denom if denom > 0 else math.nan


def paired_seed_correlation(runs: pd.DataFrame | Grid) -> float:
    """Correlation of a cell's and the baseline's values at the same seeds, centred per cell, pooled over cells.

    Near 0, pairing buys nothing; the closer to 1, the more of the seed noise
    the block model removes.
    """
    return _paired_corr(as_grid(runs))


def pooled_sd(values: np.ndarray) -> tuple[float, int]:
    """Pooled sd over seeds of a cells x seeds matrix (NaN = missing run) and its degrees of freedom."""
    ok = np.isfinite(values)
    n = ok.sum(axis=1)
    mean = np.where(n > 0, np.where(ok, values, 0.0).sum(axis=1) / np.maximum(n, 1), 0.0)
    ss = float(np.where(ok, (values - mean[:, None]) ** 2, 0.0).sum())
    dof = int(np.maximum(n - 1, 0).sum())
    return (math.sqrt(ss / dof) if dof > 0 else math.nan), dof


def _unpaired_sd(grid: Grid) -> float:
    return pooled_sd(grid.values)[0]


def unpaired_sd(runs: pd.DataFrame | Grid) -> float:
    """Pooled within-cell sd over seeds: the residual sd of the one-way, unpaired model."""
    return _unpaired_sd(as_grid(runs))


def holm(p) -> np.ndarray:
    """Holm's step-down adjusted p values; NaN stays NaN and does not count as a test."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, math.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    out[order] = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    return out


def benjamini_hochberg(p) -> np.ndarray:
    """Benjamini-Hochberg q values (scipy's false_discovery_control); NaN stays NaN and does not count."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, math.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = st.false_discovery_control(p[ok], method="bh")
    return out


@functools.lru_cache(maxsize=4096)
def _noncentrality(df: float, k: int, alpha: float, power: float) -> float:
    """The true shift, in SEs, that a two-sided t test at level alpha/k detects with the given power."""
    crit = float(st.t.ppf(1 - alpha / (2 * k), df))

    def gap(lam: float) -> float:
        lower = float(st.nct.cdf(-crit, df, lam))
        return float(st.nct.sf(crit, df, lam)) + (lower if math.isfinite(lower) else 0.0) - power

    hi = crit + max(float(st.t.ppf(power, df)), 1.0)
    while gap(hi) < 0:
        hi *= 1.5
    return float(optimize.brentq(gap, crit, hi, xtol=1e-8))


def mde(se, df: float, k: int, alpha: float = ALPHA, power: float = POWER):
    """Minimal detectable effect: the true difference a t test at the Bonferroni level alpha/k finds with this power.

    ``se`` may be an array (one per cell); NaN where there is no test.
    """
    se = np.asarray(se, dtype=float)
    if not (math.isfinite(df) and df >= 1 and k >= 1):
        return np.full(se.shape, math.nan) if se.ndim else math.nan
    out = _noncentrality(round(float(df), 3), int(k), alpha, power) * np.where(se > 0, se, math.nan)
    return out if se.ndim else float(out)


def compare_cells(runs: pd.DataFrame | Grid, alpha: float = ALPHA) -> tuple[pd.DataFrame, Family]:
    """Every non-baseline cell against the baseline, for one setting and one metric.

    ``runs`` has columns cell, seed, value. Returns one row per non-baseline
    cell (columns ``CELL_COLUMNS``) and the family's summary. ``delta`` is the
    difference of the means; ``estimate`` is the difference the test estimates
    and its CI is about: seed-adjusted under the block model (a seed only the
    baseline has tells the block model nothing), ``delta`` again under Welch.
    """
    grid = as_grid(runs)
    k = len(grid.cells)
    n = np.isfinite(grid.values).sum(axis=1)
    fit = _block(grid)
    w_delta, w_se, w_df = _welch(grid)
    testable = (n[1:] >= 2) & (n[0] >= 2)
    block_ok = fit.df >= 2 and fit.resid_sd > 0
    has_block = testable & np.isfinite(fit.se) & block_ok
    has_welch = testable & (w_se > 0)
    both = has_block & has_welch
    se_paired = float(fit.se[both].mean()) if both.any() else math.nan
    se_welch = float(w_se[both].mean()) if both.any() else math.nan
    # Pairing must pay: the block model where its 95% intervals are narrower on average. Widths, not
    # SEs: a Welch SE from 3 + 3 seeds rests on ~3 df and is often small by chance; chosen on SE alone,
    # Welch won a quarter of simulated grids whose seeds did pair, and lost power there.
    half_paired = float(st.t.ppf(1 - alpha / 2, max(fit.df, 1))) * se_paired
    half_welch = (
        float((st.t.ppf(1 - alpha / 2, np.where(both, w_df, 1.0)) * w_se)[both].mean()) if both.any() else math.nan
    )
    use_block = bool(half_paired < half_welch) if both.any() else bool(has_block.any() and not has_welch.any())
    block = has_block if use_block else np.zeros(k, dtype=bool)
    welch_ = has_welch & ~block
    test = np.where(block, BLOCK, np.where(welch_, WELCH, NONE))
    estimate = np.where(block, fit.delta, np.where(welch_, w_delta, math.nan))
    se = np.where(block, fit.se, np.where(welch_, w_se, math.nan))
    df = np.where(block, float(fit.df), np.where(welch_, w_df, math.nan))
    p, lo, hi = t_tests(estimate, se, df, 1 - alpha)
    n_tests = int(np.isfinite(p).sum())
    chosen = BLOCK if use_block else (WELCH if welch_.any() else NONE)
    mine = test == chosen
    family_df = float(np.median(df[mine])) if mine.any() else math.nan
    table = pd.DataFrame(
        {
            "cell": grid.cells,
            "n_seeds": n[1:],
            "n_baseline": np.full(k, n[0]),
            "delta": w_delta,
            "estimate": estimate,
            "se": se,
            "df": df,
            "p_value": p,
            "ci_low": lo,
            "ci_high": hi,
            "test": test,
            "p_adjusted": holm(p),
            "mde80": mde(se, family_df, n_tests, alpha),
        },
        columns=CELL_COLUMNS,
    )
    typical_se = float(np.median(se[mine])) if mine.any() else math.nan
    family = Family(
        test=chosen,
        n_cells=n_tests,
        n_runs=int(n.sum()),
        n_baseline=int(n[0]),
        seeds_per_cell=float(np.median(n[1:])) if k else math.nan,
        df_resid=float(fit.df),
        resid_sd=fit.resid_sd,
        unpaired_sd=_unpaired_sd(grid),
        paired_seed_corr=_paired_corr(grid),
        se_paired=se_paired,
        se_welch=se_welch,
        ci95_half_paired=half_paired,
        ci95_half_welch=half_welch,
        se=typical_se,
        mde80=mde(typical_se, family_df, n_tests, alpha),
    )
    return table, family


def tested_metrics(summary: pd.DataFrame, setting: str) -> list[str]:
    """Test-split main metrics that the baseline and some other cell of the setting both report.

    In practice the reference task's main metric: the baseline trains nothing else.
    """
    df = summary[summary["setting"] == setting]
    is_base = df["cell"] == BASELINE
    out = []
    for col in (c for c in df.columns if c.startswith("ratio.")):
        task = col[len("ratio.") :]
        metric = f"{task}.test.{main_metric(task)}"
        if metric in df.columns and df.loc[is_base, metric].notna().any() and df.loc[~is_base, metric].notna().any():
            out.append(metric)
    return out


def study_inference(summary: pd.DataFrame, alpha: float = ALPHA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every setting x tested metric of ``summary.csv``: per-cell tests and per-family summaries.

    Holm is applied within each family (by :func:`compare_cells`), Benjamini-
    Hochberg over all raw p values of the study (``q_value``).
    """
    cells, families = [], []
    empty = pd.DataFrame(columns=["setting", "metric", *CELL_COLUMNS, "q_value", "significant"])
    if summary.empty:
        return empty, pd.DataFrame(columns=FAMILY_COLUMNS)
    for setting in dict.fromkeys(summary["setting"]):
        rows = summary[summary["setting"] == setting]
        for metric in tested_metrics(summary, setting):
            runs = pd.DataFrame({"cell": rows["cell"], "seed": rows["seed"], "value": rows[metric]})
            table, family = compare_cells(runs, alpha)
            cells.append(table.assign(setting=setting, metric=metric))
            families.append({"setting": setting, "metric": metric, **family.as_row()})
    if not cells:
        return empty, pd.DataFrame(columns=FAMILY_COLUMNS)
    out = pd.concat(cells, ignore_index=True)
    out = out[["setting", "metric", *CELL_COLUMNS]]
    out["q_value"] = benjamini_hochberg(out["p_value"])
    out["significant"] = pd.array(
        [None if math.isnan(p) else bool(p < alpha) for p in out["p_adjusted"]], dtype="boolean"
    )
    return out, pd.DataFrame(families, columns=FAMILY_COLUMNS)
