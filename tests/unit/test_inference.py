"""Seed-level inference: the block model against hand computations, Welch against scipy, Holm/BH, calibration."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mtseq.analysis.calibration import Design, calibrate, design_from_summary, design_mde
from mtseq.analysis.inference import (
    BLOCK,
    NONE,
    WELCH,
    benjamini_hochberg,
    block_model,
    compare_cells,
    holm,
    mde,
    paired_seed_correlation,
    study_inference,
    welch,
)
from mtseq.cli import main
from mtseq.errors import MtseqError


def runs(values: dict[str, list[float]], seeds: dict[str, list[int]] | None = None) -> pd.DataFrame:
    """(cell, seed, value) rows; seeds default to 1..n per cell."""
    rows = []
    for cell, vs in values.items():
        for seed, v in zip((seeds or {}).get(cell, range(1, len(vs) + 1)), vs):
            rows.append({"cell": cell, "seed": seed, "value": v})
    return pd.DataFrame(rows)


def paired_grid(rng, cells=3, seeds=4, seed_sd=2.0, resid_sd=0.5, shift=0.0):
    seed_effect = rng.normal(0, seed_sd, seeds)
    values = {"baseline": list(10 + seed_effect + rng.normal(0, resid_sd, seeds))}
    for i in range(cells):
        values[f"c{i}"] = list(10 + shift * (i == 0) + seed_effect + rng.normal(0, resid_sd, seeds))
    return values


def test_block_model_with_one_cell_is_the_paired_t_test():
    rng = np.random.default_rng(1)
    values = paired_grid(rng, cells=1, seeds=5, shift=1.0)
    table, family = compare_cells(runs(values))
    ref = stats.ttest_rel(values["c0"], values["baseline"])
    row = table.iloc[0]
    assert family.test == BLOCK and row["test"] == BLOCK and row["df"] == 4
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert row["p_adjusted"] == pytest.approx(row["p_value"])  # one cell: nothing to correct


def test_block_model_in_a_balanced_design_pools_the_two_way_residual():
    """Balanced cells x seeds: contrast = difference of means, SE^2 = 2 s^2 / seeds, s^2 the two-way residual MS."""
    rng = np.random.default_rng(2)
    values = paired_grid(rng, cells=3, seeds=4, shift=1.5)
    y = np.array([values[c] for c in ["baseline", "c0", "c1", "c2"]])
    resid = y - y.mean(1, keepdims=True) - y.mean(0, keepdims=True) + y.mean()
    df = (y.shape[0] - 1) * (y.shape[1] - 1)
    s2 = (resid**2).sum() / df
    fit = block_model(runs(values))
    assert fit.df == df and fit.resid_sd == pytest.approx(math.sqrt(s2))
    for i in range(3):
        delta = y[i + 1].mean() - y[0].mean()
        se = math.sqrt(2 * s2 / y.shape[1])
        assert fit.delta[i] == pytest.approx(delta) and fit.se[i] == pytest.approx(se)
    table, family = compare_cells(runs(values))
    t = (y[1].mean() - y[0].mean()) / math.sqrt(2 * s2 / 4)
    assert table.loc[0, "p_value"] == pytest.approx(2 * stats.t.sf(abs(t), df))
    assert family.test == BLOCK and family.paired_seed_corr > 0.8
    assert family.resid_sd < family.unpaired_sd and family.se_paired < family.se_welch


def test_extra_baseline_seeds_and_a_missing_seed_are_fine():
    rng = np.random.default_rng(3)
    values = paired_grid(rng, cells=2, seeds=5)
    data = runs(values).query("not (cell != 'baseline' and seed > 3)")  # baseline has seeds 4 and 5 alone
    data = data.query("not (cell == 'c1' and seed == 2)")  # and c1 lacks seed 2
    fit = block_model(data)
    assert fit.df == len(data) - (1 + 2 + 4)
    # a seed only the baseline has fits its own block exactly: c0's contrast is over seeds 1-3
    y = {c: np.array(values[c]) for c in values}
    assert np.isfinite(fit.se).all()
    table, _ = compare_cells(data)
    row = table.set_index("cell").loc["c0"]
    assert row["n_seeds"] == 3 and row["n_baseline"] == 5
    assert row["delta"] == pytest.approx(y["c0"][:3].mean() - y["baseline"].mean())
    assert row["test"] == BLOCK and row["ci_low"] < row["estimate"] < row["ci_high"]


def test_welch_is_scipys_ttest_ind_and_the_fallback_without_seed_overlap():
    rng = np.random.default_rng(4)
    base, cell = rng.normal(10, 1, 5), rng.normal(11, 2, 3)
    ref = stats.ttest_ind(cell, base, equal_var=False)
    got = welch(cell, base)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9) and got.df == pytest.approx(ref.df, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert (got.ci_low, got.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-9)
    # no seed shared with the baseline: the block contrast is not estimable, Welch decides
    data = runs({"baseline": list(base), "c0": list(cell)}, seeds={"baseline": [1, 2, 3, 4, 5], "c0": [6, 7, 8]})
    assert np.isnan(block_model(data).se).all()
    table, family = compare_cells(data)
    assert family.test == WELCH and table.loc[0, "test"] == WELCH
    assert table.loc[0, "p_value"] == pytest.approx(ref.pvalue, rel=1e-9)


def test_welch_when_pairing_does_not_pay():
    # seeds move the cell against the baseline: blocking on seed makes the residual larger, not smaller
    data = runs({"baseline": [10.0, 12.0, 14.0, 16.0], "c0": [16.5, 14.0, 12.5, 10.0], "c1": [15.0, 13.5, 11.0, 9.5]})
    table, family = compare_cells(data)
    assert family.paired_seed_corr < 0 and family.resid_sd > family.unpaired_sd
    assert family.test == WELCH and set(table["test"]) == {WELCH}
    assert family.ci95_half_welch < family.ci95_half_paired


def test_one_run_on_a_side_is_no_test():
    table, family = compare_cells(runs({"baseline": [1.0, 2.0, 3.0], "c0": [2.0], "c1": [2.5, 3.5, 4.0]}))
    row = table.set_index("cell").loc["c0"]
    assert row["test"] == NONE and math.isnan(row["p_value"]) and math.isnan(row["ci_low"])
    assert family.n_cells == 1  # Holm counts only the tests made
    assert table.set_index("cell").loc["c1", "p_adjusted"] == table.set_index("cell").loc["c1", "p_value"]
    table, family = compare_cells(runs({"baseline": [1.0], "c0": [2.0, 3.0]}))
    assert family.test == NONE and table.loc[0, "test"] == NONE


def test_duplicate_runs_are_refused():
    with pytest.raises(MtseqError, match="two runs with seed 1"):
        compare_cells(runs({"baseline": [1.0, 2.0], "c0": [1.0, 2.0]}, seeds={"c0": [1, 1]}))


def test_holm_and_bh_on_known_examples():
    p = [0.01, 0.04, 0.03, 0.005, math.nan]
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 -> 4x, 3x, 2x, 1x, running max -> 0.02, 0.03, 0.06, 0.06
    assert holm(p)[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: 0.005*4/1, 0.01*4/2, 0.03*4/3, 0.04*4/4, running min from the top -> 0.02, 0.02, 0.04, 0.04
    assert benjamini_hochberg(p)[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert math.isnan(holm(p)[4]) and math.isnan(benjamini_hochberg(p)[4])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1


def test_mde_has_80_percent_power_at_the_bonferroni_level():
    se, df, k = 0.7, 10, 5
    effect = mde(se, df, k)
    crit = stats.t.ppf(1 - 0.05 / (2 * k), df)
    power = stats.nct.sf(crit, df, effect / se) + stats.nct.cdf(-crit, df, effect / se)
    assert power == pytest.approx(0.8, abs=1e-6)
    closed_form = (crit + stats.t.ppf(0.8, df)) * se  # falls short of 80% at few df
    assert effect > closed_form
    assert math.isnan(mde(0.0, df, k)) and math.isnan(mde(se, 0.5, k))


def test_paired_seed_correlation():
    rng = np.random.default_rng(5)
    strong = paired_grid(rng, seed_sd=3.0, resid_sd=0.1)
    none = paired_grid(rng, seed_sd=0.0, resid_sd=1.0, seeds=30)
    assert paired_seed_correlation(runs(strong)) > 0.95
    assert abs(paired_seed_correlation(runs(none))) < 0.3


def summary_frame(rng) -> pd.DataFrame:
    rows = []
    for setting, shift in (("one_to_many", 3.0), ("many_to_one", 0.0)):
        for cell, values in paired_grid(rng, cells=3, seeds=3, shift=shift).items():
            for seed, v in enumerate(values, 1):
                rows.append(
                    {
                        "setting": setting,
                        "cell": cell,
                        "reference": "translate_en_de",
                        "ratio.translate_en_de": 1.0,
                        "ratio.parse_en": 0.0 if cell == "baseline" else 0.1,
                        "seed": seed,
                        "translate_en_de.test.bleu": v,
                        "translate_en_de.test.chrf": v + 20,
                        "parse_en.test.f1": math.nan if cell == "baseline" else 50.0 + seed,
                    }
                )
    return pd.DataFrame(rows)


def test_study_inference_tests_main_metrics_and_adjusts_across_settings():
    summary = summary_frame(np.random.default_rng(6))
    cells, families = study_inference(summary)
    assert set(cells["metric"]) == {"translate_en_de.test.bleu"}  # chrF is not a main metric; the baseline has no F1
    assert list(families["setting"]) == ["one_to_many", "many_to_one"] and (families["n_cells"] == 3).all()
    assert cells["q_value"].to_numpy() == pytest.approx(benjamini_hochberg(cells["p_value"]))
    for _, g in cells.groupby("setting"):
        assert g["p_adjusted"].to_numpy() == pytest.approx(holm(g["p_value"]))
    sig = cells.set_index(["setting", "cell"])["significant"]
    assert bool(sig[("one_to_many", "c0")]) is True  # a planted shift of 3 with seed sd 2 and residual 0.5


def test_calibration_false_positives_and_power():
    """>= 1,000 simulated A/A comparisons through compare_cells; power at the design's own MDE."""
    result = calibrate(Design(cells=5, seeds=3, extra_baseline_seeds=1, seed_sd=1.0, resid_sd=1.0), grids=400)
    assert result["comparisons"] >= 1000
    assert 0.025 <= result["false_positive_rate"] <= 0.075
    assert result["familywise_rate"] <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 400)
    # every cell shifted by the MDE: Holm rejects at least what Bonferroni does, whose power is 80% by construction
    assert result["power_every_cell"] >= 0.80
    # one cell shifted: exactly 80% in expectation, so only within Monte Carlo error
    assert result["power_one_cell"] >= 0.80 - 3 * result["power_one_cell_se"]
    assert result["mde80"] == pytest.approx(design_mde(Design(cells=5, seeds=3, extra_baseline_seeds=1)))


def test_calibration_cli_is_reproducible_and_reads_a_summary(tmp_path, capsys):
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["calibration", "--grids", "250", "--cells", "4", "--json", str(out1)]) == 0
    assert main(["calibration", "--grids", "250", "--cells", "4", "--json", str(out2)]) == 0
    first = json.loads(out1.read_text())
    assert first == json.loads(out2.read_text())  # a seeded Generator: the same figures every run
    assert first["comparisons"] == 1000 and all(first["checks"].values())
    assert "raw p < 0.05 (A/A)" in capsys.readouterr().out
    summary = summary_frame(np.random.default_rng(7))
    design, setting, metric = design_from_summary(summary, "one_to_many", None)
    assert (setting, metric) == ("one_to_many", "translate_en_de.test.bleu")
    assert (design.cells, design.seeds, design.extra_baseline_seeds) == (3, 3, 0)
    assert design.resid_sd > 0 and design.seed_sd > design.resid_sd  # the frame's seeds move every cell together
    path = tmp_path / "summary.csv"
    summary.to_csv(path, index=False)
    assert main(["calibration", "--summary", str(path), "--grids", "340", "--json", str(out1)]) in (0, 1)
    assert json.loads(out1.read_text())["source"].endswith("one_to_many / translate_en_de.test.bleu")
    assert main(["calibration", "--grids", "10"]) == 2
    assert "need at least 1000" in capsys.readouterr().err


def test_real_aa_splits_pooled_baselines_into_disjoint_halves(tmp_path, capsys):
    """Two grids' baselines pooled by seed; every split of 6 seeds into 3 + 3 tested once, unpaired."""
    from mtseq.analysis.calibration import real_aa
    from mtseq.cli import main

    rng = np.random.default_rng(3)
    metric = "translate_en_de.test.bleu"

    def summary(seeds):
        return pd.DataFrame(
            {
                "setting": "one_to_many",
                "cell": "baseline",
                "reference": "translate_en_de",
                "seed": seeds,
                metric: 12 + rng.normal(0, 1, len(seeds)),
            }
        )

    a, b = summary([1, 2, 3]), summary([4, 5, 6])
    res = real_aa([a, b])
    assert res["seeds"] == [1, 2, 3, 4, 5, 6] and res["splits"] == 10  # C(6,3) / 2
    assert 0 <= res["rejected_at_0.05"] <= res["splits"] and 0 < res["median_p"] <= 1
    # the same numbers by hand for one split: Welch on seeds {1,2,3} vs {4,5,6}
    values = pd.concat([a, b]).set_index("seed")[metric]
    welch_p = stats.ttest_ind(values[[1, 2, 3]], values[[4, 5, 6]], equal_var=False).pvalue
    rows = pd.DataFrame({"cell": ["baseline"] * 3 + ["aa"] * 3, "seed": [1, 2, 3, 4, 5, 6], "value": values.values})
    table, _ = compare_cells(rows)
    assert table["p_value"].iloc[0] == pytest.approx(welch_p, rel=1e-9)
    paths = []
    for name, df in (("a.csv", a), ("b.csv", b)):
        df.to_csv(tmp_path / name, index=False)
        paths.append(str(tmp_path / name))
    assert main(["calibration", "--real-aa", *paths, "--json", str(tmp_path / "aa.json")]) == 0
    assert "10 splits into disjoint halves" in capsys.readouterr().out
    with pytest.raises(MtseqError, match="at least 4"):
        real_aa([a.iloc[:2], b.iloc[:1]])
