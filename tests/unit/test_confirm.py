"""Confirmation of the fitted optimum on fresh seeds: observed test gain vs the predicted interval."""

from __future__ import annotations

import pandas as pd
import pytest

from mtseq.analysis.confirm import confirm
from mtseq.cli import main
from mtseq.errors import MtseqError


def fit_row(low=1.0, high=3.0, alpha=0.1):
    return pd.DataFrame(
        [
            {
                "setting": "one_to_many",
                "key": "parse_en",
                "alpha_star": alpha,
                "report_metric": "translate_en_de.test.bleu",
                "gain_test": (low + high) / 2,
                "gain_test_low": low,
                "gain_test_high": high,
            }
        ]
    )


def runs(seeds, gain, noise=(0.1, -0.1, 0.05, -0.05)):
    rows = []
    for cell, ratio, shift in (("baseline", 0.0, 0.0), ("parse0.1", 0.1, gain), ("parse1", 1.0, 9.0)):
        for i, seed in enumerate(seeds):
            rows.append(
                {
                    "setting": "one_to_many",
                    "cell": cell,
                    "reference": "translate_en_de",
                    "aux": "" if cell == "baseline" else "parse_en",
                    "ratio.parse_en": ratio,
                    "seed": seed,
                    "translate_en_de.test.bleu": 12 + seed * 0.2 + shift + (noise[i] if cell != "baseline" else 0),
                }
            )
    return pd.DataFrame(rows)


def test_a_gain_inside_the_predicted_interval_is_confirmed_at_the_cell_of_alpha_star():
    (row,) = confirm(fit_row(), runs([5, 6, 7, 8], 2.0), runs([1, 2, 3, 4], 2.0)).to_dict(orient="records")
    assert row["cell"] == "parse0.1" and row["seeds"] == "5 6 7 8"
    assert row["observed"] == pytest.approx(2.0, abs=1e-9)  # paired by seed: the seed shift cancels
    assert row["inside"] and row["confirmed_gain"] and row["consistency_p"] > 0.5


def test_a_miss_is_outside_with_a_small_consistency_p():
    (row,) = confirm(fit_row(), runs([5, 6, 7, 8], -2.0), runs([1, 2, 3, 4], 2.0)).to_dict(orient="records")
    assert row["inside"] is False and row["confirmed_gain"] is False and row["consistency_p"] < 0.01


def test_seeds_the_fit_used_are_refused_and_a_missing_alpha_star_is_noted():
    with pytest.raises(MtseqError, match="seed 4 was used by the fit"):
        confirm(fit_row(), runs([4, 5, 6], 2.0), runs([1, 2, 3, 4], 2.0))
    (row,) = confirm(fit_row(alpha=0.3), runs([5, 6, 7], 2.0), runs([1, 2, 3], 2.0)).to_dict(orient="records")
    assert row["note"] == "no runs at alpha* = 0.3" and row["inside"] is None
    # alpha* as the workflow trains it: two significant digits (0.1004 -> the cell parse0.1)
    (row,) = confirm(fit_row(alpha=0.1004), runs([5, 6, 7], 2.0), runs([1, 2, 3], 2.0)).to_dict(orient="records")
    assert row["cell"] == "parse0.1"


def test_command_writes_the_table_and_names_a_bad_file(tmp_path, capsys):
    fit_row().to_csv(tmp_path / "optimum.csv", index=False)
    runs([1, 2, 3], 2.0).to_csv(tmp_path / "fit.csv", index=False)
    runs([5, 6, 7], 2.0).to_csv(tmp_path / "fresh.csv", index=False)
    args = ["confirm", "--optimum", str(tmp_path / "optimum.csv"), "--fit-summary", str(tmp_path / "fit.csv")]
    assert main([*args, "--summary", str(tmp_path / "fresh.csv"), "--out", str(tmp_path / "out")]) == 0
    table = pd.read_csv(tmp_path / "out" / "confirm.csv")
    assert bool(table["inside"].iloc[0]) and (tmp_path / "out" / "confirm" / "one_to_many.json").is_file()
    (tmp_path / "bad.csv").write_text("setting,key\none_to_many,parse_en\n")
    bad = ["confirm", "--optimum", str(tmp_path / "bad.csv"), "--fit-summary", str(tmp_path / "fit.csv")]
    assert main([*bad, "--summary", str(tmp_path / "fresh.csv"), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.csv" in err and "missing column(s) alpha_star" in err and len(err.splitlines()) == 1


def test_confirmation_run_dirs_follow_alpha_star_and_cells_outside_the_grid_resolve(tmp_path):
    from mtseq.analysis.optimum_files import confirm_cell, confirm_ratio, confirm_run_dirs

    grid = {
        "seeds": [1, 2],
        "settings": {
            "one_to_many": {"reference": "translate_en_de", "auxiliary": {"parse_en": [0.01, 1]}},
            "many_to_many": {"reference": "translate_en_de", "auxiliary": {"autoencode_en+autoencode_de": [0.1, 1]}},
        },
    }
    config = {"results": "R", "grid": grid, "optimum": {"confirm": {"seeds": [9, 10]}}}
    table = tmp_path / "optimum.csv"
    table.write_text(
        "setting,key,alpha_star\none_to_many,parse_en,0.2951209227\nmany_to_many,autoencode_en+autoencode_de,1\n"
    )
    assert confirm_ratio(0.2951209227) == 0.3
    assert confirm_run_dirs(config, table) == [
        "R/runs/one_to_many/baseline/seed9",
        "R/runs/one_to_many/baseline/seed10",
        "R/runs/one_to_many/parse0.3/seed9",
        "R/runs/one_to_many/parse0.3/seed10",
        "R/runs/many_to_many/baseline/seed9",  # its own baseline runs: no sharing across settings
        "R/runs/many_to_many/baseline/seed10",
        "R/runs/many_to_many/ae1/seed9",
        "R/runs/many_to_many/ae1/seed10",
    ]
    cell = confirm_cell(config, "one_to_many", "parse0.3")
    assert cell.ratios == {"translate_en_de": 1.0, "parse_en": 0.3} and cell.seeds == (9, 10)
    assert confirm_cell({**config, "optimum": {}}, "one_to_many", "parse0.3") is None  # off: unknown cells stay errors
    assert confirm_cell(config, "one_to_many", "caption0.3") is None
