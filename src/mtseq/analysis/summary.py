"""The report's summary page: one sentence per setting, then the sensitivity table.

The sentence states the best ratio for the reference metric and whether
its gain over the single-task baseline is significant, because that is the
question a reader of the report has; the table below gives every cell so
the sentence can be checked.
"""

from __future__ import annotations

import math

import pandas as pd

from mtseq.analysis.grid import AUX_SEP, BASELINE, format_ratio, key_tasks
from mtseq.analysis.stats import higher_is_better, main_metric, reference_metric


def _fmt(x, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return "–"
    return f"{x:.{digits}f}"


def _p(p) -> str:
    if p is None or pd.isna(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _p_expr(p) -> str:
    """'p = 0.016' or 'p < 0.001'."""
    text = _p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _ratios_text(row) -> str:
    """'parse_en at 0.01', 'caption_en at 0.05 and autoencode_en+autoencode_de at 0.01'."""
    keys = [k for k in str(row["aux"]).split(AUX_SEP) if k]
    parts = [f"{k} at {format_ratio(row[f'ratio.{key_tasks(k)[0]}'])}" for k in keys]
    return " and ".join(parts) if parts else "no auxiliary task"


def best_cells(sensitivity: pd.DataFrame) -> dict[str, dict]:
    """Per setting, the best non-baseline cell for the reference task's main metric.

    Chosen on the validation mean when the runs report one (choosing on test
    would flatter the winner), then reported on test.
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
            "p_value": t["p_value"],
            "significant": None if pd.isna(t["significant"]) else bool(t["significant"]),
            "n_seeds": int(t["n_seeds"]),
        }
    return out


def setting_sentence(setting: str, sensitivity: pd.DataFrame, best: dict | None) -> str:
    """One sentence: the best cell, its gain, the p value and whether it is significant."""
    if best is None:
        return f"**{setting}**: no multi-task cell with a reference metric to compare."
    df = sensitivity[(sensitivity["setting"] == setting) & (sensitivity["cell"] == best["cell"])]
    row = df[df["metric"] == best["metric"]].iloc[0]
    metric = best["metric"]
    gain = best["delta_vs_baseline"]
    if best["p_value"] is None or pd.isna(best["p_value"]):
        verdict = "no paired test was possible"
    elif best["significant"]:
        verdict = f"the difference is significant (paired bootstrap {_p_expr(best['p_value'])})"
    else:
        verdict = f"the difference is not significant (paired bootstrap {_p_expr(best['p_value'])})"
    selected = "validation" if ".valid." in best["selected_on"] else "test"
    if best["baseline_mean"] is None or pd.isna(best["baseline_mean"]):
        return (
            f"**{setting}**: the best ratio for {metric} (chosen on {selected}) is {_ratios_text(row)} "
            f"(cell `{best['cell']}`, {_fmt(best['mean'])} over {best['n_seeds']} seeds); "
            "there are no baseline runs to compare it with."
        )
    return (
        f"**{setting}**: the best ratio for {metric} (chosen on {selected}) is {_ratios_text(row)} "
        f"(cell `{best['cell']}`, {_fmt(best['mean'])} over {best['n_seeds']} seeds, "
        f"95% CI [{_fmt(best['ci95_low'])}, {_fmt(best['ci95_high'])}]) against the single-task baseline's "
        f"{_fmt(best['baseline_mean'])}, a change of {gain:+.2f}; {verdict}."
    )


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (no optional dependency)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def reference_table(sensitivity: pd.DataFrame, setting: str) -> pd.DataFrame:
    """The reference metric (test) of every cell of one setting, formatted."""
    df = sensitivity[sensitivity["setting"] == setting]
    metric = reference_metric(df["reference"].iloc[0])
    df = df[df["metric"] == metric]
    return pd.DataFrame(
        {
            "cell": df["cell"],
            "auxiliary": [_ratios_text(r) if r["cell"] != BASELINE else "(baseline)" for _, r in df.iterrows()],
            "seeds": df["n_seeds"].astype(int),
            "mean": df["mean"].map(_fmt),
            "std": df["std"].map(_fmt),
            "95% CI": [f"[{_fmt(lo)}, {_fmt(hi)}]" for lo, hi in zip(df["ci95_low"], df["ci95_high"])],
            "Δ vs baseline": [_fmt(d) if c != BASELINE else "" for d, c in zip(df["delta_vs_baseline"], df["cell"])],
            "p": [_p(p) if c != BASELINE else "" for p, c in zip(df["p_value"], df["cell"])],
            "significant": [("yes" if s else "no") if not pd.isna(s) else "" for s in df["significant"]],
        }
    )


def summary_markdown(sensitivity: pd.DataFrame) -> str:
    """The whole page: sentences, then one reference-metric table per setting."""
    lines = ["# Mixing-ratio sensitivity", ""]
    if sensitivity.empty:
        return "\n".join([*lines, "No runs were aggregated.", ""])
    best = best_cells(sensitivity)
    settings = list(dict.fromkeys(sensitivity["setting"]))
    for s in settings:  # one paragraph each
        lines += [setting_sentence(s, sensitivity, best.get(s)), ""]
    lines += [
        "Means are over seeds with a Student-t 95% interval; p values come from paired bootstrap "
        "resampling of the test outputs pooled over seeds, against the single-task baseline "
        "(sacrebleu's test for BLEU); significant means p < 0.05, with no correction for the number of cells.",
    ]
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
