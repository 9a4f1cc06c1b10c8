"""The ratio to choose: a fitted curve over log ratio, the best ratio with its interval, a robust region.

Per setting and auxiliary key, on the reference task's main metric:

- **selection on validation, report on test**: the curve, alpha*, its
  interval, flatness and robust region come from the validation metric (the
  test metric only when runs report no validation score, said in ``selected_on``);
  the test gain at that alpha* is reported beside it.
- **alpha***: the argmax of the fitted curve over the grid's ratio range (no
  extrapolation beyond the ratios that were trained). Its 95% interval is the
  percentile interval of the argmax over parametric-bootstrap draws of the
  seed-adjusted means (normal with the block model's covariance, the residual
  sd drawn from its scaled chi-square, so few seeds widen it as they should).
- **gain**: fitted value at alpha* minus the baseline, with a t interval on the
  block model's df; ``choice`` says "ratio" when that interval lies above 0,
  "baseline" when below (mixing at any trained ratio is no better than not
  mixing), else "undecided". It is read off the maximum of a fitted curve, so it is
  optimistic; a confirmation on fresh seeds is the honest check.
- **flatness**: an F test that all curve cells have the same seed-adjusted
  mean (model-free: no family decides it), and one that includes the baseline.
- **robust region**: the ratios whose fitted value is equivalent to the best
  within +-delta by TOST (both one-sided 5% t tests on the difference to the
  value at alpha*), the connected stretch around alpha*. It takes alpha* as
  given, so read it as "indistinguishable from the chosen point".
- **simultaneous band**: fitted curve +- q * sd, q the 95% quantile of the
  draws' largest standardised deviation over the whole range.

Every draw comes from a generator seeded from the config's ``optimum.seed``,
the setting and the key, so the same tables give the same numbers.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as st

from mtseq.analysis.curves import GP, CellMeans, cell_means, choose_family, gp_posterior_cov, smoother
from mtseq.analysis.mixing_law import STEP_T, mixing_law
from mtseq.analysis.optimum_files import curve_keys, surface_keys
from mtseq.analysis.stats import higher_is_better, main_metric
from mtseq.config import schema_defaults
from mtseq.errors import MtseqError
from mtseq.grid import BASELINE, Cell

LEVEL = 0.95
GRID_POINTS = 201
# the optimum section's scalar options, with the schema's defaults (spelled there alone)
DEFAULTS = {k: v for k, v in schema_defaults("optimum").items() if k in ("delta", "draws", "seed")}


def run_points(rows: pd.DataFrame, metric: str, ids, ratio_of: dict) -> list[dict]:
    """Every run's value with its cell's ratio(s): the per-seed points the plots draw over the fit."""
    frame = rows.assign(value=pd.to_numeric(rows[metric], errors="coerce"))
    return [
        {"cell": r.cell, "alpha": ratio_of.get(r.cell), "seed": int(r.seed), "value": float(r.value)}
        for r in frame.itertuples(index=False)
        if r.cell in ids and math.isfinite(r.value)
    ]


@dataclass
class Optimum:
    """One setting x auxiliary key: the row of optimum.csv (``curve`` and ``points`` go to the JSON only)."""

    setting: str
    key: str
    metric: str
    selected_on: str
    report_metric: str
    n_ratios: int
    n_runs: int
    n_seeds: int
    df: int
    resid_sd: float
    family: str
    loro_rmse_quadratic: float
    loro_rmse_gp: float
    loro_noise: float
    alpha_star: float
    alpha_low: float
    alpha_high: float
    at_edge: bool
    baseline: float
    fit_at_star: float
    gain: float
    gain_low: float
    gain_high: float
    gain_test: float
    gain_test_low: float
    gain_test_high: float
    flat_p: float
    no_effect_p: float
    delta: float
    robust_low: float
    robust_high: float
    baseline_equivalent: bool
    choice: str  # "ratio" (gain interval above 0), "baseline" (below 0) or "undecided"
    note: str = ""
    # Ye et al.'s mixing law on validation loss (ln perplexity), a check on the curve (see mixing_law)
    law_metric: str = ""
    law_t: float = math.nan
    law_alpha_best: float = math.nan
    law_beats_baseline: bool | None = None
    law_loro_rmse: float = math.nan
    law_quadratic_loro_rmse: float = math.nan
    # a two-ratio surface (combine: product): alpha_* are the first key's, alpha2_* the second's
    alpha2_star: float = math.nan
    alpha2_low: float = math.nan
    alpha2_high: float = math.nan
    curve: dict = field(default_factory=dict, repr=False)
    points: list = field(default_factory=list, repr=False)
    hyper: dict = field(default_factory=dict, repr=False)

    def row(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("curve", "points", "hyper")}


COLUMNS = [f for f in Optimum.__dataclass_fields__ if f not in ("curve", "points", "hyper")]


@dataclass(frozen=True)
class Fit:
    """A chosen family's curve on a dense grid of log10 ratio, with the draws behind every interval."""

    means: CellMeans
    family: str
    loro: dict[str, float]  # interior leave-one-ratio-out RMSE per family
    loro_folds: dict[str, list]  # every fold's error (predicted - observed) per family
    hyper: dict
    xg: np.ndarray
    w: np.ndarray  # (G, K): f(xg) = w @ means.mean[1:]
    sign: float  # +1 when higher is better
    post_cov: np.ndarray | None = None  # GP: posterior covariance of f(xg); None: the smoother's sampling one

    def cov_f(self) -> np.ndarray:
        """Covariance of the fitted curve on the dense grid."""
        if self.post_cov is not None:
            return self.post_cov
        return self.means.sigma**2 * self.w @ self.means.cov_unit[1:, 1:] @ self.w.T

    def draws(self, sample: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """(n, G) curves: the smoother applied to bootstrap means, or GP posterior draws."""
        if self.post_cov is None:
            return sample[:, 1:] @ self.w.T
        fg = self.w @ self.means.mean[1:]
        chol = np.linalg.cholesky(
            self.post_cov + 1e-9 * max(float(np.diag(self.post_cov).max()), 1e-12) * np.eye(len(fg))
        )
        return fg[None] + rng.standard_normal((len(sample), len(fg))) @ chol.T


def fit_curve(means: CellMeans, higher: bool = True, family: str | None = None) -> Fit:
    """Choose the family by leave-one-ratio-out error (unless given) and build its smoother on a dense grid."""
    x, m, cov = means.x, means.mean[1:], means.cov[1:, 1:]
    chosen, loro, folds = choose_family(x, m, cov)
    family = family or chosen
    xg = np.linspace(x.min(), x.max(), GRID_POINTS) if len(x) > 1 else x.copy()
    w, hyper = smoother(family, x, cov, xg, m)
    post = gp_posterior_cov(x, cov, xg, hyper) if family == GP else None
    return Fit(means, family, loro, folds, hyper, xg, w, 1.0 if higher else -1.0, post)


def draw_means(means: CellMeans, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, K + 1) parametric-bootstrap draws of the seed-adjusted means, sigma drawn from its chi-square."""
    chol = np.linalg.cholesky(means.cov_unit + 1e-12 * np.eye(len(means.mean)))
    z = rng.standard_normal((n, len(means.mean)))
    s = means.sigma * np.sqrt(means.df / rng.chisquare(means.df, size=n))
    return means.mean[None, :] + s[:, None] * (z @ chol.T)


def _t(df: int, level: float) -> float:
    return float(st.t.ppf(0.5 + level / 2, df))


def _f_test(means: CellMeans, idx: np.ndarray) -> float:
    """p of H0: the seed-adjusted means at ``idx`` are all equal (F on the block model's df)."""
    if len(idx) < 2 or means.sigma <= 0:
        return math.nan
    c = np.zeros((len(idx) - 1, len(means.mean)))
    c[np.arange(len(idx) - 1), idx[1:]] = 1.0
    c[:, idx[0]] = -1.0
    d = c @ means.mean
    stat = float(d @ np.linalg.solve(c @ means.cov_unit @ c.T, d)) / (len(idx) - 1) / means.sigma**2
    return float(st.f.sf(stat, len(idx) - 1, means.df))


def _component(mask: np.ndarray, i: int) -> tuple[int, int]:
    """The run of True in ``mask`` that contains index i."""
    lo = hi = i
    while lo > 0 and mask[lo - 1]:
        lo -= 1
    while hi < len(mask) - 1 and mask[hi + 1]:
        hi += 1
    return lo, hi


def analyse(
    fit: Fit, delta: float, draws: int, rng: np.random.Generator, level: float = LEVEL
) -> tuple[dict, np.ndarray]:
    """alpha*, its interval, gain, flatness, robust region and band for one fitted curve."""
    means, w, xg, sign = fit.means, fit.w, fit.xg, fit.sign
    k = len(means.x)
    fg = w @ means.mean[1:]
    star = int(np.argmax(sign * fg))
    sample = draw_means(means, draws, rng)
    fb = fit.draws(sample, rng)  # (draws, G)
    star_b = xg[np.argmax(sign * fb, axis=1)]
    lo_x, hi_x = np.quantile(star_b, [(1 - level) / 2, (1 + level) / 2])
    cov_f = fit.cov_f()
    sd = np.sqrt(np.clip(np.diag(cov_f), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        dev = np.abs(fb - fg[None]) / np.where(sd > 0, sd, np.inf)[None]
    q = float(np.quantile(dev.max(axis=1), level))
    t = _t(means.df, level)
    # gain: f(x*) - baseline; the baseline's covariance with the curve runs through the shared seeds
    cov_fb = means.sigma**2 * w[star] @ means.cov_unit[1:, 0]
    gain = float(fg[star] - means.mean[0])
    gain_se = math.sqrt(max(float(cov_f[star, star] + means.cov[0, 0] - 2 * cov_fb), 0.0))
    # TOST of f(x) - f(x*) within +-delta: both one-sided tests at (1 - level)
    t1 = _t(means.df, 1 - 2 * (1 - level))
    d = fg - fg[star]
    d_se = np.sqrt(np.clip(np.diag(cov_f) + cov_f[star, star] - 2 * cov_f[:, star], 0, None))
    equivalent = (d - t1 * d_se > -delta) & (d + t1 * d_se < delta)
    r_lo, r_hi = _component(equivalent, star)
    base_equiv = abs(gain) + t1 * gain_se < delta
    out = {
        "alpha_star": 10 ** float(xg[star]),
        "alpha_low": 10 ** float(lo_x),
        "alpha_high": 10 ** float(hi_x),
        "at_edge": bool(k > 1 and star in (0, len(xg) - 1)),
        "baseline": float(means.mean[0]),
        "fit_at_star": float(fg[star]),
        "gain": gain,
        "gain_low": gain - t * gain_se,
        "gain_high": gain + t * gain_se,
        "flat_p": _f_test(means, np.arange(1, k + 1)),
        "no_effect_p": _f_test(means, np.arange(0, k + 1)),
        "delta": float(delta),
        "robust_low": 10 ** float(xg[r_lo]),
        "robust_high": 10 ** float(xg[r_hi]),
        "baseline_equivalent": bool(base_equiv),
        "choice": "ratio" if gain - t * gain_se > 0 else ("baseline" if gain + t * gain_se < 0 else "undecided"),
        "curve": {
            "alpha": (10**xg).tolist(),
            "fit": fg.tolist(),
            "band_low": (fg - q * sd).tolist(),
            "band_high": (fg + q * sd).tolist(),
            "band_quantile": q,
        },
    }
    return out, star_b


def gain_on_test(means: CellMeans, family: str, alpha_star: float, level: float = LEVEL):
    """(gain, low, high) of the test metric at a ratio chosen on validation: the same family refitted on test."""
    w, _ = smoother(family, means.x, means.cov[1:, 1:], np.array([math.log10(alpha_star)]), means.mean[1:])
    g = np.concatenate([[-1.0], w[0]])
    gain = float(g @ means.mean)
    se = means.sigma * math.sqrt(max(float(g @ means.cov_unit @ g), 0.0))
    t = _t(means.df, level)
    return gain, gain - t * se, gain + t * se


# -- from summary.csv ------------------------------------------------------------


def _rng(seed: int, setting: str, key: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(setting.encode()), zlib.crc32(key.encode())])


def _matrix(rows: pd.DataFrame, cells: list[str]) -> np.ndarray:
    """(1 + K) x seeds values, baseline first; NaN where a run is missing."""
    seeds = sorted(rows["seed"].unique())
    col = {s: j for j, s in enumerate(seeds)}
    out = np.full((len(cells), len(seeds)), math.nan)
    index = {c: i for i, c in enumerate(cells)}
    for r in rows.itertuples(index=False):
        if r.cell in index:
            value = pd.to_numeric(r.value, errors="coerce")
            out[index[r.cell], col[r.seed]] = value
    return out


def _curve_cells(cells: list[Cell], setting: str, key: str) -> list[Cell]:
    return [c for c in cells if c.setting == setting and list(c.aux) == [key]]


def _has(summary: pd.DataFrame, column: str, rows: pd.DataFrame) -> bool:
    return column in summary.columns and pd.to_numeric(rows[column], errors="coerce").notna().any()


def selection_metric(summary: pd.DataFrame, setting: str) -> tuple[str, str, str, str]:
    """(reference task, metric to select on, test metric to report, "valid" or "test") for a setting."""
    rows = summary[summary["setting"] == setting]
    if rows.empty:
        raise MtseqError(f"summary has no runs of setting {setting}")
    reference = str(rows["reference"].iloc[0])
    name = main_metric(reference)
    valid, test = f"{reference}.valid.{name}", f"{reference}.test.{name}"
    selected_on = "valid" if _has(summary, valid, rows) else "test"
    metric = valid if selected_on == "valid" else test
    if not _has(summary, metric, rows):
        raise MtseqError(f"setting {setting}: summary has no {metric} values")
    return reference, metric, test, selected_on


def optimum_for(
    summary: pd.DataFrame, cells: list[Cell], setting: str, key: str, delta: float, draws: int, seed: int
) -> Optimum:
    """Fit, choose and analyse one setting x key from ``summary.csv`` rows."""
    rows = summary[summary["setting"] == setting]
    curve = _curve_cells(cells, setting, key)
    reference, metric, test, selected_on = selection_metric(summary, setting)
    ids = [BASELINE] + [c.cell for c in curve]
    x = np.log10([c.aux[key] for c in curve])
    present = set(rows["cell"])
    missing = [c for c in ids if c not in present]
    if missing:
        raise MtseqError(f"setting {setting}: no runs of cell {missing[0]} in the summary")
    higher = higher_is_better(metric)

    def means_of(column: str, log: bool = False) -> CellMeans:
        values = pd.to_numeric(rows[column], errors="coerce")
        frame = rows.assign(value=np.log(values.where(values > 0)) if log else values)[["cell", "seed", "value"]]
        try:
            return cell_means(_matrix(frame, ids), ids[1:], x)
        except MtseqError as err:
            raise MtseqError(f"setting {setting}, {column}: {err.message}") from None

    means = means_of(metric)
    fit = fit_curve(means, higher)
    out, _ = analyse(fit, delta, draws, _rng(seed, setting, key))
    gain_test = (math.nan, math.nan, math.nan)
    if _has(summary, test, rows):
        gain_test = gain_on_test(means_of(test), fit.family, out["alpha_star"])
    loss = f"{reference}.valid.ppl"
    law = {}
    if _has(summary, loss, rows):
        law = {"law_metric": f"ln {loss}", **{k: v for k, v in mixing_law(means_of(loss, log=True)).items()}}
        law.pop("law_c"), law.pop("law_k")
    notes = []
    if selected_on == "test":
        notes.append("no validation metric: selected on test")
    if len(x) < 3:
        notes.append(f"{len(x)} ratio points: no curvature, no leave-one-ratio-out error")
    if out["at_edge"]:
        notes.append("optimum at the edge of the grid: the best ratio may lie outside it")
    if not higher:
        notes.append("lower is better")
    if law and abs(law["law_t"]) >= STEP_T:
        notes.append(f"mixing law's |t| >= {STEP_T:g}: a step at one end, not a smooth law")
    diag = np.diag(means.cov[1:, 1:])
    return Optimum(
        **identity(setting, key, metric, selected_on, test, len(x), means, gain_test, notes),
        family=fit.family,
        loro_rmse_quadratic=fit.loro["quadratic"],
        loro_rmse_gp=fit.loro["gp"],
        loro_noise=float(np.sqrt(diag[1:-1].mean())) if len(diag) >= 3 else math.nan,
        points=run_points(rows, metric, ids, {c.cell: c.aux[key] for c in curve}),
        hyper={**{k: float(v) for k, v in fit.hyper.items()}, "loro_folds": fit.loro_folds},
        **out,
        **law,
    )


def identity(setting, key, metric, selected_on, report_metric, n_ratios, means, gain_test, notes) -> dict:
    """The fields every fit's ``Optimum`` fills alike (a curve's and a surface's): what was fitted, on
    how much, the test gain at the optimum and the notes."""
    return {
        "setting": setting,
        "key": key,
        "metric": metric,
        "selected_on": selected_on,
        "report_metric": report_metric,
        "n_ratios": n_ratios,
        **means.size(),
        "gain_test": gain_test[0],
        "gain_test_low": gain_test[1],
        "gain_test_high": gain_test[2],
        "note": "; ".join(notes),
    }


def study_optimum(summary: pd.DataFrame, cells: list[Cell], options: dict | None = None) -> list[Optimum]:
    """Every (setting, key) curve with at least two ratios, and every two-key ``product`` surface."""
    from mtseq.analysis.optimum_surface import surface_for

    opts = {**DEFAULTS, **(options or {})}
    found = []
    present = set(summary["setting"])
    for setting, key in curve_keys(cells):
        if setting in present:
            found.append(optimum_for(summary, cells, setting, key, opts["delta"], opts["draws"], opts["seed"]))
    for setting, keys in surface_keys(cells):
        if setting in present:
            found.append(surface_for(summary, cells, setting, keys, opts["draws"], opts["seed"]))
    return found


def optimum_table(found: list[Optimum]) -> pd.DataFrame:
    return pd.DataFrame([o.row() for o in found], columns=COLUMNS)


def setting_json(setting: str, found: list[Optimum], options: dict) -> dict:
    """results/optimum/<setting>.json: the rows, the dense curves with bands and the per-seed points."""
    curves = [
        {**o.row(), "hyper": o.hyper, "curve": o.curve, "points": o.points} for o in found if o.setting == setting
    ]
    return _json_safe({"setting": setting, "options": {**DEFAULTS, **options}, "curves": curves})


METRIC_FIELDS = (
    "choice",
    "family",
    "alpha_star",
    "alpha_low",
    "alpha_high",
    "gain",
    "gain_low",
    "gain_high",
    "gain_test",
)
METRIC_FIELDS += ("flat_p", "robust_low", "robust_high", "loro_rmse_quadratic", "loro_rmse_gp")


def dvc_metrics(found: list[Optimum]) -> dict:
    """{setting: {key: {alpha_star, its interval, gain, ...}}} for ``dvc metrics show`` (DVC reads no CSV metrics)."""
    out: dict[str, dict] = {}
    for o in found:
        row = o.row()
        out.setdefault(o.setting, {})[o.key] = {f: row[f] for f in METRIC_FIELDS}
    return _json_safe(out)


def _json_safe(obj):
    """NaN and infinities -> null, numpy scalars -> Python (strict JSON)."""
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, "item"):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


REQUIRED = ("setting", "cell", "reference", "seed")


def check_summary(summary: pd.DataFrame, path) -> None:
    """Refuse a summary.csv without the columns the fit needs, naming the file."""
    missing = [c for c in REQUIRED if c not in summary.columns]
    if missing:
        raise MtseqError(f"missing column(s) {', '.join(missing)}", path)
