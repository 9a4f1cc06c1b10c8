"""The report's summary page: one sentence per setting, then the sensitivity table.

The sentence states the best ratio for the reference metric, its change
against the single-task baseline with the 95% CI of that difference, and
whether it survives the seed-level test after correction for the number of
cells, because that is the question a reader of the report has; it also
says how large a change the seeds could have detected. The table below
gives every cell so the sentence can be checked.
"""

from __future__ import annotations

import math

import pandas as pd

from mtseq.analysis.stats import higher_is_better, main_metric, reference_metric
from mtseq.grid import AUX_SEP, BASELINE, format_ratio, key_tasks


def _fmt(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return "–"
    return f"{x:.{digits}f}"


def _p(p) -> str:
    if p is None or pd.isna(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _p_expr(p, name: str = "p") -> str:
    """'p = 0.016' or 'p < 0.001'."""
    text = _p(p)
    return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"


def _ratios_text(row) -> str:
    """'parse_en at 0.01', 'caption_en at 0.05 and autoencode_en+autoencode_de at 0.01'."""
    keys = [k for k in str(row["aux"]).split(AUX_SEP) if k]
    parts = [f"{k} at {format_ratio(row[f'ratio.{key_tasks(k)[0]}'])}" for k in keys]
    return " and ".join(parts) if parts else "no auxiliary task"


def _get(row, column: str):
    """A column of a sensitivity row, NaN when an older table lacks it."""
    return row[column] if column in row.index else math.nan


def _delta(row) -> float:
    """The difference the seed-level test estimated, else the difference of the means."""
    est = _get(row, "delta_estimate")
    return row["delta_vs_baseline"] if pd.isna(est) else est


def best_cells(sensitivity: pd.DataFrame) -> dict[str, dict]:
    """Per setting, the best non-baseline cell for the reference task's main metric.

    Chosen on the validation mean when the runs report one (choosing on test
    would flatter the winner), then reported on test with the seed-level
    test's CI of the difference and its Holm- and BH-adjusted p values.
    """
    out = {}
    for setting, df in sensitivity.groupby("setting", sort=False):
        reference = df["reference"].iloc[0]
        test_col, valid_col = reference_metric(reference, "test"), reference_metric(reference, "valid")
        select_on = valid_col if (df["metric"] == valid_col).any() else test_col
        cand = df[(df["metric"] == select_on) & (df["cell"] != BASELINE)].dropna(subset=["mean"])
        if cand.empty:
            continue
        pick = cand["mean"].idxmax() if higher_is_better(select_on) else cand["mean"].idxmin()
        cell = df.loc[pick, "cell"]
        test = df[(df["metric"] == test_col) & (df["cell"] == cell)]
        if test.empty:
            continue
        t = test.iloc[0]
        out[setting] = {
            "cell": cell,
            "aux": t["aux"],
            "metric": test_col,
            "selected_on": select_on,
            "mean": t["mean"],
            "ci95_low": t["ci95_low"],
            "ci95_high": t["ci95_high"],
            "baseline_mean": t["baseline_mean"],
            "delta_vs_baseline": t["delta_vs_baseline"],
            "delta_estimate": _get(t, "delta_estimate"),
            "delta_ci95_low": _get(t, "delta_ci95_low"),
            "delta_ci95_high": _get(t, "delta_ci95_high"),
            "test": None if pd.isna(_get(t, "test")) else str(t["test"]),
            "p_value": t["p_value"],
            "p_adjusted": _get(t, "p_adjusted"),
            "q_value": _get(t, "q_value"),
            "significant": None if pd.isna(t["significant"]) else bool(t["significant"]),
            "mde80": _get(t, "mde80"),
            "bootstrap_p": _get(t, "bootstrap_p"),
            "n_seeds": int(t["n_seeds"]),
        }
    return out


def setting_mde(sensitivity: pd.DataFrame, setting: str, inference: pd.DataFrame | None = None) -> float:
    """The setting's MDE at 80% power for its reference metric: inference.csv's, else the cells' median."""
    df = sensitivity[sensitivity["setting"] == setting]
    metric = reference_metric(df["reference"].iloc[0])
    if inference is not None and not inference.empty:
        hit = inference[(inference["setting"] == setting) & (inference["metric"] == metric)]
        if not hit.empty:
            return float(hit["mde80"].iloc[0])
    if "mde80" not in df.columns:
        return math.nan
    values = df.loc[df["metric"] == metric, "mde80"].dropna()
    return float(values.median()) if not values.empty else math.nan


def _verdict(best: dict, k: int) -> str:
    if best["p_value"] is None or pd.isna(best["p_value"]):
        return "no seed-level test was possible (fewer than two runs on a side)"
    tests = (
        f"seed-level `{best['test']}` test, {_p_expr(best['p_value'])}, "
        f"Holm-adjusted {_p_expr(best['p_adjusted'])}, BH {_p_expr(best['q_value'], 'q')}"
    )
    word = "significant" if best["significant"] else "not significant"
    return f"the difference is {word} after correction for {k} cell{'s' if k != 1 else ''} ({tests})"


def setting_sentence(
    setting: str, sensitivity: pd.DataFrame, best: dict | None, inference: pd.DataFrame | None = None
) -> str:
    """One sentence: the best cell, its change with the CI of the difference, the adjusted test, the MDE."""
    if best is None:
        return f"**{setting}**: no multi-task cell with a reference metric to compare."
    df = sensitivity[(sensitivity["setting"] == setting) & (sensitivity["cell"] == best["cell"])]
    row = df[df["metric"] == best["metric"]].iloc[0]
    metric = best["metric"]
    selected = "validation" if ".valid." in best["selected_on"] else "test"
    head = (
        f"**{setting}**: the best ratio for {metric} (chosen on {selected}) is {_ratios_text(row)} "
        f"(cell `{best['cell']}`, {_fmt(best['mean'])} over {best['n_seeds']} seeds"
    )
    if best["baseline_mean"] is None or pd.isna(best["baseline_mean"]):
        return head + "); there are no baseline runs to compare it with."
    family = sensitivity[(sensitivity["setting"] == setting) & (sensitivity["metric"] == metric)]
    k = int(family["p_value"].notna().sum())
    gain = _delta(row)
    ci = f"95% CI of the difference [{_fmt(best['delta_ci95_low'])}, {_fmt(best['delta_ci95_high'])}]"
    mde = setting_mde(sensitivity, setting, inference)
    power = (
        f" With these seeds, a true change of {_fmt(mde)} (minimal detectable effect) would be found with 80% power "
        f"at the level 0.05/{k} per cell."
        if not pd.isna(mde) and k
        else ""
    )
    return (
        head + f", 95% CI [{_fmt(best['ci95_low'])}, {_fmt(best['ci95_high'])}]) against the single-task "
        f"baseline's {_fmt(best['baseline_mean'])}, a change of {gain:+.2f} ({ci}); {_verdict(best, k)}.{power}"
    )


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (no optional dependency)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


_SEED_TEST_COLUMNS = ("delta_ci95_low", "delta_ci95_high", "p_adjusted", "q_value", "bootstrap_p")


def reference_table(sensitivity: pd.DataFrame, setting: str) -> pd.DataFrame:
    """The reference metric (test) of every cell of one setting, formatted."""
    df = sensitivity[sensitivity["setting"] == setting]
    metric = reference_metric(df["reference"].iloc[0])
    df = df[df["metric"] == metric]
    base = (df["cell"] == BASELINE).to_list()
    col = {c: (df[c] if c in df.columns else pd.Series(math.nan, index=df.index)) for c in _SEED_TEST_COLUMNS}

    def cells(values, fmt):
        return ["" if b else fmt(v) for v, b in zip(values, base)]

    return pd.DataFrame(
        {
            "cell": df["cell"],
            "auxiliary": [_ratios_text(r) if r["cell"] != BASELINE else "(baseline)" for _, r in df.iterrows()],
            "seeds": df["n_seeds"].astype(int),
            "mean": df["mean"].map(_fmt),
            "std": df["std"].map(_fmt),
            "Δ vs baseline": cells([_delta(r) for _, r in df.iterrows()], _fmt),
            "95% CI of Δ": cells(
                zip(col["delta_ci95_low"], col["delta_ci95_high"]), lambda c: f"[{_fmt(c[0])}, {_fmt(c[1])}]"
            ),
            "p (seed-level)": cells(df["p_value"], _p),
            "p adj. (Holm)": cells(col["p_adjusted"], _p),
            "q (BH)": cells(col["q_value"], _p),
            "significant": [("yes" if s else "no") if not pd.isna(s) else "" for s in df["significant"]],
            "bootstrap p (test set)": cells(col["bootstrap_p"], _p),
        }
    )


EXPLANATION = (
    "Means are over seeds with a Student-t 95% interval. The training run is the unit of inference: two "
    "trainings that differ only in seed differ by more than many effects, so each cell is compared with the "
    "single-task baseline over its runs, not over test sentences. Seed k of every cell shares initialisation, "
    "batch order and dropout with the baseline's seed k, so the primary test (`paired-block-lm`) is a "
    "least-squares model value ~ cell + seed over all runs of a setting, with the residual variance pooled over "
    "the cells and a t test of each difference on the residual degrees of freedom; it is used when pairing pays "
    "(its 95% intervals of the difference are narrower on average than unpaired ones), otherwise Welch's "
    "unpaired t test (`welch`). Δ is the difference that test estimates (under the block model, over the seeds a "
    "cell shares with the baseline), with its 95% CI. p values are adjusted with Holm within a setting "
    "(p adj.) and with Benjamini–Hochberg over every test of the study (q); significant means Holm-adjusted "
    "p < 0.05. The detectable change is the true difference that a test at the Bonferroni level 0.05/k (k cells) "
    "finds with 80% power, given the seeds used. The sentence bootstrap (bootstrap p: whole test sentences "
    "resampled for every run at once, 10,000 samples, the same seed-mean Δ) measures only the test-set "
    "uncertainty of these particular models: it ignores seed variance, so it is shown beside the seed-level "
    "test and decides nothing."
)


def summary_markdown(sensitivity: pd.DataFrame, inference: pd.DataFrame | None = None) -> str:
    """The whole page: sentences, then one reference-metric table per setting."""
    lines = ["# Mixing-ratio sensitivity", ""]
    if sensitivity.empty:
        return "\n".join([*lines, "No runs were aggregated.", ""])
    best = best_cells(sensitivity)
    settings = list(dict.fromkeys(sensitivity["setting"]))
    for s in settings:  # one paragraph each
        lines += [setting_sentence(s, sensitivity, best.get(s), inference), ""]
    lines += [EXPLANATION]
    for s in settings:
        df = sensitivity[sensitivity["setting"] == s]
        lines += [
            "",
            f"## {s}: {reference_metric(df['reference'].iloc[0])}",
            "",
            markdown_table(reference_table(sensitivity, s)),
        ]
        aux = auxiliary_table(sensitivity, s)
        if not aux.empty:
            lines += ["", f"Auxiliary tasks of {s} (test, mean [95% CI]):", "", markdown_table(aux)]
    return "\n".join(lines) + "\n"


def auxiliary_table(sensitivity: pd.DataFrame, setting: str) -> pd.DataFrame:
    """Each auxiliary task's main test metric per cell (cells that train it)."""
    df = sensitivity[sensitivity["setting"] == setting]
    reference = df["reference"].iloc[0]
    tasks = [c[len("ratio.") :] for c in df.columns if c.startswith("ratio.")]
    metrics = [f"{t}.test.{main_metric(t)}" for t in tasks if t != reference]
    df = df[df["metric"].isin(metrics)]
    if df.empty:
        return pd.DataFrame()
    text = [f"{_fmt(m)} [{_fmt(lo)}, {_fmt(hi)}]" for m, lo, hi in zip(df["mean"], df["ci95_low"], df["ci95_high"])]
    wide = df.assign(value=text).pivot(index="cell", columns="metric", values="value")
    order = list(dict.fromkeys(df["cell"]))
    return wide.reindex(order).fillna("").reset_index()
