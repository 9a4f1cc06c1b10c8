"""The silver-corpus rules through the real Snakefile, offline: two tiny benepar models stand in for the parsers.

pool -> parse (per parser, per shard) -> agree (per shard) -> resample to the gold trees' lengths ->
linearise, then one grid cell that trains and evaluates parse_silver_en on the result.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import benepar_tiny
from helpers.workflow_runner import snakemake

from mtseq.io import read_lines

pytestmark = pytest.mark.slow


def _config(repo_root: Path, tmp_path: Path) -> Path:
    config = yaml.safe_load((repo_root / "tests" / "configs" / "tiny.yaml").read_text(encoding="utf-8"))
    models = tmp_path / "models"
    models.mkdir()
    config["data"]["parts"] = ["translate", "trees", "mono", "silver"]
    config["data"]["silver"] = {
        "pool": {"sources": ["mono", "translate"], "max_words": 40, "size": 150, "seed": 2, "shards": 2},
        "parse": {
            "parsers": {
                "a": str(benepar_tiny.tiny_model(models, "a.pt", steps=40, seed=0)),
                "b": str(benepar_tiny.tiny_model(models, "b.pt", steps=15, seed=1)),
            },
            "batch_size": 16,
        },
        # two barely trained parsers rarely agree on every bracket; keep the pairs that mostly do
        "agree": {"min_f1": 50},
        "resample": {"size": 120, "seed": 3},
    }
    setting = {"reference": "translate_en_de", "auxiliary": {"parse_silver_en": [0.5]}}
    config["grid"] = {"seeds": [1], "settings": {"one_to_many": setting}}
    path = tmp_path / "silver.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_silver_rules_build_a_corpus_the_parse_task_trains_on(repo_root: Path, tmp_path: Path):
    config = _config(repo_root, tmp_path)
    work = tmp_path / "work"
    plan = snakemake(work, "-n", "--cores", "2", f"--configfile={config}")
    for rule, n in (("silver_pool", 1), ("silver_parse", 4), ("silver_agree", 2), ("silver_resample", 1)):
        assert any(line.split() == [rule, str(n)] for line in plan.stdout.splitlines()), rule
    run = "results/runs/one_to_many/hcparse0.5/seed1/metrics.json"
    snakemake(work, "--cores", "2", "data", run, f"--configfile={config}")

    root = work / "data" / "tiny"
    pool = json.loads((root / "silver" / "pool.json").read_text())
    assert pool["n_pool"] == 150 and pool["shards"] == [75, 75]
    for shard in (0, 1):
        agreed = json.loads((root / "silver" / f"agreed.{shard}.json").read_text())
        assert agreed["n_in"] == 75 and 0 < agreed["n_kept"] <= 75
        parsed = json.loads((root / "silver" / f"parse.b.{shard}.json").read_text())
        assert parsed["n_sentences"] == 75
    resample = json.loads((root / "silver" / "resample.json").read_text())
    assert resample["size_achieved"] == 120 and resample["reference"] == [str(Path("data/tiny/raw/trees.train.mrg"))]
    lin = read_lines(root / "trees" / "silver.train.lin")
    words = read_lines(root / "trees" / "silver.train.en")
    assert len(lin) == len(words) == 120
    assert all(line.startswith("(") and " XX " in f" {line} " for line in lin)
    silver_symbols = {tok for line in lin for tok in line.split()}
    vocab = {line.split("\t")[0] for line in read_lines(root / "vocab" / "lin.txt")}
    assert silver_symbols <= vocab  # the lin vocabulary covers the silver trees too
    metrics = json.loads((work / run).read_text())
    assert "parse_silver_en" in json.dumps(metrics)
