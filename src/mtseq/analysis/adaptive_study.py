"""One adaptive decision on a whole study: runs so far (summary table) + config -> the next stage or stop.

Each curve is fitted exactly as ``mtseq optimum`` fits it (``optimum_for``),
so the interval that stops the study is the interval the study reports.
``adaptive.curve_status`` decides per curve; this module turns the curves'
wishes into run directories with fresh seed numbers and orders them so that
a budget cut keeps what matters most (each curve's incumbent first, then its
next cell, round robin over curves).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from mtseq.analysis.adaptive import CurveStatus, Decision, curve_status, decide, next_seeds
from mtseq.analysis.adaptive_files import extend_cells, options, stage_run_dirs
from mtseq.analysis.curves import CellMeans, cell_means
from mtseq.analysis.optimum import DEFAULTS as OPTIMUM_DEFAULTS
from mtseq.analysis.optimum import optimum_for
from mtseq.analysis.optimum_files import confirm_seeds, curve_keys
from mtseq.analysis.stats import higher_is_better
from mtseq.grid import BASELINE, Cell, cell_id, expand_grid, find_cell


def means_from_points(points: list[dict], curve: list[Cell], key: str) -> CellMeans:
    """The block model's cell means from an Optimum's per-run points (baseline first)."""
    ids = [BASELINE] + [c.cell for c in curve]
    seeds = sorted({p["seed"] for p in points})
    values = np.full((len(ids), len(seeds)), math.nan)
    for p in points:
        values[ids.index(p["cell"]), seeds.index(p["seed"])] = p["value"]
    return cell_means(values, ids[1:], np.log10([c.aux[key] for c in curve]))


def curve_statuses(summary: pd.DataFrame, cells: list[Cell], config: Mapping) -> tuple[dict, list[dict]]:
    """{(setting, key): CurveStatus} and the fits as ledger-ready dicts, for every curve in the summary."""
    opts = options(config)
    fit_opts = {**OPTIMUM_DEFAULTS, **(config.get("optimum") or {})}
    statuses: dict[tuple[str, str], CurveStatus] = {}
    fits: list[dict] = []
    present = set(summary["setting"])
    for setting, key in curve_keys(cells):
        if setting not in present:
            continue
        o = optimum_for(summary, cells, setting, key, fit_opts["delta"], fit_opts["draws"], fit_opts["seed"])
        curve = sorted((c for c in cells if c.setting == setting and list(c.aux) == [key]), key=lambda c: c.aux[key])
        means = means_from_points(o.points, curve, key)
        lo, hi, star = (math.log10(o.alpha_low), math.log10(o.alpha_high), math.log10(o.alpha_star))
        status = curve_status(means, star, lo, hi, higher_is_better(o.metric), opts)
        statuses[(setting, key)] = status
        fits.append(
            {
                "setting": setting,
                "key": key,
                "alpha_star": o.alpha_star,
                "alpha_low": o.alpha_low,
                "alpha_high": o.alpha_high,
                "width_decades": hi - lo,
                "done": status.done,
            }
        )
    return statuses, fits


def _units(statuses: dict, cells: list[Cell], config: Mapping, seeds: list[int]) -> list[dict]:
    """Candidate cells as budget units, round robin over curves by rank (incumbent, new ratio, the rest)."""
    results = config.get("results", "results")
    grid_seeds = tuple((config.get("grid") or {}).get("seeds") or (1, 2, 3))
    ranked: list[list[dict]] = []
    for (setting, key), s in statuses.items():
        if s.done:
            continue
        units = []
        for cid, why in s.cells:
            cell = find_cell(cells, setting, cid)
            ratio = cell.aux.get(key, 0.0) if cell is not None else 0.0
            units.append(_unit(setting, key, cid, ratio, list(seeds), cell, results, why))
        if s.new_ratio is not None:
            cid = cell_id({key: s.new_ratio})
            why = f"new ratio inside the alpha* interval [{10**s.low:.3g}, {10**s.high:.3g}]"
            units.insert(1, _unit(setting, key, cid, s.new_ratio, list(grid_seeds), None, results, why))
        ranked.append(units)
    out = []
    for rank in range(max(map(len, ranked), default=0)):
        out += [units[rank] for units in ranked if rank < len(units)]
    return out


def _unit(setting, key, cid, ratio, seeds, cell: Cell | None, results: str, why: str) -> dict:
    runs = []
    for seed in seeds:
        run_dir = cell.run_dir(seed, results) if cell is not None else f"{results}/runs/{setting}/{cid}/seed{seed}"
        runs.append(
            {
                "setting": setting,
                "key": key,
                "cell": cid,
                "ratio": ratio,
                "seed": seed,
                "run_dir": run_dir,
                "reason": why,
            }
        )
    return {"runs": runs}


def stage_decision(summary: pd.DataFrame, config: Mapping, stage: int, plans: list[Mapping]) -> tuple[Decision, list]:
    """The decision after ``stage`` (whose earlier decisions are ``plans``) and the curves' fits behind it."""
    opts = options(config)
    grid = config.get("grid") or {}
    cells = extend_cells(expand_grid(grid), plans)
    statuses, fits = curve_statuses(summary, cells, config)
    used = {int(s) for c in cells for s in c.seeds} | {int(s) for s in grid.get("extra_baseline_seeds") or []}
    seeds = next_seeds(used, set(confirm_seeds(config)), int(opts["seeds_per_stage"]))
    units = _units(statuses, cells, config, seeds)
    runs_so_far = len(stage_run_dirs(config, plans))
    return decide(stage, statuses, units, runs_so_far, opts), fits
