"""config/paper.yaml: valid, the paper's grid, and a plan (`snakemake -n`) that needs none of the data."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from helpers.workflow_runner import snakemake

from mtseq import pipeline
from mtseq.config import load_config, validate_config
from mtseq.errors import ConfigError
from mtseq.grid import expand_grid
from mtseq.layout import Layout
from mtseq.tasks import get_task

# jobs per rule of the whole paper grid (32 silver shards, 2 parsers, 18 cells x 2 seeds)
PLAN = {
    "fetch": 22,
    "prepare_translate": 4,
    "prepare_trees": 1,
    "prepare_caption": 3,
    "prepare_mono": 2,
    "tokenise_parallel": 4,
    "tokenise_mono": 9,
    "linearise": 4,
    "silver_pool": 1,
    "silver_parse": 64,
    "silver_agree": 32,
    "silver_resample": 1,
    "vocab": 3,
    "train": 36,
    "evaluate": 36,
    "aggregate": 1,
    "plot": 1,
    "tables": 1,
    "all": 1,
    "optimum": 1,
    "section": 34,  # 22 downloads, 8 data sections (translate, trees, mono, vocab, 4 silver), 4 results sections
}


@pytest.fixture(scope="module")
def paper(repo_root: Path) -> dict:
    return load_config(repo_root / "config" / "paper.yaml")


def test_paper_config_has_the_papers_model_and_grid(paper):
    assert paper["model"]["layers"] == 4
    assert (paper["model"]["hidden"], paper["model"]["embed"], paper["model"]["attention"]) == (1000, 1000, False)
    train = paper["train"]
    assert (train["batch_size"], train["lr"], train["optimizer"], train["reference_epochs"]) == (128, 0.7, "sgd", 12)
    assert train["lr_halving"] == {"start": 8, "cycle": 1} and paper["data"]["vocab"]["max_size"] == 50000
    cells = {(c.setting, c.cell) for c in expand_grid(paper["grid"])}
    assert {cell for s, cell in cells if s == "one_to_many"} == {
        "baseline", "parse1", "parse0.1", "parse0.01", "hcparse1", "hcparse0.1", "hcparse0.05"
    }  # fmt: skip
    assert {cell for s, cell in cells if s == "many_to_one"} == {
        "baseline", "caption1", "caption0.1", "caption0.05", "caption0.01"
    }  # fmt: skip
    assert {cell for s, cell in cells if s == "many_to_many"} >= {"ae1", "ae0.05", "sth1", "sth0.01"}
    assert paper["grid"]["seeds"] == [1, 2]
    assert all("sha256" not in spec or spec["sha256"] is None for spec in paper["fetch"].values())


@pytest.mark.slow
def test_paper_plan_needs_no_data(repo_root: Path, tmp_path: Path):
    assert not Path("/path/to/treebank_3").exists()  # the placeholders in paper.yaml point nowhere
    proc = snakemake(tmp_path, "-n", "--cores", "2", f"--configfile={repo_root / 'config' / 'paper.yaml'}")
    table = proc.stdout.split("Job stats:")[1].split("total")[0]
    counts = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}
    assert counts == PLAN
    # planning wrote nothing (not even the config sections: the `section` rule writes those when run)
    made = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert all(p.startswith(".snakemake/") for p in made), made


def test_each_translation_direction_reads_its_own_test_set(paper):
    inputs = pipeline.task_inputs(paper, ["translate_de_en"])
    assert "data/wmt15/tok/translate.test.de-en.de" in inputs and "data/wmt15/tok/translate.valid.de" in inputs
    assert not any(".test.en-de." in f for f in inputs) and "data/wmt15/tok/translate.test.de" not in inputs
    assert "data/wmt15/tok/translate.test.en-de.en" in pipeline.task_inputs(paper, ["translate_en_de"])


def test_silver_parser_trains_on_silver_and_is_tested_on_wsj(paper):
    inputs = pipeline.task_inputs(paper, ["parse_silver_en"])
    assert "data/wmt15/trees/silver.train.lin" in inputs and "data/wmt15/trees/parse.train.lin" not in inputs
    assert {"data/wmt15/trees/parse.valid.lin", "data/wmt15/trees/parse.test.lin"} <= set(inputs)
    assert pipeline.vocab_inputs(paper, "lin") == [
        "data/wmt15/trees/parse.train.lin",
        "data/wmt15/trees/silver.train.lin",
    ]
    assert get_task("parse_silver_en").target == get_task("parse_en").target == "lin"  # one shared decoder


def test_run_time_layout_finds_the_direction_files(tmp_path: Path):
    lay = Layout(tmp_path)
    task = get_task("translate_de_en")
    assert task.files(lay, "test")["source"] == lay.tok(lay.raw_translate("test", "de"))
    path = lay.tok(lay.raw_translate("test", "de", "de-en"))
    path.parent.mkdir(parents=True)
    path.write_text("x\n", encoding="utf-8")
    assert task.files(lay, "test") == {"source": path, "target": lay.tok(lay.raw_translate("test", "en", "de-en"))}
    assert get_task("translate_en_de").files(lay, "test")["source"] == lay.tok(lay.raw_translate("test", "en"))


def test_parts_and_sources(paper):
    assert pipeline.part_langs(paper, "caption") == ("en",) and pipeline.part_langs(paper, "mono") == ("en", "de")
    assert pipeline.tokenise_groups(paper) == {"pair": "translate", "single": "mono|caption"}
    default = validate_config({})
    assert pipeline.tokenise_groups(default) == {"pair": "translate|caption", "single": "mono"}
    assert pipeline.data_resources(paper, runtime=600) == {"mem_mb": 32000, "runtime": 600}
    assert pipeline.data_resources(default, runtime=None) == {}  # the profile's defaults apply
    read = pipeline.translate_sources(paper, "test.de-en")
    assert read["de"]["read"] == ["data/wmt15/download/test.tgz:newstest2015-deen-src.de.sgm"]
    assert read["de"]["downloads"] == ["data/wmt15/download/test.tgz"]
    assert pipeline.caption_sources(paper, "train")["features"] == {
        "read": ["/path/to/coco-features/train.npy"],
        "downloads": [],
    }


def test_tasks_need_their_data_parts(paper):
    config = copy.deepcopy(paper)
    config["data"]["parts"] = ["translate", "trees", "caption", "mono"]
    with pytest.raises(ConfigError, match=r"'data\.parts': task parse_silver_en \(grid\.settings\.one_to_many\) needs"):
        pipeline.check_parts(config)
    config["data"]["parts"] = ["translate", "caption", "mono", "silver"]
    with pytest.raises(ConfigError, match="silver needs trees"):
        pipeline.check_parts(config)
    config = copy.deepcopy(paper)
    config["data"]["prepare"]["mono"]["en"] = "no-such-key.gz"
    with pytest.raises(ConfigError, match=r"data\.prepare\.mono\.en.*'no-such-key\.gz' is not a key of fetch"):
        pipeline.check_parts(config)
    config = copy.deepcopy(paper)
    del config["data"]["prepare"]["caption"]
    with pytest.raises(ConfigError, match=r"data\.prepare\.caption'.*nothing says where it comes from"):
        pipeline.check_parts(config)
    config = copy.deepcopy(paper)
    config["data"]["prepare"]["translate"]["test"]["de-en"]["en"] = ["test.tgz:a", "test.tgz:b"]
    with pytest.raises(ConfigError, match=r"translate\.test\.de-en'.*as many sources"):
        pipeline.check_parts(config)
    config = copy.deepcopy(paper)
    config["data"]["parts"].remove("mono")
    with pytest.raises(ConfigError, match=r"data\.silver\.pool\.sources'.*'mono' is not in data\.parts"):
        pipeline.silver_pool_inputs(config)


@pytest.mark.slow
def test_a_config_error_stops_planning_with_one_line(repo_root: Path, tmp_path: Path):
    raw = yaml.safe_load((repo_root / "config" / "paper.yaml").read_text(encoding="utf-8"))
    raw["data"]["parts"].remove("silver")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    proc = snakemake(tmp_path / "w", "-n", "--cores", "1", f"--configfile={path}", check=False)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("mtseq: error:")]
    assert lines == [f"mtseq: error: {path}: config key 'data.parts': task parse_silver_en "
                     "(grid.settings.one_to_many) needs silver"]  # fmt: skip


def test_schema_takes_the_paper_shapes(repo_root: Path, tmp_path: Path):
    raw = yaml.safe_load((repo_root / "config" / "paper.yaml").read_text(encoding="utf-8"))
    raw["data"]["prepare"]["trees"]["source"] = "treebank.zip"  # both a sample and a WSJ root: refused
    with pytest.raises(ConfigError, match="data.prepare.trees"):
        validate_config(raw)
    raw = yaml.safe_load((repo_root / "config" / "paper.yaml").read_text(encoding="utf-8"))
    raw["fetch"]["dev-v2.tgz"]["sha256"] = "not-a-digest"
    with pytest.raises(ConfigError, match=r"fetch\.dev-v2\.tgz\.sha256"):
        validate_config(raw)
