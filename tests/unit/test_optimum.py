"""The ratio curve: block-model means, curve families, alpha* and its interval, TOST region, the command."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from mtseq.analysis.curves import (
    GP,
    QUADRATIC,
    cell_means,
    choose_family,
    gp_smoother,
    loro_errors,
    quadratic_smoother,
)
from mtseq.analysis.optimum import analyse, fit_curve, study_optimum
from mtseq.analysis.optimum_sim import Planted, coverage, simulate_grid
from mtseq.cli import main
from mtseq.errors import MtseqError
from mtseq.grid import expand_grid

X5 = np.log10([0.01, 0.0316, 0.1, 0.316, 1.0])


def test_cell_means_remove_a_shared_seed_effect_exactly():
    seed_effect = np.array([3.0, -1.0, 0.5, 2.0])
    truth = np.array([10.0, 11.0, 12.0, 11.5])
    noise = np.array([[0.1, -0.1, 0.05, -0.05], [0.0, 0.1, -0.1, 0.0], [0.2, -0.2, 0.0, 0.0], [0, 0, 0.1, -0.1]])
    values = truth[:, None] + seed_effect[None] + noise
    m = cell_means(values, ["a", "b", "c"], np.array([-2.0, -1.0, 0.0]))
    # balanced: each cell is its mean over seeds, so differences between cells carry no seed effect
    assert m.mean == pytest.approx(truth + seed_effect.mean() + noise.mean(axis=1), abs=1e-9)
    assert m.df == 16 - 4 - 3 and m.n_seeds == 4
    # the unit covariance of a balanced design: 1/n_seeds on the diagonal, cells independent
    assert np.diag(m.cov_unit) == pytest.approx([0.25] * 4)


def test_cell_means_sort_by_ratio_and_refuse_unconnected_or_saturated_designs():
    values = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    m = cell_means(values, ["hi", "lo"], np.array([0.0, -1.0]))
    assert m.cells == ["lo", "hi"] and list(m.x) == [-1.0, 0.0]
    assert m.mean[1:] == pytest.approx([6.0, 3.5])
    disconnected = np.array([[1.0, 2.0, np.nan, np.nan], [np.nan, np.nan, 3.0, 4.0]])
    with pytest.raises(MtseqError, match="share too few seeds"):
        cell_means(disconnected, ["a"], np.array([0.0]))
    with pytest.raises(MtseqError, match="no residual degrees of freedom"):
        cell_means(np.array([[1.0], [2.0]]), ["a"], np.array([0.0]))


def test_quadratic_smoother_reproduces_a_quadratic_and_its_vertex():
    m = 15 - 2 * (X5 + 0.75) ** 2
    xg = np.linspace(-2, 0, 201)
    w, info = quadratic_smoother(X5, np.eye(5), xg)
    assert info["degree"] == 2
    f = w @ m
    assert f == pytest.approx(15 - 2 * (xg + 0.75) ** 2, abs=1e-9)
    assert xg[np.argmax(f)] == pytest.approx(-0.75, abs=0.01)


def test_gp_smoother_weights_sum_to_one_and_interpolate_with_little_noise():
    m = np.array([12.0, 13.5, 14.0, 13.0, 11.0])
    w, hyper = gp_smoother(X5, 1e-4 * np.eye(5), X5, m)
    assert w.sum(axis=1) == pytest.approx(np.ones(5))  # a constant is reproduced (the mean is estimated)
    assert w @ m == pytest.approx(m, abs=0.05)
    assert hyper["length_decades"] > 0 and hyper["signal_sd"] > 0


def test_loro_uses_interior_ratios_and_three_equal_steps_tie_to_the_quadratic():
    m = np.array([10.0, 12.0, 11.0])
    x = np.array([-2.0, -1.0, 0.0])
    errors = loro_errors(QUADRATIC, x, m, 0.1 * np.eye(3))
    assert errors[1] == pytest.approx(10.5 - 12.0)  # the middle point from the line through the ends
    family, interior, folds = choose_family(x, m, 0.1 * np.eye(3))
    assert family == QUADRATIC and interior[QUADRATIC] == pytest.approx(interior[GP])
    assert len(folds[GP]) == 3


def test_analyse_finds_a_planted_interior_optimum_and_a_robust_region_around_it():
    p = Planted(noise_sd=0.2, seed_sd=1.0, x0=-0.75, curvature=3.0)
    means = cell_means(simulate_grid(p, np.random.default_rng(3)), [f"c{i}" for i in range(5)], X5)
    fit = fit_curve(means, higher=True)
    out, draws = analyse(fit, delta=0.5, draws=2000, rng=np.random.default_rng(0))
    assert out["alpha_low"] <= 10**-0.75 <= out["alpha_high"]
    assert out["alpha_low"] < out["alpha_star"] < out["alpha_high"] and not out["at_edge"]
    assert out["robust_low"] <= out["alpha_star"] <= out["robust_high"]
    assert out["gain_low"] < out["gain"] < out["gain_high"]
    assert out["gain"] == pytest.approx(out["fit_at_star"] - out["baseline"])
    assert out["flat_p"] < 1e-3
    band = out["curve"]
    assert all(lo <= f <= hi for lo, f, hi in zip(band["band_low"], band["fit"], band["band_high"]))
    assert len(draws) == 2000


def test_a_flat_curve_gives_a_wide_interval_and_equivalence_everywhere_with_small_noise():
    rng = np.random.default_rng(5)
    values = 12.0 + rng.normal(0, 0.02, (6, 4))
    means = cell_means(values, [f"c{i}" for i in range(5)], X5)
    out, _ = analyse(fit_curve(means), delta=0.5, draws=2000, rng=np.random.default_rng(0))
    assert out["flat_p"] > 0.01
    assert (out["robust_low"], out["robust_high"]) == pytest.approx((0.01, 1.0))
    assert out["baseline_equivalent"]


def test_lower_is_better_picks_the_minimum():
    values = np.array([[10.0] * 3, [9.0, 9.1, 8.9], [7.0, 7.1, 6.9], [9.5, 9.4, 9.6]])
    means = cell_means(values, ["a", "b", "c"], np.array([-2.0, -1.0, 0.0]))
    out, _ = analyse(fit_curve(means, higher=False), delta=0.5, draws=500, rng=np.random.default_rng(0))
    assert 0.03 < out["alpha_star"] < 0.3 and out["gain"] < -2


def test_same_seed_same_numbers():
    p = Planted()
    means = cell_means(simulate_grid(p, np.random.default_rng(1)), [f"c{i}" for i in range(5)], X5)
    a, _ = analyse(fit_curve(means), 0.5, 800, np.random.default_rng(7))
    b, _ = analyse(fit_curve(means), 0.5, 800, np.random.default_rng(7))
    assert (a["alpha_low"], a["alpha_high"]) == (b["alpha_low"], b["alpha_high"])


def test_alpha_star_interval_covers_the_planted_optimum_in_90_to_98_percent_of_200_grids():
    """Calibration: 200 simulated grids (5 ratios half a decade apart, 4 seeds, optimum between two ratios)."""
    result = coverage(Planted(x0=-0.75), grids=200, draws=1000, seed=11)
    assert result.grids == 200
    assert 0.90 <= result.coverage <= 0.98, result
    assert result.mean_width_decades < 1.0  # informative, not the whole 2-decade range


# -- from the tables and the command -----------------------------------------------


GRID = {
    "seeds": [1, 2, 3],
    "settings": {"one_to_many": {"reference": "translate_en_de", "auxiliary": {"parse_en": [0.01, 0.1, 1]}}},
}


def summary_frame(valid=True, seed_values=None) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = []
    truth = {"baseline": 12.0, "parse0.01": 12.5, "parse0.1": 13.5, "parse1": 12.2}
    for cell, mu in truth.items():
        ratio = {"baseline": 0.0, "parse0.01": 0.01, "parse0.1": 0.1, "parse1": 1.0}[cell]
        for seed in (1, 2, 3):
            row = {
                "setting": "one_to_many",
                "cell": cell,
                "reference": "translate_en_de",
                "aux": "" if cell == "baseline" else "parse_en",
                "ratio.translate_en_de": 1.0,
                "ratio.parse_en": ratio,
                "seed": seed,
                "translate_en_de.test.bleu": mu + seed * 0.3 + rng.normal(0, 0.1),
            }
            if valid:
                row["translate_en_de.valid.bleu"] = mu + seed * 0.3 + rng.normal(0, 0.1)
            rows.append(row)
    return pd.DataFrame(rows)


def test_study_optimum_selects_on_valid_and_reports_test():
    found = study_optimum(summary_frame(), expand_grid(GRID), {"draws": 500})
    (o,) = found
    assert o.selected_on == "valid" and o.metric == "translate_en_de.valid.bleu"
    assert o.report_metric == "translate_en_de.test.bleu" and math.isfinite(o.gain_test)
    assert 0.01 < o.alpha_star < 1 and o.family == QUADRATIC
    (o,) = study_optimum(summary_frame(valid=False), expand_grid(GRID), {"draws": 500})
    assert o.selected_on == "test" and "selected on test" in o.note


def test_study_optimum_refuses_a_missing_cell():
    summary = summary_frame()
    summary = summary[summary["cell"] != "parse1"]
    with pytest.raises(MtseqError, match="no runs of cell parse1"):
        study_optimum(summary, expand_grid(GRID))


def test_command_writes_csv_json_and_plot(tmp_path):
    import yaml

    results = tmp_path / "results"
    results.mkdir()
    summary_frame().to_csv(results / "summary.csv", index=False)
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"grid": GRID, "optimum": {"delta": 0.4, "draws": 300}}))
    assert main(["optimum", "--results", str(results), "--config", str(config)]) == 0
    table = pd.read_csv(results / "optimum.csv")
    assert list(table["setting"]) == ["one_to_many"] and table["delta"].iloc[0] == 0.4
    doc = json.loads((results / "optimum" / "one_to_many.json").read_text())
    assert doc["curves"][0]["curve"]["alpha"][0] == pytest.approx(0.01)
    assert (results / "plots" / "optimum_one_to_many.png").stat().st_size > 1000
    first = (results / "optimum.csv").read_text()
    assert main(["optimum", "--results", str(results), "--config", str(config)]) == 0
    assert (results / "optimum.csv").read_text() == first  # deterministic


def test_command_names_a_missing_summary(tmp_path, capsys):
    import yaml

    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"grid": GRID}))
    assert main(["optimum", "--results", str(tmp_path), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "summary.csv" in err and "file not found" in err and len(err.strip().splitlines()) == 1


def test_optimum_files_name_curves_and_two_ratio_surfaces_only(tmp_path):
    from mtseq.analysis.optimum_files import optimum_files

    product = {
        "seeds": [1],
        "settings": {
            "one_to_many": GRID["settings"]["one_to_many"],
            "many_to_many": {
                "reference": "translate_en_de",
                "combine": "product",
                "auxiliary": {"autoencode_en": [0.1, 1], "skipthought_en": [0.5]},  # one ratio: no surface
            },
        },
    }
    files = optimum_files({"results": "R", "grid": product})
    assert files == {"json": ["R/optimum/one_to_many.json"], "plots": ["R/plots/optimum_one_to_many.png"]}
    product["settings"]["many_to_many"]["auxiliary"]["skipthought_en"] = [0.1, 1]
    assert optimum_files({"results": "R", "grid": product})["json"][1] == "R/optimum/many_to_many.json"


def test_dvc_metrics_hold_the_headline_numbers_as_strict_json():
    from mtseq.analysis.optimum import dvc_metrics

    (o,) = study_optimum(summary_frame(), expand_grid(GRID), {"draws": 300})
    doc = dvc_metrics([o])["one_to_many"]["parse_en"]
    assert doc["alpha_star"] == o.alpha_star and doc["choice"] in ("ratio", "baseline", "undecided")
    json.dumps(doc, allow_nan=False)


# -- Ye et al.'s mixing law on validation loss -------------------------------------


def test_mixing_law_recovers_planted_parameters_and_predicts_a_left_out_ratio():
    from mtseq.analysis.mixing_law import fit_law, law_loro, proportion

    alpha = np.array([0.01, 0.0316, 0.1, 0.316, 1.0])
    p = np.concatenate([[0.0], proportion(alpha)])
    m = 2.0 + 0.5 * np.exp(-3.0 * p)
    fit = fit_law(p, m, 1e-4 * np.eye(6))
    assert (fit.c, fit.k, fit.t) == pytest.approx((2.0, 0.5, -3.0), abs=1e-3)
    errors = law_loro(p, m, 1e-4 * np.eye(6))
    assert len(errors) == 3 and np.abs(errors).max() < 1e-3  # the exact law predicts interior ratios


def test_mixing_law_columns_in_the_study_and_its_best_ratio_is_an_end():
    summary = summary_frame()
    summary["translate_en_de.valid.ppl"] = np.exp(2.0 + 0.3 * np.exp(-2.0 * summary["ratio.parse_en"]))
    summary["translate_en_de.valid.ppl"] *= np.exp(0.01 * summary["seed"])
    (o,) = study_optimum(summary, expand_grid(GRID), {"draws": 300})
    assert o.law_metric == "ln translate_en_de.valid.ppl"
    assert o.law_alpha_best == pytest.approx(1.0) and o.law_beats_baseline  # loss falls with the ratio
    assert o.law_loro_rmse < 0.01 and math.isfinite(o.law_quadratic_loro_rmse)


# -- two ratios at once (combine: product) ------------------------------------------

PRODUCT = {
    "seeds": [1, 2, 3],
    "settings": {
        "many_to_many": {
            "reference": "translate_en_de",
            "combine": "product",
            "auxiliary": {"autoencode_en+autoencode_de": [0.01, 0.1, 1], "skipthought_en": [0.01, 0.1, 1]},
        }
    },
}


def product_summary(x0=(-1.0, -0.5), noise=0.05) -> pd.DataFrame:
    """A planted surface 15 - (x1 - a)^2 - (x2 - b)^2 over the 3 x 3 product grid, baseline 13."""
    rng = np.random.default_rng(4)
    rows = []
    for cell in expand_grid(PRODUCT):
        r = list(cell.aux.values())
        if cell.is_baseline:
            mu = 13.0
        else:
            x1, x2 = np.log10(r)
            mu = 15.0 - (x1 - x0[0]) ** 2 - (x2 - x0[1]) ** 2
        for seed in cell.seeds:
            rows.append(
                {
                    "setting": cell.setting,
                    "cell": cell.cell,
                    "reference": "translate_en_de",
                    "seed": seed,
                    "translate_en_de.valid.bleu": mu + 0.5 * seed + rng.normal(0, noise),
                    "translate_en_de.test.bleu": mu + 0.5 * seed + rng.normal(0, noise),
                }
            )
    return pd.DataFrame(rows)


def test_product_surface_finds_the_planted_optimum_and_is_named_by_optimum_files():
    from mtseq.analysis.optimum_files import optimum_files

    (o,) = study_optimum(product_summary(), expand_grid(PRODUCT), {"draws": 500})
    assert o.family == "quadratic-surface" and o.key == "autoencode_en+autoencode_de;skipthought_en"
    assert o.alpha_star == pytest.approx(0.1, rel=0.15) and o.alpha2_star == pytest.approx(10**-0.5, rel=0.15)
    assert o.alpha_low <= 0.1 <= o.alpha_high and o.alpha2_low <= 10**-0.5 <= o.alpha2_high
    assert o.gain == pytest.approx(2.0, abs=0.2) and o.choice == "ratio"
    assert math.isfinite(o.loro_rmse_quadratic)  # the centre cell (0.1, 0.1) is interior
    assert optimum_files({"grid": PRODUCT})["plots"] == ["results/plots/optimum_many_to_many.png"]


def test_product_surface_heatmap_is_drawn(tmp_path):
    from mtseq.analysis.optimum import setting_json
    from mtseq.analysis.optimum_plots import plot_optimum

    found = study_optimum(product_summary(), expand_grid(PRODUCT), {"draws": 300})
    doc = json.loads(json.dumps(setting_json("many_to_many", found, {}), allow_nan=False))
    paths = plot_optimum(doc, tmp_path)
    assert [p.name for p in paths] == ["optimum_many_to_many.png", "optimum_many_to_many.svg"]
    assert paths[0].stat().st_size > 1000
