"""``mtseq runs``: the table a benchmark run is reported by, read from real run directories."""

from __future__ import annotations

import json

import pytest

from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.cli import main
from mtseq.config import fill_section
from mtseq.evaluate.attention import KEYS
from mtseq.evaluate.run import evaluate_run
from mtseq.io import read_csv
from mtseq.train.run import train_run


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    corpus = build_corpus(root / "corpus")
    cfg = tiny_config(model={"attention": True}, train={"updates": 8, "validate_every": 4})
    cfg["train"]["select"] = {"model": "best", "patience": None}
    run = root / "run"
    train_run(cfg, "one_to_many", "translate_en_de", {}, 1, corpus, run)
    evaluate_run(run, corpus, fill_section("decode", {"beam": 2, "also_greedy": True}))
    return run


def test_the_table_holds_the_run_s_own_numbers(evaluated, tmp_path, capsys):
    assert main(["runs", str(evaluated), "--out", str(tmp_path / "t.csv")]) == 0
    printed = capsys.readouterr().out
    metrics = json.loads((evaluated / "metrics.json").read_text())["tasks"]["translate_en_de"]
    train = json.loads((evaluated / "train.json").read_text())
    (row,) = read_csv(tmp_path / "t.csv").to_dict("records")
    assert row["attention"] and row["beam"] == 2 and row["selected"] == "best"
    assert row["bleu"] == pytest.approx(metrics["test"]["bleu"], rel=1e-5)
    assert row["bleu_greedy"] == pytest.approx(metrics["test"]["bleu_greedy"], rel=1e-5)
    assert row["best_valid_ppl"] == pytest.approx(train["best_valid"]["ppl"], rel=1e-5)
    assert row["epochs"] == pytest.approx(8 / train["batches_per_reference_epoch"], rel=1e-5)
    assert f"| {evaluated} | yes | {metrics['test']['bleu']:.2f} |" in printed
    # evaluation records whether the attention aligns (evaluate.attention), on validation only
    assert set(KEYS) <= set(metrics["valid"]) and not set(KEYS) & set(metrics["test"])
    assert row["attn_edge_share"] == pytest.approx(metrics["valid"]["attn_edge_share"], rel=1e-5)
    assert f"| {100 * row['attn_edge_share']:.0f}% |" in printed
    assert f"sacreBLEU signature: `{metrics['test']['bleu_signature']}`" in printed


def test_a_run_not_yet_evaluated_is_named(evaluated, tmp_path, capsys):
    (tmp_path / "train.json").write_text((evaluated / "train.json").read_text())
    assert main(["runs", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"mtseq: error: {tmp_path / 'metrics.json'}: file not found (train and evaluate this run first)"
    )
