"""The spread comparison behind the choice of the default's mixing strategy."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mtseq.analysis.variance import compare_variance, pooled_sd, sd_interval
from mtseq.cli import main
from mtseq.errors import MtseqError


def _summary(rng, sd: float, seeds: int = 6, cells=("aux0.1", "aux1"), setting="one_to_many") -> pd.DataFrame:
    """A summary.csv-shaped table: one reference metric, a baseline and auxiliary cells."""
    rows = []
    for cell in ("baseline", *cells):
        for seed in range(1, seeds + 1):
            ratio = 0.0 if cell == "baseline" else float(cell[3:])
            rows.append(
                {
                    "setting": setting,
                    "cell": cell,
                    "seed": seed,
                    "ratio.translate_en_de": 1.0,
                    "ratio.parse_en": ratio,
                    "translate_en_de.test.bleu": 12.0 + rng.normal(0.0, sd),
                }
            )
    return pd.DataFrame(rows)


def test_pooled_sd_pools_within_rows_and_skips_missing_runs():
    values = np.array([[1.0, 3.0, math.nan], [2.0, 4.0, 6.0]])
    sd, df = pooled_sd(values)
    # row 0: ss 2 on 1 df; row 1: ss 8 on 2 df
    assert df == 3
    assert sd == pytest.approx(math.sqrt(10 / 3))
    assert pooled_sd(np.array([[1.0], [math.nan]])) == (pytest.approx(math.nan, nan_ok=True), 0)


def test_sd_interval_brackets_the_estimate_and_narrows_with_df():
    low, high = sd_interval(1.0, 9)
    assert low < 1.0 < high
    low2, high2 = sd_interval(1.0, 90)
    assert high2 - low2 < high - low


def test_a_grid_with_twice_the_spread_is_told_apart():
    rng = np.random.default_rng(0)
    wide, narrow = _summary(rng, 2.0, seeds=30), _summary(rng, 1.0, seeds=30)
    table = compare_variance(wide, narrow, ("wide", "narrow"))
    by = table.set_index("grid")
    assert by.loc["wide", "within_sd"] == pytest.approx(2.0, rel=0.25)
    assert by.loc["narrow", "within_sd"] == pytest.approx(1.0, rel=0.25)
    assert by.loc["wide", "variance_ratio"] == pytest.approx(4.0, rel=0.5)
    assert by.loc["wide", "p_value"] < 0.001
    assert by.loc["wide", "mde80"] > by.loc["narrow", "mde80"]
    assert by.loc["wide", "df"] == 2 * 29


def test_equal_spread_is_not_flagged_more_often_than_alpha():
    rng = np.random.default_rng(1)
    p = [compare_variance(_summary(rng, 1.0), _summary(rng, 1.0))["p_value"].iloc[0] for _ in range(300)]
    assert 0.02 <= np.mean(np.array(p) < 0.05) <= 0.09


def test_disjoint_settings_are_refused(tmp_path):
    rng = np.random.default_rng(2)
    with pytest.raises(MtseqError, match="share no setting"):
        compare_variance(_summary(rng, 1.0), _summary(rng, 1.0, setting="many_to_one"))


def test_cli_prints_and_writes_the_table(tmp_path, capsys):
    rng = np.random.default_rng(3)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    _summary(rng, 1.0).to_csv(a, index=False)
    _summary(rng, 1.5).to_csv(b, index=False)
    out = tmp_path / "variance.csv"
    assert main(["variance", str(a), str(b), "--names", "stratified", "constant", "--out", str(out)]) == 0
    assert "| one_to_many | constant |" in capsys.readouterr().out
    assert list(pd.read_csv(out)["grid"]) == ["stratified", "constant"]
