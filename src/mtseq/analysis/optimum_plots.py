"""The fitted ratio curve, drawn from results/optimum/<setting>.json (no refit).

One panel per auxiliary key: every seed's run as a dot (grey x: the baseline,
drawn at the left edge), the fitted curve with its 95% simultaneous band, the
baseline's seed-adjusted mean as a dashed line, the alpha* interval shaded
and the robust region (within +-delta of the best by TOST) hatched.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from mtseq.analysis.plots import _save, metric_label  # noqa: E402
from mtseq.grid import BASELINE  # noqa: E402


def _panel(ax, c: dict) -> None:
    curve = c["curve"]
    alpha = np.asarray(curve["alpha"])
    color = sns.color_palette()[0]
    ax.axvspan(c["alpha_low"], c["alpha_high"], color=color, alpha=0.12, lw=0, label="α* 95% interval")
    ax.axvspan(
        c["robust_low"],
        c["robust_high"],
        fill=False,
        hatch="//",
        ec="0.55",
        lw=0,
        label=f"within ±{c['delta']:g} (TOST)",
    )
    ax.fill_between(
        alpha, curve["band_low"], curve["band_high"], color=color, alpha=0.2, lw=0, label="95% simultaneous band"
    )
    ax.plot(alpha, curve["fit"], color=color, label=f"fit ({c['family']})")
    lo = float(alpha.min())
    base = [p["value"] for p in c["points"] if p["cell"] == BASELINE]
    pts = [p for p in c["points"] if p["cell"] != BASELINE and p.get("alpha")]
    ax.scatter([p["alpha"] for p in pts], [p["value"] for p in pts], s=14, color="0.25", zorder=3, label="runs (seeds)")
    if base:
        ax.scatter([lo / 1.6] * len(base), base, s=14, marker="x", color="0.45", zorder=3, label="baseline runs")
    ax.axhline(c["baseline"], color="0.45", ls="--", lw=1, label="baseline (seed-adjusted)")
    ax.axvline(c["alpha_star"], color=color, lw=1, ls=":")
    ax.set_xscale("log")
    ax.set_xlim(lo / 2.2, float(alpha.max()) * 1.4)
    ax.set_xlabel(f"ratio of {c['key']}")
    ax.set_ylabel(metric_label(c["metric"]))
    ax.set_title(f"α* = {c['alpha_star']:.3g} [{c['alpha_low']:.3g}, {c['alpha_high']:.3g}]", fontsize=9)


def _surface_panel(fig, ax, c: dict) -> None:
    """Fitted Δ against the baseline over both ratios, trained cells as dots, α* as a star, draws' argmaxes."""
    surf = c["curve"]["surface"]
    a1, a2 = np.asarray(surf["alpha1"]), np.asarray(surf["alpha2"])
    delta = np.asarray(surf["fit"]) - c["baseline"]
    lim = float(np.nanmax(np.abs(delta))) or 1.0
    mesh = ax.pcolormesh(a2, a1, delta, cmap="RdYlGn", vmin=-lim, vmax=lim, shading="nearest")
    fig.colorbar(mesh, ax=ax, label=f"fitted Δ {metric_label(c['metric'])} vs baseline")
    draws = np.asarray(surf["argmax_draws"])
    if draws.size:
        ax.scatter(draws[:, 1], draws[:, 0], s=4, color="0.2", alpha=0.15, lw=0, label="α* draws")
    trained = {tuple(p["alpha"]) for p in c["points"] if p.get("alpha")}
    ax.scatter([t[1] for t in trained], [t[0] for t in trained], s=22, facecolor="none", ec="k", label="trained")
    ax.scatter([c["alpha2_star"]], [c["alpha_star"]], marker="*", s=160, color="w", ec="k", zorder=4, label="α*")
    ax.set_xscale("log")
    ax.set_yscale("log")
    k1, k2 = c["key"].split(";")
    ax.set_xlabel(f"ratio of {k2}")
    ax.set_ylabel(f"ratio of {k1}")
    ax.legend(fontsize=6, loc="best")
    ax.set_title(
        f"α* = ({c['alpha_star']:.3g}, {c['alpha2_star']:.3g}); "
        f"[{c['alpha_low']:.3g}, {c['alpha_high']:.3g}] × [{c['alpha2_low']:.3g}, {c['alpha2_high']:.3g}]",
        fontsize=8,
    )


def plot_optimum(doc: dict, out: str | Path) -> list[Path]:
    """results/plots/optimum_<setting>.png/.svg from one setting's JSON."""
    curves = doc["curves"]
    if not curves:
        return []
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(curves), figsize=(4.6 * len(curves), 3.6), squeeze=False)
    for ax, c in zip(axes[0], curves):
        if "surface" in c["curve"]:
            _surface_panel(fig, ax, c)
        else:
            _panel(ax, c)
    axes[0][-1].legend(fontsize=6, loc="best")
    fig.suptitle(f"{doc['setting']}: fitted ratio curve (selected on {curves[0]['selected_on']})", fontsize=10)
    return _save(fig, Path(out), f"optimum_{doc['setting']}")
