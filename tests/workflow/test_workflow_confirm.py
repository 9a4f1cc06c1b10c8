"""The confirmation stage end to end: checkpoint `optimum`, fresh seeds at the fitted alpha*, `confirm.csv`."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers.workflow_runner import REPO, snakemake

pytestmark = pytest.mark.slow


def test_confirmation_trains_fresh_seeds_at_alpha_star_and_scores_them(tmp_path):
    config = tmp_path / "tiny_confirm.yaml"
    text = (REPO / "tests" / "configs" / "tiny.yaml").read_text(encoding="utf-8")
    config.write_text(text + "\noptimum:\n  confirm:\n    seeds: [3, 4]\n", encoding="utf-8")
    work = tmp_path / "work"
    snakemake(work, "--cores", "2", f"--configfile={config}")
    fit = pd.read_csv(work / "results" / "optimum.csv")
    table = pd.read_csv(work / "results" / "confirm.csv")
    assert list(table["setting"]) == ["one_to_many"] and table["seeds"].tolist() == ["3 4"]
    assert table["observed"].notna().all()  # two fresh seeds, paired: one residual df
    cell = table["cell"].iloc[0]
    assert cell in ("parse0.1", "parse1") and table["alpha_star"].iloc[0] == fit["alpha_star"].iloc[0]
    for c in ("baseline", cell):  # the fresh runs exist beside the grid's, and the grid's seeds were not reused
        for seed in (3, 4):
            assert (work / "results" / "runs" / "one_to_many" / c / f"seed{seed}" / "metrics.json").is_file()
    again = snakemake(work, "--cores", "2", f"--configfile={config}", "-n")
    assert "Nothing to be done" in again.stdout + again.stderr
