"""From run directories to the study's tables: summary, sensitivity, inference, DVC metrics.

``summary.csv`` keeps every run (one row per setting x cell x seed) so any
other statistic can be recomputed from it; ``sensitivity.csv`` answers the
question of the study per setting x cell x metric: mean over seeds, t
interval, difference from the single-task baseline with its 95% CI, the
seed-level p value (the training run is the unit, see ``inference``), Holm-
and BH-adjusted, and the minimal detectable effect. The paired bootstrap over
test sentences stays beside it as ``bootstrap_*``: test-set uncertainty of
these particular models, not evidence about the ratio. ``inference.csv`` has
one row per setting x tested metric: which test, its residual df and sd, how
well seeds pair, the MDE. ``metrics.json`` is the compact view DVC tracks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from mtseq.analysis.inference import FAMILY_COLUMNS, study_inference
from mtseq.analysis.pvalues import setting_pvalues
from mtseq.analysis.runs import Run, load_runs
from mtseq.analysis.stats import seed_stats
from mtseq.analysis.summary import best_cells, summary_markdown
from mtseq.errors import MtseqError
from mtseq.evaluate.significance import DEFAULT_SAMPLES
from mtseq.grid import AUX_SEP, BASELINE, Cell, find_cell, parse_cell_id, unique_run_dirs
from mtseq.io import atomic_open, write_json

ID_COLUMNS = ["setting", "cell", "reference", "tasks", "aux"]


def _aux_keys(run: Run, cells: list[Cell]) -> list[str]:
    """The cell's auxiliary keys: from the grid, else the cell id, else one key per task."""
    cell = find_cell(cells, run.setting, run.cell)
    if cell is not None:
        trained = {t: a for t, a in run.ratios.items() if a > 0}
        if trained.keys() != cell.ratios.keys() or any(abs(trained[t] - a) > 1e-12 for t, a in cell.ratios.items()):
            raise MtseqError(
                f"ratios {trained} do not match grid cell {cell.cell} ({cell.ratios})", run.run_dir / "train.json"
            )
        return list(cell.aux)
    try:
        return list(parse_cell_id(run.cell))
    except ValueError:
        return [t for t, r in run.ratios.items() if t != run.reference and r > 0]


def with_shared_baselines(runs: list[Run], cells: list[Cell]) -> list[Run]:
    """Add each shared baseline's runs again under the settings that share them (see grid)."""
    out = list(runs)
    for cell in cells:
        if cell.shared:
            homes = [r for r in runs if (r.setting, r.cell) == (cell.home, cell.cell) and r.seed in cell.seeds]
            out += [replace(r, setting=cell.setting) for r in homes]
    return out


def _is_metric(column: str) -> bool:
    return column.count(".") >= 2 and not column.startswith(("ratio.", "updates."))


def summary_table(runs: list[Run], cells: list[Cell]) -> pd.DataFrame:
    """One row per run: identity, ratios, every metric, realised updates, wall time."""
    all_tasks = list(dict.fromkeys(t for r in runs for t in r.ratios))
    rows = []
    for r in runs:
        row: dict[str, object] = {
            "setting": r.setting,
            "cell": r.cell,
            "reference": r.reference,
            "tasks": "+".join(t for t, a in r.ratios.items() if a > 0),
            "aux": AUX_SEP.join(_aux_keys(r, cells)),
        }
        row.update({f"ratio.{t}": float(r.ratios.get(t, 0.0)) for t in all_tasks})
        row["seed"] = r.seed
        row.update(r.flat_metrics())
        row.update({f"updates.{t}": r.updates.get(t, 0) for t in all_tasks})
        row["wall_time_s"] = r.wall_time_s
        row["run_dir"] = str(r.run_dir)
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    order = {c.setting: i for i, c in enumerate(cells)}
    cell_order = {(c.setting, c.cell): i for i, c in enumerate(cells)}
    df["_s"] = df["setting"].map(lambda s: order.get(s, len(order)))
    df["_c"] = [cell_order.get(k, len(cell_order)) for k in zip(df["setting"], df["cell"])]
    df = df.sort_values(["_s", "_c", "cell", "seed"], kind="stable").drop(columns=["_s", "_c"])
    metric_cols = sorted(c for c in df.columns if _is_metric(c))
    front = [c for c in df.columns if not _is_metric(c) and not c.startswith("updates.")]
    front = [c for c in front if c not in ("wall_time_s", "run_dir")]
    updates = [c for c in df.columns if c.startswith("updates.")]
    return df[front + metric_cols + updates + ["wall_time_s", "run_dir"]].reset_index(drop=True)


def numeric_metric_columns(summary: pd.DataFrame) -> list[str]:
    return [c for c in summary.columns if _is_metric(c) and pd.api.types.is_numeric_dtype(summary[c])]


def _bootstrap(res) -> dict:
    """The sentence bootstrap's p and CI of the delta (the CI once PairedResult carries one)."""
    if res is None:
        return {"bootstrap_p": math.nan, "bootstrap_delta_ci95_low": math.nan, "bootstrap_delta_ci95_high": math.nan}
    return {
        "bootstrap_p": res.p_value,
        "bootstrap_delta_ci95_low": getattr(res, "ci_low", math.nan),
        "bootstrap_delta_ci95_high": getattr(res, "ci_high", math.nan),
    }


def _seed_test(test) -> dict:
    """The seed-level test's columns for one row; all null where the metric or cell has no test."""
    if test is None:
        return {
            "delta_estimate": math.nan,
            "delta_ci95_low": math.nan,
            "delta_ci95_high": math.nan,
            "p_value": math.nan,
            "p_adjusted": math.nan,
            "q_value": math.nan,
            "test": None,
            "significant": None,
            "mde80": math.nan,
        }
    return {
        "delta_estimate": test.estimate,
        "delta_ci95_low": test.ci_low,
        "delta_ci95_high": test.ci_high,
        "p_value": test.p_value,
        "p_adjusted": test.p_adjusted,
        "q_value": test.q_value,
        "test": test.test,
        "significant": None if pd.isna(test.significant) else bool(test.significant),
        "mde80": test.mde80,
    }


def sensitivity_table(
    summary: pd.DataFrame, pvalues: dict[tuple[str, str, str], object], tests: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per setting x cell x metric: seed statistics, delta vs baseline, seed-level test, sentence bootstrap.

    ``pvalues`` maps (setting, cell, metric column) to a PairedResult (the
    sentence bootstrap); ``tests`` is ``study_inference(summary)[0]``,
    computed here when not given.
    """
    if tests is None:
        tests = study_inference(summary)[0]
    by_key = {(t.setting, t.cell, t.metric): t for t in tests.itertuples(index=False)}
    ratio_cols = [c for c in summary.columns if c.startswith("ratio.")]
    metrics = numeric_metric_columns(summary)
    rows = []
    for (setting, cell), group in summary.groupby(["setting", "cell"], sort=False):
        base = summary[(summary["setting"] == setting) & (summary["cell"] == BASELINE)]
        first = group.iloc[0]
        for metric in metrics:
            values = group[metric].dropna()
            if values.empty:
                continue
            st = seed_stats(values)
            base_mean = seed_stats(base[metric].dropna()).mean
            row = {c: first[c] for c in ID_COLUMNS}
            row.update({c: first[c] for c in ratio_cols})
            row.update(
                metric=metric,
                n_seeds=st.n,
                mean=st.mean,
                std=st.std,
                ci95_low=st.ci_low,
                ci95_high=st.ci_high,
                baseline_mean=base_mean,
                delta_vs_baseline=st.mean - base_mean,
            )
            row.update(_seed_test(by_key.get((setting, cell, metric))))
            row.update(_bootstrap(pvalues.get((setting, cell, metric))))
            rows.append(row)
    out = pd.DataFrame(rows)
    if not out.empty:
        out["significant"] = out["significant"].astype("boolean")
    return out


def _clean(value):
    """JSON-safe: NaN -> null, numpy scalars -> Python."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def dvc_metrics(sensitivity: pd.DataFrame) -> dict:
    """{setting: {cell: {test metric: mean}, "best": {...}}} for ``dvc metrics show``."""
    out: dict[str, dict] = {}
    test = sensitivity[sensitivity["metric"].str.contains(".test.", regex=False)]
    for row in test.itertuples(index=False):
        out.setdefault(row.setting, {}).setdefault(row.cell, {})[row.metric] = _clean(row.mean)
    for setting, best in best_cells(sensitivity).items():
        out.setdefault(setting, {})["best"] = {k: _clean(v) for k, v in best.items()}
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    with atomic_open(path) as fh:
        df.to_csv(fh, index=False, float_format="%.10g")


def aggregate(
    cells: list[Cell],
    results: str | Path,
    run_dirs: Iterable[str | Path] | None = None,
    data_root: str | Path | None = None,
    n_samples: int = DEFAULT_SAMPLES,
) -> dict[str, Path]:
    """Read the runs, write summary.csv, sensitivity.csv, inference.csv, metrics.json and summary.md."""
    results = Path(results)
    if run_dirs is None:
        run_dirs = unique_run_dirs(cells, str(results))
    runs = with_shared_baselines(load_runs(list(run_dirs)), cells)
    summary = summary_table(runs, cells)
    pvalues = {}
    for setting in dict.fromkeys(r.setting for r in runs):
        found = setting_pvalues([r for r in runs if r.setting == setting], data_root, n_samples)
        pvalues.update({(setting, cell, metric): res for (cell, metric), res in found.items()})
    tests, families = study_inference(summary)
    sensitivity = sensitivity_table(summary, pvalues, tests)
    paths = {
        "summary": results / "summary.csv",
        "sensitivity": results / "sensitivity.csv",
        "inference": results / "inference.csv",
        "metrics": results / "metrics.json",
        "markdown": results / "summary.md",
    }
    write_csv(summary, paths["summary"])
    write_csv(sensitivity, paths["sensitivity"])
    write_csv(families.reindex(columns=FAMILY_COLUMNS), paths["inference"])
    write_json(paths["metrics"], dvc_metrics(sensitivity))
    with atomic_open(paths["markdown"]) as fh:
        fh.write(summary_markdown(sensitivity, families))
    return paths
