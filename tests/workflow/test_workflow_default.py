"""The real Snakefile end to end on a tiny config: data, grid training, evaluation, tables, plots, report."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers.workflow_runner import REPO, snakemake

from mtseq.io import read_lines

pytestmark = pytest.mark.slow

CONFIG = REPO / "tests" / "configs" / "tiny.yaml"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("tiny")
    snakemake(work, "--cores", "2", f"--configfile={CONFIG}")
    return work


def test_data_stages_write_tokenised_linearised_and_vocab(workdir):
    root = workdir / "data" / "tiny"
    stats = json.loads((root / "STATS.json").read_text())
    assert stats["counts"]["translate"]["train"]["pairs"] == 200
    assert len(read_lines(root / "tok" / "translate.test.de")) == 30
    lin = read_lines(root / "trees" / "parse.train.lin")
    assert len(lin) == 300 and all(line.startswith("(") for line in lin)
    for name in ("en", "de", "lin"):
        assert read_lines(root / "vocab" / f"{name}.txt")[:4] == ["<pad>\t0", "<unk>\t0", "<s>\t0", "</s>\t0"]


def test_every_grid_cell_trained_and_evaluated(workdir):
    summary = pd.read_csv(workdir / "results" / "summary.csv")
    # one_to_many: baseline + parse x2 + ae x1; many_to_one: baseline + caption; many_to_many: baseline + 2x1 product
    # (plus each single-key cell of the product grid) -- all with two seeds
    cells = summary.groupby("setting")["cell"].nunique().to_dict()
    assert cells["one_to_many"] == 4
    assert cells["many_to_one"] == 2
    assert set(summary["seed"]) == {1, 2}
    assert summary["translate_en_de.test.bleu"].notna().any()
    parse_rows = summary[summary["cell"].str.startswith("parse")]
    assert parse_rows["parse_en.test.f1"].notna().all()
    for _, row in summary.iterrows():
        assert row[f"updates.{row['reference']}"] == 30  # the reference task makes exactly N updates
    sens = pd.read_csv(workdir / "results" / "sensitivity.csv")
    assert {"mean", "std", "ci95_low", "ci95_high", "delta_vs_baseline", "p_value"} <= set(sens.columns)


def test_plots_and_dvc_metrics_exist(workdir):
    plots = workdir / "results" / "plots"
    for setting in ("one_to_many", "many_to_one", "many_to_many"):
        assert (plots / f"{setting}.png").stat().st_size > 1000
        assert (plots / f"{setting}.svg").stat().st_size > 1000
    assert (plots / "many_to_many_heatmap.png").exists()
    metrics = json.loads((workdir / "results" / "metrics.json").read_text())
    assert set(metrics) >= {"one_to_many", "many_to_one", "many_to_many"}
    # the fitted ratio curve: only one_to_many varies one task over two ratios (parse_en: 0.1, 1)
    optimum = pd.read_csv(workdir / "results" / "optimum.csv")
    assert list(optimum["setting"]) == ["one_to_many"] and list(optimum["key"]) == ["parse_en"]
    assert (plots / "optimum_one_to_many.png").stat().st_size > 1000
    assert set(json.loads((workdir / "results" / "optimum_metrics.json").read_text())) == {"one_to_many"}


def test_second_run_has_nothing_to_do_and_report_builds(workdir):
    again = snakemake(workdir, "--cores", "2", f"--configfile={CONFIG}", "-n")
    assert "Nothing to be done" in again.stdout + again.stderr
    snakemake(workdir, "--cores", "1", f"--configfile={CONFIG}", "--report", "results/report.html")
    html = (workdir / "results" / "report.html").read_text(errors="replace")
    assert "one_to_many" in html and "Sensitivity" in html


def test_metrics_bleu_equals_the_sacrebleu_command_line(workdir):
    """metrics.json's BLEU is what `sacrebleu RAW_REF -i HYP` prints for the run's hypothesis file."""
    import subprocess
    import sys
    from pathlib import Path

    run = workdir / "results" / "runs" / "one_to_many" / "baseline" / "seed1"
    expected = json.loads((run / "metrics.json").read_text())["tasks"]["translate_en_de"]["test"]["bleu"]
    raw_ref = workdir / "data" / "tiny" / "raw" / "translate.test.de"
    cli = Path(sys.executable).parent / "sacrebleu"
    out = subprocess.run(
        [str(cli), str(raw_ref), "-i", str(run / "hyp.translate_en_de.test"), "-b", "-w", "10"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(out.stdout.strip()) == pytest.approx(expected, abs=1e-8)
    sens = pd.read_csv(workdir / "results" / "sensitivity.csv")
    tested = sens[sens["p_value"].notna()]
    assert not tested.empty and set(tested["test"]) <= {"paired-block-lm", "welch"}
    assert {"delta_ci95_low", "delta_ci95_high", "p_adjusted", "q_value", "mde80", "bootstrap_p"} <= set(sens.columns)
    assert (workdir / "results" / "inference.csv").stat().st_size > 0
