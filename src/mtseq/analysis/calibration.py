"""Does the seed-level inference keep its promises? A/A grids simulated from per-seed score distributions.

A simulated grid has a baseline and ``cells`` other cells, ``seeds`` seeds
each (the baseline ``extra_baseline_seeds`` more); a run's score is
``seed effect + cell effect + residual``, the seed effect shared by every
cell's run with that seed (the training code pairs seeds). Each grid goes
through :func:`mtseq.analysis.inference.compare_cells`, the very code behind
``sensitivity.csv``, and the rates are counted:

- A/A (no cell differs): raw p < 0.05 among all comparisons (should be 5%),
  Holm-adjusted p < 0.05 anywhere in a grid (family-wise, at most 5%);
- one cell shifted by the design's MDE (80% power at the Bonferroni level
  alpha/k, the others unchanged): how often Holm finds it (about 80%);
- every cell shifted by the MDE: the share of cells Holm finds (Holm gains
  over Bonferroni once one is found, so at least 80%).

The design's MDE uses the true residual sd and the block model's design SE
and df; the mean of the MDE the tables would report from each A/A grid's own
estimates is given beside it. One seeded numpy Generator per scenario: the
same figures on every run.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from mtseq.analysis.inference import ALPHA, BLOCK, Grid, as_grid, block_model, compare_cells, mde, unpaired_sd
from mtseq.errors import MtseqError

MIN_COMPARISONS = 1000


@dataclass(frozen=True)
class Design:
    """Per-seed score distribution and grid shape of one setting x metric."""

    cells: int = 5
    seeds: int = 3
    extra_baseline_seeds: int = 0
    seed_sd: float = 1.0
    resid_sd: float = 1.0

    def check(self) -> Design:
        if self.cells < 1 or self.seeds < 2 or self.extra_baseline_seeds < 0:
            raise MtseqError(
                f"need at least 1 cell and 2 seeds and no negative extra seeds, not {self.cells} cells, "
                f"{self.seeds} seeds, {self.extra_baseline_seeds} extra baseline seeds"
            )
        if not (self.seed_sd >= 0 and self.resid_sd > 0 and math.isfinite(self.seed_sd + self.resid_sd)):
            raise MtseqError(f"need seed sd >= 0 and residual sd > 0, not {self.seed_sd} and {self.resid_sd}")
        return self


def simulate_grid(rng: np.random.Generator, design: Design, effects: np.ndarray | None = None) -> Grid:
    """One grid of runs: row 0 the baseline (all seeds), rows 1.. the cells (the first ``seeds`` seeds)."""
    n_seeds = design.seeds + design.extra_baseline_seeds
    seed_effect = rng.normal(0.0, design.seed_sd, n_seeds)
    values = np.full((1 + design.cells, n_seeds), math.nan)
    values[0] = seed_effect + rng.normal(0.0, design.resid_sd, n_seeds)
    shift = np.zeros(design.cells) if effects is None else np.asarray(effects, dtype=float)
    noise = rng.normal(0.0, design.resid_sd, (design.cells, design.seeds))
    values[1:, : design.seeds] = seed_effect[: design.seeds] + shift[:, None] + noise
    return Grid([f"cell{i + 1}" for i in range(design.cells)], list(range(1, n_seeds + 1)), values)


def design_mde(design: Design, alpha: float = ALPHA) -> float:
    """The MDE (80% power, level alpha/k) of the block model for this design at the true residual sd."""
    shape = simulate_grid(np.random.default_rng(0), design)  # only which runs exist matters here
    fit = block_model(shape)
    return float(np.nanmedian(mde(design.resid_sd * fit.se_unit, float(fit.df), design.cells, alpha)))


def _run(rng: np.random.Generator, design: Design, grids: int, effects: np.ndarray, alpha: float) -> dict:
    raw, adjusted, fam_any, block, reported = [], [], [], [], []
    for _ in range(grids):
        table, family = compare_cells(simulate_grid(rng, design, effects), alpha)
        raw.append(table["p_value"].to_numpy() < alpha)
        adjusted.append(table["p_adjusted"].to_numpy() < alpha)
        fam_any.append(bool(adjusted[-1].any()))
        block.append(family.test == BLOCK)
        reported.append(family.mde80)
    return {
        "raw": np.array(raw),
        "adjusted": np.array(adjusted),
        "family_any": np.array(fam_any),
        "block": np.array(block),
        "reported_mde": np.array(reported, dtype=float),
    }


def calibrate(design: Design, grids: int = 2000, seed: int = 0, alpha: float = ALPHA) -> dict:
    """False-positive and family-wise rates under A/A, power at the design's MDE; plain numbers for JSON."""
    design.check()
    if grids * design.cells < MIN_COMPARISONS:
        raise MtseqError(
            f"{grids} grids x {design.cells} cells = {grids * design.cells} comparisons; "
            f"need at least {MIN_COMPARISONS} for a false-positive rate worth reading"
        )
    effect = design_mde(design, alpha)
    one = np.zeros(design.cells)
    one[0] = effect
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]
    aa = _run(streams[0], design, grids, np.zeros(design.cells), alpha)
    single = _run(streams[1], design, grids, one, alpha)
    every = _run(streams[2], design, grids, np.full(design.cells, effect), alpha)
    n_cmp = aa["raw"].size
    fpr = float(aa["raw"].mean())
    power_one = float(single["adjusted"][:, 0].mean())
    return {
        "design": asdict(design),
        "grids": grids,
        "seed": seed,
        "alpha": alpha,
        "comparisons": int(n_cmp),
        "false_positive_rate": fpr,
        "false_positive_rate_se": math.sqrt(fpr * (1 - fpr) / n_cmp),
        "familywise_rate": float(aa["family_any"].mean()),
        "block_model_share": float(aa["block"].mean()),
        "mde80": effect,
        "reported_mde80_mean": float(np.nanmean(aa["reported_mde"])),
        "power_one_cell": power_one,
        "power_one_cell_se": math.sqrt(power_one * (1 - power_one) / grids),
        "power_every_cell": float(every["adjusted"].mean()),
    }


def design_from_summary(summary: pd.DataFrame, setting: str | None, metric: str | None) -> tuple[Design, str, str]:
    """Grid shape and variance components of one setting x metric of a finished grid's summary.csv.

    The block model's residual sd is the residual; the seed sd is what the
    unpaired within-cell variance holds beyond it (method of moments, floored at 0).
    """
    from mtseq.analysis.stats import reference_metric

    if summary.empty:
        raise MtseqError("summary has no runs")
    settings = list(dict.fromkeys(summary["setting"]))
    setting = setting or settings[0]
    if setting not in settings:
        raise MtseqError(f"no setting {setting!r} in the summary (it has {', '.join(settings)})")
    rows = summary[summary["setting"] == setting]
    metric = metric or reference_metric(rows["reference"].iloc[0])
    if metric not in rows.columns:
        raise MtseqError(f"no metric column {metric!r} in the summary")
    grid = as_grid(pd.DataFrame({"cell": rows["cell"], "seed": rows["seed"], "value": rows[metric]}))
    n = np.isfinite(grid.values).sum(axis=1)
    if n[0] < 2 or not len(grid.cells):
        raise MtseqError(f"{setting} / {metric}: need a baseline with 2 runs and at least one other cell")
    fit = block_model(grid)
    if not fit.resid_sd > 0:
        raise MtseqError(f"{setting} / {metric}: the block model leaves no residual variance to simulate from")
    seeds = int(np.median(n[1:]))
    total = unpaired_sd(grid)
    design = Design(
        cells=len(grid.cells),
        seeds=seeds,
        extra_baseline_seeds=max(int(n[0]) - seeds, 0),
        seed_sd=math.sqrt(max(total**2 - fit.resid_sd**2, 0.0)),
        resid_sd=fit.resid_sd,
    )
    return design, setting, metric


def real_aa(summaries: list[pd.DataFrame], setting: str | None = None, metric: str | None = None) -> dict:
    """A/A on real runs: every split of the baseline's runs into two disjoint halves of seeds, tested
    as 'cell' against 'baseline' by :func:`compare_cells` (disjoint seeds: no pairing, Welch).

    The baselines of several finished grids (e.g. the default run and its replication with other
    seeds) are pooled, one run per seed. The splits share runs, so the rate is descriptive: it shows
    the procedure on real score distributions, where the simulation gives the calibrated rate.
    """
    from itertools import combinations

    from mtseq.analysis.stats import reference_metric
    from mtseq.grid import BASELINE

    frames = [s for s in summaries if not s.empty]
    if not frames:
        raise MtseqError("no runs in the given summaries")
    summary = pd.concat(frames, ignore_index=True)
    setting = setting or summary["setting"].iloc[0]
    rows = summary[(summary["setting"] == setting) & (summary["cell"] == BASELINE)]
    if rows.empty:
        raise MtseqError(f"no baseline runs of setting {setting!r}")
    metric = metric or reference_metric(rows["reference"].iloc[0])
    if metric not in rows.columns:
        raise MtseqError(f"no metric column {metric!r} in the summaries")
    runs = rows.drop_duplicates("seed").set_index("seed")[metric].dropna().sort_index()
    seeds = list(runs.index)
    if len(seeds) < 4:
        raise MtseqError(f"{setting}: {len(seeds)} baseline runs; an A/A split needs at least 4")
    half = len(seeds) // 2
    p_values = []
    for first in combinations(seeds, half):
        if seeds[0] not in first:  # each split once (the halves swapped is the same test)
            continue
        second = [s for s in seeds if s not in first][:half]
        frame = pd.DataFrame(
            {
                "cell": [BASELINE] * half + ["aa"] * half,
                "seed": [*first, *second],
                "value": [*runs[list(first)], *runs[second]],
            }
        )
        table, _ = compare_cells(frame)
        p_values.append(float(table["p_value"].iloc[0]))
    p = np.asarray(p_values)
    return {
        "setting": setting,
        "metric": metric,
        "seeds": [int(s) for s in seeds],
        "splits": len(p),
        "rejected_at_0.05": int((p < ALPHA).sum()),
        "rate": float((p < ALPHA).mean()),
        "median_p": float(np.median(p)),
    }
