"""Sensitivity plots: each metric against the mixing ratio, read at a glance.

Per setting one figure. The reference task's test metric is drawn as its
change against the single-task baseline (Δ, y) over the ratio (log x): the
seed-level test's Δ as a line, its 95% CI of the *difference* as a band, a
zero line for the baseline, every seed's paired difference as a dot (the
cell's run minus the baseline's run with the same seed, or minus the
baseline mean where the baseline lacks that seed), and a star only where the
Holm-adjusted seed-level p < 0.05 - so a star never sits on a cell whose
interval of the difference covers zero, which a cell's own interval beside
the baseline's band could not promise. Each auxiliary task's main metric is
drawn as before: the mean over seeds with its 95% t interval and the seeds
as dots (the baseline does not train it, so there is nothing to subtract).
The paper's points, when given, get their own panel beside the reference
metric on the same ratio axis: its BLEU (WMT, tokenised) is not on our
scale, so a shared y axis would mislead. Two-ratio ("product") grids also
get a heatmap of the change against the baseline, and the overview puts
every setting's Δ with its CI side by side.

Everything is drawn from ``sensitivity.csv`` (and ``summary.csv`` for the
seed dots), so plots can be redrawn without touching the runs.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from mtseq.analysis.stats import higher_is_better, main_metric, reference_metric  # noqa: E402
from mtseq.errors import MtseqError  # noqa: E402
from mtseq.grid import AUX_SEP, BASELINE, aux_ratio, format_ratio  # noqa: E402
from mtseq.io import atomic_path, read_csv  # noqa: E402

FORMATS = ("png", "svg")
ALPHA = 0.05  # stars: Holm-adjusted seed-level p below this
_METRIC_NAMES = {"bleu": "BLEU", "chrf": "chrF", "f1": "F1", "ppl": "perplexity", "bleu_tok": "tokenised BLEU"}


def metric_label(metric: str) -> str:
    task, split, name = metric.split(".", 2)
    return f"{task} {split} {_METRIC_NAMES.get(name, name)}"


def _save(fig, out: Path, stem: str, formats=FORMATS) -> list[Path]:
    paths = []
    for ext in formats:
        path = out / f"{stem}.{ext}"
        with atomic_path(path) as tmp:
            meta = {"Date": None} if ext == "svg" else {}
            fig.savefig(tmp, format=ext, dpi=150, bbox_inches="tight", metadata=meta)
        paths.append(path)
    plt.close(fig)
    return paths


def _keys(row: pd.Series) -> list[str]:
    aux = row["aux"]
    return [] if pd.isna(aux) else [k for k in str(aux).split(AUX_SEP) if k]


def _sig(row: pd.Series) -> bool:
    """Holm-adjusted seed-level p < 0.05 (``significant`` in tables without ``p_adjusted``)."""
    adj = row.get("p_adjusted", float("nan"))
    if not pd.isna(adj):
        return bool(adj < ALPHA)
    value = row.get("significant")
    return False if value is None or pd.isna(value) else bool(value)


def _delta(row: pd.Series) -> float:
    """The seed-level test's estimate of the difference (its CI's centre), else the difference of the means."""
    est = row.get("delta_estimate", float("nan"))
    return row["delta_vs_baseline"] if pd.isna(est) else est


def as_deltas(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows re-expressed as differences from the baseline: y = Δ, interval = the 95% CI of the difference."""
    nan = pd.Series(float("nan"), index=rows.index)
    return rows.assign(
        mean=[_delta(r) for _, r in rows.iterrows()],
        ci95_low=rows["delta_ci95_low"] if "delta_ci95_low" in rows else nan,
        ci95_high=rows["delta_ci95_high"] if "delta_ci95_high" in rows else nan,
    )


def _series(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Line series of one metric: x is the ratio of the cell's first auxiliary key.

    One-key cells form one series per key; in two-ratio grids the second
    key's ratio names the series ("parse_en | caption_en=0.1"). ``sig`` is
    true only where the adjusted test rejects and the interval excludes 0.
    """
    points: dict[str, list[dict]] = {}
    for _, r in rows.iterrows():
        keys = _keys(r)
        if not keys:
            continue
        label = keys[0] + "".join(f" | {k}={format_ratio(aux_ratio(r, k))}" for k in keys[1:])
        points.setdefault(label, []).append(
            {
                "x": aux_ratio(r, keys[0]),
                "mean": r["mean"],
                "lo": r["ci95_low"],
                "hi": r["ci95_high"],
                "sig": _sig(r),
                "cell": r["cell"],
            }
        )
    return {k: pd.DataFrame(v).sort_values("x") for k, v in points.items()}


def starred(s: pd.DataFrame) -> pd.DataFrame:
    """Points of a Δ series that get a star: adjusted p < 0.05 and a CI of the difference that excludes 0."""
    return s[s["sig"] & ((s["lo"] > 0) | (s["hi"] < 0))]


def _seed_points(summary: pd.DataFrame | None, setting: str, metric: str, key: str) -> pd.DataFrame:
    if summary is None or metric not in summary.columns:
        return pd.DataFrame()
    df = summary[(summary["setting"] == setting) & (summary["aux"].fillna("") == key)]
    if df.empty:
        return df
    return pd.DataFrame({"x": [aux_ratio(r, key) for _, r in df.iterrows()], "y": df[metric].to_numpy()})


def paired_differences(summary: pd.DataFrame | None, setting: str, metric: str, key: str) -> pd.DataFrame:
    """Each run of a key's cells minus the baseline's run with the same seed (the baseline mean if it has none)."""
    dots = _seed_points(summary, setting, metric, key)
    if dots.empty:
        return dots
    df = summary[(summary["setting"] == setting) & (summary["aux"].fillna("") == key)]
    base = summary[(summary["setting"] == setting) & (summary["cell"] == BASELINE)]
    by_seed = dict(zip(base["seed"], base[metric])) if metric in base else {}
    by_seed = {s: v for s, v in by_seed.items() if not pd.isna(v)}
    if not by_seed:
        return pd.DataFrame()
    mean = float(np.mean(list(by_seed.values())))
    return dots.assign(y=dots["y"].to_numpy() - np.array([by_seed.get(s, mean) for s in df["seed"]]))


def _ratio_axis(ax, rows: pd.DataFrame) -> None:
    """Log x axis ticked at the grid's own ratios, written as in the config (0.01, not 10^-2)."""
    ax.set_xscale("log")
    xs = sorted({x for s in _series(rows).values() for x in s["x"]})
    if xs:
        ax.set_xticks(xs, [format_ratio(x) for x in xs])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel("mixing ratio α (log scale)")


def _baseline_band(ax, base: pd.DataFrame) -> None:
    if base.empty or pd.isna(base["mean"].iloc[0]):
        return
    b = base.iloc[0]
    ax.axhline(b["mean"], color="0.35", lw=1.2, ls="--", label="single-task baseline (mean, 95% CI)")
    if not (pd.isna(b["ci95_low"]) or pd.isna(b["ci95_high"])):
        ax.axhspan(b["ci95_low"], b["ci95_high"], color="0.5", alpha=0.18, lw=0)


def _delta_line(ax, s: pd.DataFrame, color, label: str) -> None:
    """Δ per ratio with its CI of the difference as error bars (visible for a lone point) and a band."""
    yerr = np.vstack([(s["mean"] - s["lo"]).fillna(0).to_numpy(), (s["hi"] - s["mean"]).fillna(0).to_numpy()])
    ax.errorbar(s["x"], s["mean"], yerr=yerr, marker="o", ms=4, capsize=3, elinewidth=1, color=color, label=label)
    if s["lo"].notna().any():
        ax.fill_between(s["x"], s["lo"], s["hi"], color=color, alpha=0.15, lw=0)


def _delta_panel(ax, sens: pd.DataFrame, summary: pd.DataFrame | None, setting: str, metric: str) -> bool:
    """The reference metric as Δ vs baseline: CI of the difference, paired seed dots, stars by Holm."""
    rows = sens[(sens["metric"] == metric) & (sens["cell"] != BASELINE)]
    if rows.empty:
        return False
    ax.axhline(0, color="0.35", lw=1.2, ls="--", label="single-task baseline (Δ = 0)")
    palette = sns.color_palette("colorblind")
    marked = False
    for i, (label, s) in enumerate(_series(as_deltas(rows)).items()):
        color = palette[i % len(palette)]
        _delta_line(ax, s, color, label)
        dots = paired_differences(summary, setting, metric, label) if "|" not in label else pd.DataFrame()
        if not dots.empty:
            ax.scatter(dots["x"], dots["y"], s=9, color=color, alpha=0.45, lw=0)
        sig = starred(s)
        if not sig.empty:
            ax.scatter(
                sig["x"],
                sig["mean"],
                marker="*",
                s=140,
                color=color,
                edgecolor="black",
                lw=0.6,
                zorder=5,
                label=None if marked else "Holm-adjusted p < 0.05 vs baseline",
            )
            marked = True
    _ratio_axis(ax, rows)
    ax.set_ylabel(f"Δ {metric_label(metric)} vs baseline")
    better = "" if higher_is_better(metric) else " (lower is better)"
    ax.set_title(f"Δ {metric_label(metric)}{better}, 95% CI of the difference")
    return True


def _metric_panel(ax, sens: pd.DataFrame, summary: pd.DataFrame | None, setting: str, metric: str) -> bool:
    rows = sens[sens["metric"] == metric]
    if rows.empty:
        return False
    _baseline_band(ax, rows[rows["cell"] == BASELINE])
    palette = sns.color_palette("colorblind")
    for i, (label, s) in enumerate(_series(rows).items()):
        color = palette[i % len(palette)]
        ax.plot(s["x"], s["mean"], marker="o", ms=4, color=color, label=label)
        if s["lo"].notna().any():
            ax.fill_between(s["x"], s["lo"], s["hi"], color=color, alpha=0.2, lw=0)
        dots = _seed_points(summary, setting, metric, label) if "|" not in label else pd.DataFrame()
        if not dots.empty:
            ax.scatter(dots["x"], dots["y"], s=9, color=color, alpha=0.45, lw=0)
    _ratio_axis(ax, rows)
    ax.set_ylabel(metric_label(metric))
    ax.set_title(metric_label(metric) + ("" if higher_is_better(metric) else " (lower is better)"))
    return True


def _paper_panel(ax, pts: list[dict]) -> None:
    """The paper's points in their own panel: its BLEU (WMT, tokenised) is not on our scale."""
    task = pts[0]["task"] or "reference task"
    for p in pts:
        if p["ratio"] == 0:
            ax.axhline(p["bleu"], color="0.35", lw=1.2, ls="--", label=f"{task} alone ({p['bleu']})")
    series = list(dict.fromkeys(p["aux"] for p in pts if p["ratio"] > 0))
    palette = sns.color_palette("dark")
    for i, aux in enumerate(series):
        sp = sorted((p for p in pts if p["aux"] == aux and p["ratio"] > 0), key=lambda p: p["ratio"])
        ax.plot(
            [p["ratio"] for p in sp],
            [p["bleu"] for p in sp],
            ls="--",
            marker="s",
            mfc="white",
            ms=5,
            color=palette[i % len(palette)],
            label=f"+ {aux or 'auxiliary'}",
        )
    ax.set_xscale("log")
    xs = sorted({p["ratio"] for p in pts if p["ratio"] > 0})
    ax.set_xticks(xs, [format_ratio(x) for x in xs])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel("mixing ratio α (log scale)")
    ax.set_ylabel("paper's test BLEU (WMT, tokenised)")
    ax.set_title(f"Luong et al. 2016, as reported ({task})")


def setting_metrics(sens: pd.DataFrame, setting: str) -> list[str]:
    """The reference metric, then each auxiliary task's main metric (test split)."""
    df = sens[sens["setting"] == setting]
    reference = df["reference"].iloc[0]
    metrics = [reference_metric(reference)]
    for col in (c for c in df.columns if c.startswith("ratio.")):
        task = col[len("ratio.") :]
        if task != reference and (df[col] > 0).any():
            metrics.append(f"{task}.test.{main_metric(task)}")
    return [m for m in metrics if (df["metric"] == m).any()]


def plot_setting(sens, summary, setting: str, out: Path, paper: list[dict] | None = None) -> list[Path]:
    df = sens[sens["setting"] == setting]
    metrics = setting_metrics(sens, setting)
    if not metrics:
        return []
    pts = [p for p in paper or [] if p["setting"] == setting]
    n = len(metrics) + bool(pts)
    ncols = min(n, 3)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 4.2 * nrows), squeeze=False)
    panels = list(axes.flat)
    for ax in panels[n:]:
        ax.set_visible(False)
    panels = panels[:n]
    paper_ax = panels.pop(1) if pts else None
    for j, (ax, metric) in enumerate(zip(panels, metrics)):
        (_delta_panel if j == 0 else _metric_panel)(ax, df, summary, setting, metric)
        ax.legend(loc="best", fontsize="x-small")
    if paper_ax is not None:  # beside the reference panel, over the same ratio range
        _paper_panel(paper_ax, pts)
        paper_ax.legend(loc="best", fontsize="x-small")
        lims = [*panels[0].get_xlim(), *paper_ax.get_xlim()]
        for ax in (panels[0], paper_ax):
            ax.set_xlim(min(lims), max(lims))
    fig.suptitle(
        f"{setting}: sensitivity to the mixing ratio (reference: Δ vs baseline, 95% CI of the difference; "
        "auxiliary: mean, 95% CI over seeds)"
    )
    fig.tight_layout()
    return _save(fig, out, setting)


def two_ratio_keys(sens: pd.DataFrame, setting: str) -> tuple[str, str] | None:
    """The first pair of auxiliary keys varied together in one cell, if any."""
    for aux in sens.loc[sens["setting"] == setting, "aux"].fillna(""):
        keys = [k for k in str(aux).split(AUX_SEP) if k]
        if len(keys) == 2:
            return keys[0], keys[1]
    return None


def _heatmap(ax, delta: pd.DataFrame, text: pd.DataFrame, metric: str, lim: float) -> None:
    sns.heatmap(
        delta.astype(float),
        annot=text.fillna("").to_numpy(),
        fmt="",
        center=0,
        vmin=-lim if lim > 0 else -1,
        vmax=lim if lim > 0 else 1,
        cmap="RdYlGn" if higher_is_better(metric) else "RdYlGn_r",
        cbar_kws={"label": f"Δ {metric_label(metric)} vs baseline"},
        ax=ax,
        linewidths=0.5,
    )


def plot_heatmap(sens: pd.DataFrame, setting: str, out: Path) -> list[Path]:
    """Reference metric over a two-ratio grid: colour = change vs baseline, text = mean (* Holm p<0.05)."""
    pair = two_ratio_keys(sens, setting)
    if pair is None:
        return []
    k1, k2 = pair
    metric = reference_metric(sens.loc[sens["setting"] == setting, "reference"].iloc[0])
    rows = sens[(sens["setting"] == setting) & (sens["metric"] == metric)]
    cells = []
    for _, r in rows.iterrows():
        keys = set(_keys(r))
        if keys <= {k1, k2}:
            cells.append(
                {
                    k1: aux_ratio(r, k1) if k1 in keys else 0.0,
                    k2: aux_ratio(r, k2) if k2 in keys else 0.0,
                    "delta": _delta(r),
                    "text": f"{r['mean']:.1f}" + ("*" if _sig(r) else ""),
                }
            )
    grid = pd.DataFrame(cells)
    delta = grid.pivot_table(index=k1, columns=k2, values="delta", aggfunc="first")
    text = grid.pivot_table(index=k1, columns=k2, values="text", aggfunc="first").reindex_like(delta)
    delta = delta.sort_index(ascending=False)
    text = text.reindex(index=delta.index, columns=delta.columns)
    fig, ax = plt.subplots(figsize=(1.1 * len(delta.columns) + 3, 0.7 * len(delta.index) + 2))
    lim = np.nanmax(np.abs(delta.to_numpy(dtype=float))) if delta.notna().any().any() else 1.0
    with warnings.catch_warnings():  # seaborn 0.13 calls Colormap.set_bad, pending deprecation in matplotlib
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        _heatmap(ax, delta, text, metric, lim)
    ax.set_facecolor("0.92")  # cells not in the grid
    ax.grid(False)
    ax.set_xticklabels([format_ratio(float(t.get_text())) for t in ax.get_xticklabels()])
    ax.set_yticklabels([format_ratio(float(t.get_text())) for t in ax.get_yticklabels()], rotation=0)
    ax.set_xlabel(f"ratio of {k2}")
    ax.set_ylabel(f"ratio of {k1}")
    ax.set_title(f"{setting}: {metric_label(metric)} (mean; * Holm-adjusted p < 0.05 vs baseline)")
    fig.tight_layout()
    return _save(fig, out, f"{setting}_heatmap")


def plot_overview(sens: pd.DataFrame, out: Path) -> list[Path]:
    """All settings side by side: Δ of the reference metric with its CI of the difference."""
    settings = list(dict.fromkeys(sens["setting"]))
    fig, axes = plt.subplots(1, len(settings), figsize=(4.6 * len(settings), 3.8), squeeze=False, sharey=False)
    for ax, setting in zip(axes[0], settings):
        df = sens[sens["setting"] == setting]
        metric = reference_metric(df["reference"].iloc[0])
        rows = df[(df["metric"] == metric) & (df["cell"] != BASELINE)]
        ax.axhline(0, color="0.35", lw=1.2, ls="--")
        palette = sns.color_palette("colorblind")
        for i, (label, s) in enumerate(_series(as_deltas(rows)).items()):
            color = palette[i % len(palette)]
            _delta_line(ax, s, color, label)
            sig = starred(s)
            ax.scatter(sig["x"], sig["mean"], marker="*", s=120, color=color, edgecolor="black", lw=0.5, zorder=5)
        _ratio_axis(ax, rows)
        ax.set_ylabel(f"Δ {metric_label(metric)}")
        ax.set_title(setting)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="x-small")
    fig.suptitle("Change against the single-task baseline (Δ, 95% CI of the difference; * Holm-adjusted p < 0.05)")
    fig.tight_layout()
    return _save(fig, out, "overview")


def plot_all(
    sensitivity: pd.DataFrame, out: str | Path, summary: pd.DataFrame | None = None, paper: list[dict] | None = None
) -> list[Path]:
    """Every figure: one per setting, a heatmap per two-ratio setting, the overview."""
    out = Path(out)
    sns.set_theme(style="whitegrid", context="paper")
    plt.rcParams["svg.hashsalt"] = "mtseq"
    paths: list[Path] = []
    if sensitivity.empty:
        return paths
    for setting in dict.fromkeys(sensitivity["setting"]):
        paths += plot_setting(sensitivity, summary, setting, out, paper)
        paths += plot_heatmap(sensitivity, setting, out)
    paths += plot_overview(sensitivity, out)
    return paths


SUMMARY_COLUMNS = ("setting", "cell", "reference", "aux", "seed")
SENSITIVITY_COLUMNS = (
    "setting",
    "cell",
    "reference",
    "aux",
    "metric",
    "n_seeds",
    "mean",
    "ci95_low",
    "ci95_high",
    "baseline_mean",
    "delta_vs_baseline",
    "delta_ci95_low",
    "delta_ci95_high",
    "p_value",
    "p_adjusted",
    "significant",
)


def read_table(path: str | Path, required: tuple[str, ...] = SENSITIVITY_COLUMNS) -> pd.DataFrame:
    """Read sensitivity/summary CSVs with the column types the plots rely on."""
    df = read_csv(path)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise MtseqError(f"missing column(s) {', '.join(missing)}", path)
    if "aux" in df.columns:
        df["aux"] = df["aux"].fillna("").astype(str)
    if "significant" in df.columns:
        df["significant"] = df["significant"].map(
            lambda v: None if pd.isna(v) else (str(v).lower() == "true" if not isinstance(v, bool) else v)
        )
    return df
