"""The benchmarks: structure and sanity of their figures at tiny sizes (no timing assertions)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from mtseq.bench.decode import bench_decode
from mtseq.bench.decode import to_markdown as decode_table
from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.bench.padding import bucketed_batches, padding_counts, padding_report, random_batches
from mtseq.bench.pipeline import big_grid_config, grid_ratios, parse_job_stats
from mtseq.bench.results import append_results, command_line
from mtseq.bench.train import bench_train, synthetic_data, to_markdown
from mtseq.cli import build_parser, main
from mtseq.config import load_config
from mtseq.errors import MtseqError
from mtseq.grid import expand_grid
from mtseq.tasks import get_task
from mtseq.train.batches import BatchIterator
from mtseq.train.examples import Ragged, TaskData

JOB_STATS = """\
Job stats:
job          count
---------  -------
train            4
evaluate         4
all              1
total            9

Reasons:
"""


def test_padding_counts_by_hand():
    data = TaskData(
        get_task("translate_en_de"),
        Ragged.from_lists([[7, 8, 9], [5]]),  # targets: 4 and 2 positions with <s> / </s>
        source=Ragged.from_lists([[4, 5], [6, 7, 8, 9]]),
    )
    c = padding_counts(data, [np.array([0, 1])])
    assert c == {"src_pad": 2, "src_total": 8, "tgt_pad": 2, "tgt_total": 8, "batches": 1}


def test_bucketed_batches_are_the_trainers_and_pad_less_than_random():
    data = synthetic_data("translate_en_de", 500, 50, seed=0)
    it = BatchIterator(data, 16, seed=3)
    assert all(np.array_equal(a, it.next_indices()) for a in bucketed_batches(data, 16, 3, 40))  # two epochs
    rand = random_batches(data, 16, 3, 40)
    assert len(rand) == 40 and sorted(np.concatenate(rand[:32]).tolist()) == list(range(500))
    report = padding_report({"translate_en_de": data}, {"translate_en_de": 40}, 16, 3)
    for name in ("bucketed", "random"):
        assert report[name]["batches"] == 40
        assert all(0 <= report[name][k] <= 1 for k in ("source", "target", "all"))
    assert report["bucketed"]["all"] <= report["random"]["all"]
    assert report["bucketed"]["source"] < 0.1


def test_padding_of_an_image_task_has_no_source_share():
    data = synthetic_data("caption_en", 100, 30, seed=0)
    report = padding_report({"caption_en": data}, {"caption_en": 5}, 8, 1)
    assert report["bucketed"]["source"] is None and 0 <= report["bucketed"]["target"] <= 1


def test_bench_train_reports_padding_and_memory():
    result = bench_train(tiny_config(train={"checkpoint_every": 3}), updates=6, vocab=50, examples=200, progress=False)
    pad = result["padding"]
    assert pad["bucketed"]["batches"] == pad["random"]["batches"] == result["ours"]["updates"] == 6
    assert 0 <= pad["bucketed"]["all"] <= pad["random"]["all"] <= 1
    assert result["peak_rss_mb"] > 0 and result["train_run"] is None
    assert result["optimizer"] == "sgd" and result["ratio_cpu"] > 0 and result["ours"]["cpu_s"] > 0
    table = to_markdown(result)
    assert table.count("\n") == 2 and "| in-memory | 1 | translate_en_de | 6 |" in table
    with pytest.raises(MtseqError, match="--data"):
        bench_train(tiny_config(), updates=2, vocab=50, examples=50, progress=False, rss_updates=2)


def test_bench_train_measures_a_child_training_run(tmp_path):
    corpus = build_corpus(tmp_path / "corpus", n_train=60, n_valid=10)
    cfg = load_config_dict(tmp_path, tiny_config(train={"optimizer": "adam", "lr": 0.01}))
    result = bench_train(cfg, corpus, updates=3, progress=False, rss_updates=2)
    child = result["train_run"]
    assert child["updates"] == 2 and child["wall_s"] > 0 and child["peak_rss_mb"] > 0
    assert result["optimizer"] == "adam" and result["bare"]["updates"] == 3


def load_config_dict(tmp_path, cfg: dict) -> dict:
    """``cfg`` as the CLI sees it: written, then loaded and validated (defaults filled)."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return load_config(path)


def test_bench_decode_agrees_with_greedy_where_it_must():
    cfg = tiny_config(decode={"batch_size": 8, "max_len": 12})  # <= 8 lengths a batch: mtseq's encoder runs groups
    result = bench_decode(cfg, sentences=24, beams=(3, 1), train_updates=10, repeat=1, vocab=40, examples=100)
    rows = {r["method"]: r for r in result["rows"]}
    assert list(rows) == ["mtseq beam 3", "mtseq beam 1", "mtseq beam search, k=1", "bare nn.LSTM greedy"]
    assert rows["mtseq beam 1"]["same_as_greedy"] == 1.0
    assert rows["mtseq beam search, k=1"]["same_as_greedy"] == 1.0  # beam 1 is greedy
    assert rows["bare nn.LSTM greedy"]["same_as_greedy"] == 1.0  # same weights, same batches
    assert rows["bare nn.LSTM greedy"]["vs_bare_greedy"] == rows["bare nn.LSTM greedy"]["vs_bare_greedy_cpu"] == 1.0
    for r in rows.values():
        assert r["sentences_per_s"] > 0 and 0 <= r["mean_output_len"] <= 12 and 0 <= r["at_max_len"] <= 1
    assert result["sentences"] == 24 and "| mtseq beam 3 |" in decode_table(result)


def test_bench_decode_refuses_what_the_bare_loop_cannot_decode():
    with pytest.raises(MtseqError, match="attention"):
        bench_decode(tiny_config(model={"attention": True}), sentences=2, train_updates=0, vocab=20)
    with pytest.raises(MtseqError, match="text-to-text"):
        bench_decode(tiny_config(), task="caption_en", sentences=2, train_updates=0, vocab=20)


def test_big_grid_has_the_requested_cells(repo_root):
    config = load_config(repo_root / "config" / "config.yaml")
    ratios = grid_ratios(170)
    assert len(set(ratios)) == 170 and ratios[0] == 0.001
    grid = big_grid_config(config, 170)["grid"]
    assert grid["seeds"] == [1]
    assert len(expand_grid(grid)) == len(grid["settings"]) * 171  # each setting: 170 ratios + its baseline


def test_job_stats_are_parsed():
    assert parse_job_stats("Building DAG\n" + JOB_STATS) == {"train": 4, "evaluate": 4, "all": 1, "total": 9}
    assert parse_job_stats("Nothing to be done (all requested files are present and up to date).") == {"total": 0}
    with pytest.raises(MtseqError, match="job statistics"):
        parse_job_stats("Error in rule x")


def test_command_line_reproduces_the_arguments():
    args = build_parser().parse_args(["bench", "decode", "--beams", "3,1", "--sentences", "10", "--json", "x.json"])
    assert command_line(args.parser, args) == "mtseq bench decode --sentences 10 --beams 3,1"  # not where it went
    assert command_line(args.parser, args, skip=()) == "mtseq bench decode --sentences 10 --beams 3,1 --json x.json"
    args = build_parser().parse_args(["bench", "train", "--ratios", "parse_en=0.1", "--ratios", "caption_en=0.2"])
    assert command_line(args.parser, args) == "mtseq bench train --ratios parse_en=0.1 --ratios caption_en=0.2"
    args = build_parser().parse_args(["bench", "train", "--rss-updates", "full"])
    assert command_line(args.parser, args) == "mtseq bench train --rss-updates full"


def test_append_results_keeps_what_was_there(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmarks\n\nold text\n", encoding="utf-8")
    append_results(path, "### new\n\n| a |\n")
    append_results(path, "### newer\n")
    assert path.read_text(encoding="utf-8") == "# Benchmarks\n\nold text\n\n### new\n\n| a |\n\n### newer\n"


def test_decode_cli_prints_and_appends_its_table(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(tiny_config(decode={"batch_size": 8, "max_len": 10})), encoding="utf-8")
    md, out = tmp_path / "RESULTS.md", tmp_path / "decode.json"
    argv = ["bench", "decode", "--config", str(config), "--sentences", "8", "--train-updates", "3", "--repeat", "1"]
    argv += ["--vocab", "30", "--examples", "40", "--append-results", str(md), "--json", str(out)]
    assert main(argv) == 0
    printed, text = capsys.readouterr().out, md.read_text(encoding="utf-8")
    assert "### `mtseq bench decode`" in text and "| bare nn.LSTM greedy |" in text and "cores" in text
    assert f"Command: `mtseq bench decode --config {config}" in text and text.strip() in printed
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["command"].startswith("mtseq bench decode") and result["machine"]["cores"] >= 1


def test_pipeline_cli_plans_the_grid_and_times_jobs(tmp_path, repo_root, capsys, monkeypatch):
    monkeypatch.chdir(repo_root)
    out = tmp_path / "pipeline.json"
    argv = ["bench", "pipeline", "--ratios", "2", "--plan-repeat", "1", "--jobs", "2", "--startup-repeat", "1"]
    assert main([*argv, "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    plan = result["plan"]
    assert plan["cells"] == 3 * 3  # three settings, two ratios + a baseline each
    assert plan["jobs_by_rule"]["train"] == plan["jobs_by_rule"]["evaluate"] == plan["runs"]
    assert plan["jobs"] == sum(n for rule, n in plan["jobs_by_rule"].items() if rule != "total")
    jobs = result["jobs"]
    assert jobs["jobs"] == 2 and jobs["snakemake_s"] > 0 and jobs["direct_per_job_s"] > 0
    assert set(result["startup"]) == {"mtseq --help", "python -c pass", "python -c 'import torch'"}
    assert "| `mtseq --help` |" in capsys.readouterr().out
