"""Aggregation of fixture run directories: tables, statistics, seed-level tests, bootstrap, DVC metrics."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from mtseq.analysis.aggregate import aggregate
from mtseq.analysis.inference import benjamini_hochberg, holm
from mtseq.analysis.plots import read_table
from mtseq.analysis.summary import summary_markdown
from mtseq.cli import main
from mtseq.errors import MtseqError
from mtseq.evaluate.textmetrics import text_scores
from mtseq.grid import expand_grid

SEEDS = [1, 2, 3]
WORDS = "der die das Hund Katze Haus läuft schläft ist rot groß klein alt neu und nicht".split()
GRID = {
    "seeds": SEEDS,
    "settings": {
        "one_to_many": {"reference": "translate_en_de", "auxiliary": {"parse_en": [0.01, 0.1]}},
        "many_to_many": {
            "reference": "translate_en_de",
            "combine": "product",
            "auxiliary": {"autoencode_en+autoencode_de": [0, 0.1], "skipthought_en": [0.01, 0.1]},
        },
    },
}
# How much of each hypothesis is corrupted: lower is better. parse0.1 is the baseline's twin.
QUALITY = {"baseline": 0.6, "parse0.01": 0.15, "parse0.1": None, "ae0.1+st_en0.1": 0.3}


def references(n=40):
    rng = np.random.default_rng(0)
    return [" ".join(rng.choice(WORDS, 8)) + " ." for _ in range(n)]


def corrupt(lines, share, seed):
    rng = np.random.default_rng(seed)
    out = []
    for line in lines:
        toks = line.split()
        out.append(
            " ".join(
                rng.choice(WORDS) if (i < len(toks) - 1 and rng.random() < share) else t for i, t in enumerate(toks)
            )
        )
    return out


def write_run(run_dir: Path, cell, seed: int, refs, ref_path: Path | None):
    run_dir.mkdir(parents=True)
    share = QUALITY.get(cell.cell, 0.5)
    hyps = corrupt(refs, QUALITY["baseline"] if share is None else share, seed)
    (run_dir / "hyp.translate_en_de.test").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    test = text_scores(hyps, [[r] for r in refs], "de")
    offset = {"baseline": 0.0, "parse0.01": 2.0}.get(cell.cell, 0.5)
    tasks = {
        "translate_en_de": {
            "test": {**test, "ppl": 9.0 - offset + 0.1 * seed},
            "valid": {"bleu": 20.0 + offset + 0.3 * seed, "ppl": 8.0 - offset},
        }
    }
    for task in cell.ratios:
        if task.startswith("parse"):
            tasks[task] = {"test": {"f1": 50.0 + 10 * cell.ratios[task] + seed, "ppl": 3.0}}
        elif task != "translate_en_de":
            tasks[task] = {"test": {"ppl": 30.0 - 5 * cell.ratios[task] - seed}}
    metrics = {"setting": cell.setting, "cell": cell.cell, "seed": seed, "ratios": cell.ratios, "tasks": tasks}
    if ref_path is not None:
        metrics["references"] = {"translate_en_de": {"test": str(ref_path)}}
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    train = {
        "setting": cell.setting,
        "cell": cell.cell,
        "seed": seed,
        "reference": cell.reference,
        "ratios": cell.ratios,
        "reference_updates": 100,
        "updates": {t: round(100 * a) for t, a in cell.ratios.items()},
        "wall_time_s": 10.0 + seed,
    }
    (run_dir / "train.json").write_text(json.dumps(train))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A results folder with 3 seeds per cell, and the corpus holding the references."""
    root = tmp_path_factory.mktemp("study")
    refs = references()
    data = root / "data"
    (data / "tok").mkdir(parents=True)
    ref_path = data / "tok" / "translate.test.de"
    ref_path.write_text("\n".join(refs) + "\n", encoding="utf-8")
    results = root / "results"
    cells = expand_grid(GRID)
    for cell in cells:
        if cell.shared:  # many_to_many's baseline is one_to_many's
            continue
        for seed in SEEDS:
            # one_to_many records its references; many_to_many relies on the data root
            recorded = ref_path if cell.setting == "one_to_many" else None
            write_run(Path(cell.run_dir(seed, str(results))), cell, seed, refs, recorded)
    paths = aggregate(cells, results, data_root=data, n_samples=1000)
    return {"root": root, "results": results, "data": data, "cells": cells, "paths": paths}


def test_a_shared_baseline_is_read_once_and_reported_under_each_setting(study):
    summary = pd.read_csv(study["paths"]["summary"])
    base = summary[summary["cell"] == "baseline"].set_index(["setting", "seed"])
    assert sorted(base.index.get_level_values(0).unique()) == ["many_to_many", "one_to_many"]
    for seed in SEEDS:
        mine, home = base.loc[("many_to_many", seed)], base.loc[("one_to_many", seed)]
        assert mine["run_dir"] == home["run_dir"] and "/runs/one_to_many/baseline/" in mine["run_dir"]
        assert mine["translate_en_de.test.bleu"] == home["translate_en_de.test.bleu"]
    sens = pd.read_csv(study["paths"]["sensitivity"])
    m2m = sens[(sens["setting"] == "many_to_many") & (sens["metric"] == "translate_en_de.test.bleu")]
    home_mean = base.loc["one_to_many"]["translate_en_de.test.bleu"].mean()
    assert list(m2m["baseline_mean"]) == pytest.approx([home_mean] * len(m2m), rel=1e-9)


def test_summary_has_one_row_per_run_and_the_contracted_columns(study):
    summary = pd.read_csv(study["paths"]["summary"])
    assert len(summary) == len(study["cells"]) * len(SEEDS)
    assert list(summary.columns[:5]) == ["setting", "cell", "reference", "tasks", "aux"]
    for col in [
        "ratio.translate_en_de",
        "ratio.parse_en",
        "ratio.autoencode_en",
        "seed",
        "translate_en_de.test.bleu",
        "translate_en_de.test.chrf",
        "translate_en_de.test.bleu_tok",
        "translate_en_de.test.bleu_signature",
        "parse_en.test.f1",
        "updates.translate_en_de",
        "updates.parse_en",
        "wall_time_s",
    ]:
        assert col in summary.columns, col
    row = summary[(summary["cell"] == "ae0.1+st_en0.01") & (summary["seed"] == 2)].iloc[0]
    assert row["ratio.autoencode_de"] == 0.1 and row["ratio.skipthought_en"] == 0.01 and row["ratio.parse_en"] == 0
    assert row["aux"] == "autoencode_en+autoencode_de;skipthought_en"
    assert row["updates.skipthought_en"] == 1 and row["wall_time_s"] == 12.0


def test_sensitivity_means_cis_and_deltas_match_numpy(study):
    summary = pd.read_csv(study["paths"]["summary"])
    sens = pd.read_csv(study["paths"]["sensitivity"])
    for (setting, cell), metric in [
        (("one_to_many", "parse0.01"), "translate_en_de.test.bleu"),
        (("many_to_many", "st_en0.1"), "skipthought_en.test.ppl"),
        (("one_to_many", "baseline"), "translate_en_de.valid.bleu"),
    ]:
        values = summary[(summary["setting"] == setting) & (summary["cell"] == cell)][metric].to_numpy()
        row = sens[(sens["setting"] == setting) & (sens["cell"] == cell) & (sens["metric"] == metric)].iloc[0]
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
        assert row["n_seeds"] == 3
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-5)
        assert row["std"] == pytest.approx(values.std(ddof=1), rel=1e-5)
        assert row["ci95_low"] == pytest.approx(values.mean() - half, rel=1e-5)
        assert row["ci95_high"] == pytest.approx(values.mean() + half, rel=1e-5)
        base = summary[(summary["setting"] == setting) & (summary["cell"] == "baseline")]
        if metric in base and base[metric].notna().any():
            assert row["delta_vs_baseline"] == pytest.approx(values.mean() - base[metric].mean(), rel=1e-4)
        else:
            assert math.isnan(row["delta_vs_baseline"])


def test_bootstrap_is_kept_as_test_set_uncertainty(study):
    sens = pd.read_csv(study["paths"]["sensitivity"])
    bleu = sens[sens["metric"] == "translate_en_de.test.bleu"].set_index(["setting", "cell"])
    assert bleu.loc[("one_to_many", "parse0.01"), "bootstrap_p"] < 0.05
    assert bleu.loc[("one_to_many", "parse0.1"), "bootstrap_p"] == 1.0  # identical outputs
    assert math.isnan(bleu.loc[("one_to_many", "baseline"), "bootstrap_p"])
    assert bleu.loc[("many_to_many", "ae0.1+st_en0.1"), "bootstrap_p"] < 0.05  # references from the data root
    # metrics without per-sentence outputs get no test
    assert sens[sens["metric"] == "translate_en_de.test.chrf"]["bootstrap_p"].isna().all()
    assert sens[sens["metric"] == "parse_en.test.f1"]["bootstrap_p"].isna().all()
    for col in ("bootstrap_delta_ci95_low", "bootstrap_delta_ci95_high"):
        assert col in sens.columns


def _two_way_p(values: np.ndarray, row: int) -> tuple[float, float, float]:
    """Balanced cells x seeds (row 0 the baseline): p and 95% CI of row - baseline under value ~ cell + seed."""
    resid = values - values.mean(1, keepdims=True) - values.mean(0, keepdims=True) + values.mean()
    df = (values.shape[0] - 1) * (values.shape[1] - 1)
    se = math.sqrt((resid**2).sum() / df * 2 / values.shape[1])
    delta = values[row].mean() - values[0].mean()
    half = stats.t.ppf(0.975, df) * se
    return 2 * stats.t.sf(abs(delta) / se, df), delta - half, delta + half


def test_seed_level_tests_against_the_baseline(study):
    summary = pd.read_csv(study["paths"]["summary"])
    sens = pd.read_csv(study["paths"]["sensitivity"])
    inference = pd.read_csv(study["paths"]["inference"]).set_index("setting")
    metric = "translate_en_de.test.bleu"
    bleu = sens[sens["metric"] == metric].set_index(["setting", "cell"])
    for setting in ("one_to_many", "many_to_many"):
        rows = summary[summary["setting"] == setting]
        cells = [c for c in dict.fromkeys(rows["cell"]) if c != "baseline"]
        values = np.array([rows[rows["cell"] == c].sort_values("seed")[metric] for c in ["baseline", *cells]])
        for i, cell in enumerate(cells, 1):
            got = bleu.loc[(setting, cell)]
            if got["test"] == "welch":
                ref = stats.ttest_ind(values[i], values[0], equal_var=False)
                ci = ref.confidence_interval(0.95)
                p, lo, hi = ref.pvalue, ci.low, ci.high
            else:
                assert got["test"] == "paired-block-lm"
                p, lo, hi = _two_way_p(values, i)
            assert got["p_value"] == pytest.approx(p, rel=1e-6, abs=1e-12)
            assert (got["delta_ci95_low"], got["delta_ci95_high"]) == pytest.approx((lo, hi), rel=1e-6)
            assert got["delta_estimate"] == pytest.approx(got["delta_vs_baseline"], abs=1e-9)  # balanced
        family = bleu.loc[setting].drop(index="baseline")
        assert family["p_adjusted"].to_numpy() == pytest.approx(holm(family["p_value"]))
        assert (family["test"] == inference.loc[setting, "test"]).all()
        assert inference.loc[setting, "n_cells"] == len(cells)
    tested = sens[sens["p_value"].notna()]
    assert tested["q_value"].to_numpy() == pytest.approx(benjamini_hochberg(tested["p_value"]))
    assert bleu.loc[("one_to_many", "parse0.01"), "p_value"] < 0.05
    assert bool(bleu.loc[("one_to_many", "parse0.01"), "significant"]) is True
    assert bleu.loc[("one_to_many", "parse0.1"), "p_value"] == pytest.approx(1.0)  # the baseline's twin
    assert bool(bleu.loc[("one_to_many", "parse0.1"), "significant"]) is False
    base = bleu.loc[("one_to_many", "baseline")]
    assert math.isnan(base["p_value"]) and pd.isna(base["significant"]) and pd.isna(base["test"])
    # only test-split main metrics that the baseline also has are tested
    for untested in ("translate_en_de.test.chrf", "parse_en.test.f1", "translate_en_de.valid.bleu"):
        rows = sens[sens["metric"] == untested]
        assert rows[["p_value", "p_adjusted", "q_value", "delta_ci95_low", "mde80"]].isna().all().all()
    assert set(inference["metric"]) == {metric}
    assert (inference["mde80"] > 0).all() and (inference["df_resid"] > 0).all()
    assert list(sens.columns[sens.columns.get_loc("delta_vs_baseline") :]) == [
        "delta_vs_baseline",
        "delta_estimate",
        "delta_ci95_low",
        "delta_ci95_high",
        "p_value",
        "p_adjusted",
        "q_value",
        "test",
        "significant",
        "mde80",
        "bootstrap_p",
        "bootstrap_delta_ci95_low",
        "bootstrap_delta_ci95_high",
    ]


def test_dvc_metrics_and_best_cell(study):
    metrics = json.loads(study["paths"]["metrics"].read_text())
    assert set(metrics) == {"one_to_many", "many_to_many"}
    assert (
        metrics["one_to_many"]["parse0.01"]["translate_en_de.test.bleu"]
        > metrics["one_to_many"]["baseline"]["translate_en_de.test.bleu"]
    )
    best = metrics["one_to_many"]["best"]
    assert best["cell"] == "parse0.01" and best["selected_on"] == "translate_en_de.valid.bleu"
    assert best["significant"] is True and best["p_adjusted"] < 0.05 and best["q_value"] < 0.05
    assert 0 < best["delta_ci95_low"] < best["delta_vs_baseline"] < best["delta_ci95_high"]
    assert best["test"] in ("paired-block-lm", "welch") and best["bootstrap_p"] < 0.05
    assert all(".valid." not in k for k in metrics["one_to_many"]["baseline"])


def test_summary_markdown_sentences(study):
    text = study["paths"]["markdown"].read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("**one_to_many**"))
    assert "parse_en at 0.01" in line and "cell `parse0.01`" in line
    assert "95% CI of the difference [" in line and "is significant after correction for 2 cells (seed-level" in line
    assert "Holm-adjusted p" in line and "BH q" in line and "with 80% power" in line
    assert "## many_to_many: translate_en_de.test.bleu" in text
    assert (
        "| cell | auxiliary | seeds | mean | std | Δ vs baseline | 95% CI of Δ | p (seed-level) | p adj. (Holm) "
        "| q (BH) | significant | bootstrap p (test set) |"
    ) in text
    assert "training run is the unit of inference" in text
    assert "parse_en.test.f1" in text  # auxiliary table


def test_missing_or_corrupt_metrics_file_is_named(study, tmp_path):
    cells = expand_grid({"seeds": [1], "settings": {"one_to_many": GRID["settings"]["one_to_many"]}})
    results = tmp_path / "results"
    run = Path(cells[0].run_dir(1, str(results)))
    with pytest.raises(MtseqError) as err:
        aggregate(cells, results)
    assert str(run / "train.json") in str(err.value)
    write_run(run, cells[0], 1, references(), None)
    (run / "metrics.json").write_text("{not json")
    with pytest.raises(MtseqError) as err:
        aggregate(cells, results, run_dirs=[run])
    assert str(run / "metrics.json") in str(err.value) and "corrupt JSON" in str(err.value)
    (run / "metrics.json").write_text(
        json.dumps({"setting": "one_to_many", "cell": "parse0.1", "seed": 1, "tasks": {}})
    )
    with pytest.raises(MtseqError, match="inconsistent"):
        aggregate(cells, results, run_dirs=[run])


def test_cli_aggregate_then_plot(study, tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump({"grid": {"seeds": SEEDS, "settings": {"one_to_many": GRID["settings"]["one_to_many"]}}})
    )
    out = tmp_path / "results"
    runs = [str(p) for p in sorted((study["results"] / "runs" / "one_to_many").glob("*/seed*"))]
    rc = main(
        [
            "aggregate",
            "--config",
            str(config),
            "--results",
            str(out),
            "--runs",
            *runs,
            "--data",
            str(study["data"]),
            "--samples",
            "200",
        ]
    )
    assert rc == 0
    assert {p.name for p in out.iterdir()} >= {
        "summary.csv",
        "sensitivity.csv",
        "inference.csv",
        "metrics.json",
        "summary.md",
    }
    assert len(pd.read_csv(out / "summary.csv")) == 9
    rc = main(
        [
            "plot",
            "--sensitivity",
            str(out / "sensitivity.csv"),
            "--summary",
            str(out / "summary.csv"),
            "--out",
            str(out / "plots"),
            "--paper-builtin",
        ]
    )
    assert rc == 0
    assert (out / "plots" / "one_to_many.png").stat().st_size > 1000
    assert (out / "plots" / "overview.png").stat().st_size > 1000
    capsys.readouterr()
    assert main(["plot", "--sensitivity", str(tmp_path / "nope.csv"), "--out", str(out)]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_ratios_that_contradict_the_cell_id_are_refused(tmp_path):
    cells = expand_grid({"seeds": [1], "settings": {"one_to_many": GRID["settings"]["one_to_many"]}})
    run = Path(cells[1].run_dir(1, str(tmp_path)))
    write_run(run, cells[1], 1, references(), None)
    train = json.loads((run / "train.json").read_text())
    train["ratios"]["parse_en"] = 0.5
    (run / "train.json").write_text(json.dumps(train))
    with pytest.raises(MtseqError, match="do not match grid cell parse0.01") as err:
        aggregate(cells, tmp_path, run_dirs=[run])
    assert str(run / "train.json") in str(err.value)


def test_summary_sentence_when_not_significant_or_without_baseline(study):
    sens = read_table(study["paths"]["sensitivity"])
    hit = (sens["cell"] == "parse0.01") & (sens["metric"] == "translate_en_de.test.bleu")
    sens.loc[hit, ["p_value", "p_adjusted", "q_value"]] = [0.3, 0.6, 0.45]
    sens.loc[hit, "significant"] = False
    text = summary_markdown(sens)
    assert "the difference is not significant after correction for 2 cells" in text
    assert "p = 0.300, Holm-adjusted p = 0.600, BH q = 0.450)" in text
    no_base = sens[(sens["setting"] == "one_to_many") & (sens["cell"] != "baseline")].assign(baseline_mean=math.nan)
    assert "no baseline runs to compare it with" in summary_markdown(no_base)
