"""The real-data chain fetch -> prepare -> tokenise -> linearise -> vocab through the real Snakefile.

../shared/data stands in for the internet: it is served over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import shutil

import pytest
import yaml
from helpers.http_server import FileServer
from helpers.workflow_runner import snakemake

from mtseq.io import read_csv, read_lines

pytestmark = pytest.mark.slow


def _config(repo_root, base_url: str, tmp_path):
    config = yaml.safe_load((repo_root / "config" / "multi30k.yaml").read_text())
    for name, spec in config["fetch"].items():
        folder = "ptb_sample" if name == "treebank.zip" else "multi30k"
        spec["url"] = f"{base_url}/{folder}/{name}"
    path = tmp_path / "multi30k.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_multi30k_chain_over_http(repo_root, shared_data, tmp_path):
    work = tmp_path / "work"
    with FileServer(shared_data) as server:
        config = _config(repo_root, f"http://127.0.0.1:{server.port}", tmp_path)
        snakemake(work, "data", "--cores", "2", f"--configfile={config}")
    root = work / "data" / "multi30k"
    sizes = {split: len(read_lines(root / "tok" / f"translate.{split}.en")) for split in ("train", "valid", "test")}
    assert sizes == {"train": 29000, "valid": 1014, "test": 1000}
    for split, n in sizes.items():
        assert len(read_lines(root / "tok" / f"translate.{split}.de")) == n
    trees = {split: len(read_lines(root / "trees" / f"parse.{split}.mrg")) for split in ("train", "valid", "test")}
    assert sum(trees.values()) == 3914
    lin = read_lines(root / "trees" / "parse.train.lin")
    assert all("-NONE-" not in line and "-SBJ" not in line for line in lin)
    assert lin[0].startswith("(S (NP")
    vocab = [ln.split("\t")[0] for ln in read_lines(root / "vocab" / "lin.txt")]
    assert "XX" in vocab and "(NP" in vocab and ")NP" in vocab
    assert not list((root / "download").glob("*.part"))
    # a second run has nothing to do
    again = snakemake(work, "--cores", "2", "data", "-n", f"--configfile={config}")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_corrupted_download_is_rejected(repo_root, shared_data, tmp_path):
    served = tmp_path / "served"
    shutil.copytree(shared_data, served)
    blob = bytearray((served / "multi30k" / "val.en.gz").read_bytes())
    blob[100] ^= 0xFF
    (served / "multi30k" / "val.en.gz").write_bytes(bytes(blob))
    work = tmp_path / "work"
    with FileServer(served) as server:
        config = _config(repo_root, f"http://127.0.0.1:{server.port}", tmp_path)
        proc = snakemake(
            work, "data/multi30k/download/val.en.gz", "--cores", "1", f"--configfile={config}", check=False
        )
    assert proc.returncode != 0
    log = (work / "logs" / "data" / "multi30k" / "fetch.val.en.gz.log").read_text()
    assert "checksum mismatch" in log
    assert not (work / "data" / "multi30k" / "download" / "val.en.gz").exists()


def test_the_newcomer_path_runs_real_text_to_tables(repo_root, shared_data, tmp_path):
    """config/multi30k.yaml + multi30k_quick.yaml, shortened further to 12 updates a run: fetch -> tables."""
    shorter = tmp_path / "shorter.yaml"
    shorter.write_text(yaml.safe_dump({"train": {"updates": 12}, "decode": {"beam": 2}}))
    work = tmp_path / "work"
    with FileServer(shared_data) as server:
        config = _config(repo_root, f"http://127.0.0.1:{server.port}", tmp_path)
        quick = repo_root / "config" / "multi30k_quick.yaml"
        snakemake(work, "--cores", "2", "--configfile", str(config), str(quick), str(shorter), timeout=1800)
    results = work / "results" / "multi30k_quick"
    summary = read_csv(results / "summary.csv")
    assert sorted(summary["cell"]) == ["baseline", "parse0.1"]
    assert summary["translate_en_de.test.bleu_greedy"].notna().all()
    assert (summary["translate_en_de.test.bleu"] >= 0).all()
    assert (results / "runs" / "one_to_many" / "parse0.1" / "seed1" / "hyp.parse_en.test.mrg").is_file()
    assert (work / "logs" / "results" / "multi30k_quick" / "train" / "one_to_many" / "baseline" / "seed1.log").is_file()
