"""Plots from sensitivity tables: files exist, are real PNG/SVG, heatmaps for product grids."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mtseq.analysis.paper import PAPER_POINTS, load_paper_points, paper_yaml
from mtseq.analysis.plots import (
    _series,
    as_deltas,
    paired_differences,
    plot_all,
    read_table,
    starred,
    two_ratio_keys,
)
from mtseq.errors import MtseqError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def rows(setting, reference, cells, metric_values, tasks):
    """Sensitivity rows: cells = [(cell, aux, {task: ratio})]; metric_values(cell) -> {metric: mean}."""
    out = []
    base = metric_values("baseline")
    for cell, aux, ratios in cells:
        for metric, mean in metric_values(cell).items():
            n = 1 if cell == "one_seed" else 3
            half = math.nan if n == 1 else 0.8
            base_mean = base.get(metric, math.nan)
            sig = None if cell == "baseline" or math.isnan(base_mean) or n == 1 else abs(mean - base_mean) > 1
            delta_half = math.nan if sig is None else 0.9
            out.append(
                {
                    "setting": setting,
                    "cell": cell,
                    "reference": reference,
                    "tasks": "+".join([reference, *ratios]),
                    "aux": aux,
                    **{f"ratio.{t}": ratios.get(t, 1.0 if t == reference else 0.0) for t in tasks},
                    "metric": metric,
                    "n_seeds": n,
                    "mean": mean,
                    "std": math.nan if n == 1 else 0.5,
                    "ci95_low": mean - half,
                    "ci95_high": mean + half,
                    "baseline_mean": base_mean,
                    "delta_vs_baseline": mean - base_mean,
                    "delta_estimate": mean - base_mean,
                    "delta_ci95_low": mean - base_mean - delta_half,
                    "delta_ci95_high": mean - base_mean + delta_half,
                    "p_value": math.nan if sig is None else (0.004 if sig else 0.4),
                    "p_adjusted": math.nan if sig is None else (0.02 if sig else 0.8),
                    "significant": sig,
                }
            )
    return out


TASKS = ["translate_en_de", "translate_de_en", "parse_en", "caption_en", "autoencode_en", "autoencode_de"]


def one_to_many():
    cells = [("baseline", "", {})]
    cells += [(f"parse{r}", "parse_en", {"parse_en": r}) for r in (0.001, 0.01, 0.1, 1)]
    cells += [("one_seed", "parse_en", {"parse_en": 0.3})]

    def values(cell):
        if cell == "baseline":
            return {"translate_en_de.test.bleu": 14.0}
        r = dict((c, rr) for c, _, rr in cells)[cell]["parse_en"]
        return {
            "translate_en_de.test.bleu": 14.0 + 2 * (1 - abs(math.log10(r) + 2) / 2),
            "parse_en.test.f1": 40 + 20 * r,
        }

    return rows("one_to_many", "translate_en_de", cells, values, TASKS)


def many_to_one_product():
    cells = [("baseline", "", {})]
    for c in (0, 0.05, 0.1):
        for a in (0, 0.01):
            if c or a:
                aux = ";".join(k for k, r in (("caption_en", c), ("autoencode_en+autoencode_de", a)) if r)
                ratios = {k: v for k, v in (("caption_en", c), ("autoencode_en", a), ("autoencode_de", a)) if v}
                cells.append((f"c{c}a{a}", aux, ratios))

    def values(cell):
        if cell == "baseline":
            return {"translate_de_en.test.bleu": 17.0}
        ratios = dict((c, rr) for c, _, rr in cells)[cell]
        out = {
            "translate_de_en.test.bleu": 17.0 + 10 * ratios.get("caption_en", 0) + 50 * ratios.get("autoencode_en", 0)
        }
        if "caption_en" in ratios:
            out["caption_en.test.bleu"] = 20 + 10 * ratios["caption_en"]
        if "autoencode_en" in ratios:
            out["autoencode_en.test.ppl"] = 5.0
        return out

    return rows("many_to_many", "translate_de_en", cells, values, TASKS)


@pytest.fixture(scope="module")
def plotted(tmp_path_factory):
    out = tmp_path_factory.mktemp("plots")
    sens = pd.DataFrame(one_to_many() + many_to_one_product())
    paths = plot_all(sens, out, None, PAPER_POINTS)
    return out, sens, paths


def test_plot_files_exist_and_are_png_and_svg(plotted):
    out, _, paths = plotted
    names = {p.name for p in paths}
    for stem in ("one_to_many", "many_to_many", "many_to_many_heatmap", "overview"):
        png, svg = out / f"{stem}.png", out / f"{stem}.svg"
        assert png.name in names and svg.name in names
        assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5000
        text = svg.read_text(encoding="utf-8")
        assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert not (out / "one_to_many_heatmap.png").exists()  # one ratio varied: no heatmap
    assert not list(out.glob("*.tmp"))


def test_heatmap_only_for_two_ratio_grids(plotted):
    _, sens, _ = plotted
    assert two_ratio_keys(sens, "one_to_many") is None
    assert two_ratio_keys(sens, "many_to_many") == ("caption_en", "autoencode_en+autoencode_de")


def test_plots_show_significance_and_paper_labels(plotted):
    out, _, _ = plotted
    svg = (out / "one_to_many.svg").read_text(encoding="utf-8")
    for label in (
        "Holm-adjusted p &lt; 0.05 vs baseline",
        "single-task baseline (Δ = 0)",
        "95% CI of the difference",
        "Luong et al. 2016",
        "PTB parsing",
        "0.001",
    ):
        assert label in svg, label
    overview = (out / "overview.svg").read_text(encoding="utf-8")
    assert "Holm-adjusted p &lt; 0.05" in overview and "95% CI of the difference" in overview


def test_stars_only_where_holm_rejects_and_the_interval_of_the_difference_excludes_zero():
    sens = pd.DataFrame(one_to_many())
    rows = sens[(sens["metric"] == "translate_en_de.test.bleu") & (sens["cell"] != "baseline")].copy()
    # a table that claims significance while the interval covers 0 must not get a star
    rows.loc[rows["cell"] == "parse0.01", ["delta_ci95_low", "p_adjusted"]] = [-0.1, 0.01]
    rows.loc[rows["cell"] == "parse0.1", ["delta_ci95_low", "p_adjusted"]] = [0.1, 0.2]  # Holm does not reject
    rows.loc[rows["cell"] == "parse0.001", ["delta_ci95_low", "p_adjusted"]] = [0.1, 0.01]  # a real star
    (series,) = _series(as_deltas(rows)).values()
    marked = set(starred(series)["cell"])
    assert marked, "the fixture must leave some cell starred"
    for _, r in rows.iterrows():
        excludes_zero = r["delta_ci95_low"] > 0 or r["delta_ci95_high"] < 0
        assert (r["cell"] in marked) == bool(r["p_adjusted"] < 0.05 and excludes_zero), r["cell"]
    by_cell = rows.set_index("cell")["delta_estimate"]
    assert list(series["mean"]) == [by_cell[c] for c in series["cell"]]  # Δ, not the cell mean


def test_paired_differences_subtract_the_same_seed_else_the_baseline_mean(tmp_path):
    summary = pd.DataFrame(
        {
            "setting": ["s"] * 5,
            "cell": ["baseline", "baseline", "parse0.1", "parse0.1", "parse0.1"],
            "reference": ["translate_en_de"] * 5,
            "aux": ["", "", "parse_en", "parse_en", "parse_en"],
            "ratio.parse_en": [0, 0, 0.1, 0.1, 0.1],
            "seed": [1, 2, 1, 2, 3],
            "translate_en_de.test.bleu": [10.0, 12.0, 13.0, 12.5, 20.0],
        }
    )
    dots = paired_differences(summary, "s", "translate_en_de.test.bleu", "parse_en")
    assert list(dots["y"]) == [3.0, 0.5, 9.0]  # seed 3: the baseline has none, so minus its mean 11
    assert list(dots["x"]) == [0.1] * 3
    sens = pd.DataFrame(one_to_many())
    assert plot_all(sens[sens["setting"] == "one_to_many"], tmp_path, summary.assign(setting="one_to_many"))


def test_read_table_round_trip_and_errors(tmp_path):
    sens = pd.DataFrame(one_to_many())
    path = tmp_path / "sensitivity.csv"
    sens.to_csv(path, index=False)
    back = read_table(path)
    assert back["aux"].iloc[0] == "" and back["significant"].iloc[0] is None
    assert math.isnan(back["p_adjusted"].iloc[0])
    assert bool(back.loc[back["cell"] == "parse0.01", "significant"].iloc[0]) is True
    with pytest.raises(MtseqError, match="missing column"):
        pd.DataFrame({"setting": ["x"]}).to_csv(tmp_path / "bad.csv", index=False)
        read_table(tmp_path / "bad.csv")
    assert plot_all(pd.DataFrame(), tmp_path / "empty") == []


def test_paper_points_yaml_and_csv(tmp_path):
    (tmp_path / "paper.yaml").write_text(paper_yaml())
    assert load_paper_points(tmp_path / "paper.yaml") == [
        {**p, "ratio": float(p["ratio"]), "bleu": float(p["bleu"])} for p in PAPER_POINTS
    ]
    (tmp_path / "paper.csv").write_text("setting,task,aux,ratio,bleu\nmany_to_one,translate_de_en,,0,17.8\n")
    assert load_paper_points(tmp_path / "paper.csv")[0]["bleu"] == 17.8
    (tmp_path / "bad.csv").write_text("setting,ratio,bleu\nmany_to_one,x,1\n")
    with pytest.raises(MtseqError, match="bad.csv.*entry 1"):
        load_paper_points(tmp_path / "bad.csv")
