"""Adaptive stages end to end: checkpoint `adapt` after each stage, SIGKILL between stages, the same command resumes.

A derived tiny config (one setting, three ratios, two seeds, 30 updates per run) with a target
no interval can meet, so the study goes on until its run budget stops it: stage 1 (8 runs), stage 2
(what fits in max_runs 12), then `stop`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers.workflow_runner import REPO, snakemake

from mtseq.cli import main

pytestmark = pytest.mark.slow


def _config(path: Path) -> Path:
    cfg = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
    cfg["grid"] = {
        "seeds": [1, 2],
        "adaptive": {"enabled": True, "target_decades": 0.001, "max_runs": 12, "seeds_per_stage": 1},
        "settings": {"one_to_many": {"reference": "translate_en_de", "auxiliary": {"parse_en": [0.01, 0.1, 1]}}},
    }
    cfg["optimum"] = {"draws": 400}
    path.write_text(yaml.safe_dump(cfg))
    return path


def _popen(workdir: Path, config: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir)]
    cmd += ["--cores", "2", f"--configfile={config}"]
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def test_adaptive_stages_resume_after_sigkill_between_stages_and_end_with_the_same_ledger(tmp_path, monkeypatch):
    config = _config(tmp_path / "cfg.yaml")
    work = tmp_path / "work"
    results = work / "results"
    proc = _popen(work, config)
    deadline = time.monotonic() + 900
    while not (results / "adaptive" / "stage1.json").exists():
        if proc.poll() is not None:
            raise AssertionError(
                f"snakemake ended ({proc.returncode}) before stage 1's decision:\n{proc.stdout.read()}"
            )
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("timed out waiting for stage 1's decision")
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # between stages: snakemake and whatever it started for stage 2
    proc.communicate(timeout=60)
    assert json.loads((results / "adaptive" / "stage1.json").read_text())["action"] == "train"
    assert not (results / "adaptive" / "stage2.json").exists() and not (results / "summary.csv").exists()

    resumed = snakemake(work, "--cores", "2", f"--configfile={config}")  # the same command
    assert "removed the lock left by a killed snakemake" in resumed.stderr
    plans = [json.loads((results / "adaptive" / f"stage{k}.json").read_text()) for k in (1, 2)]
    assert [p["action"] for p in plans] == ["train", "stop"] and not (results / "adaptive" / "stage3.json").exists()
    assert plans[1]["reason"].startswith("run budget spent")
    ledger = pd.read_csv(results / "seed_ledger.csv")
    trained = ledger[ledger["action"] == "train"]
    assert not trained.duplicated(["run_dir"]).any()
    assert (trained["stage"] == 1).sum() == 8 and 2 <= (trained["stage"] == 2).sum() <= 4
    assert set(trained.loc[trained["stage"] == 2, "seed"]) == {3}  # a fresh seed, the same in every cell
    assert ledger["action"].iloc[-1] == "stop" and ledger["action"].tolist().count("stop") == 1
    summary = pd.read_csv(results / "summary.csv")  # aggregate read every stage's runs
    assert len(summary) == len(trained) and 3 in set(summary["seed"])
    assert "Nothing to be done" in snakemake(work, "--cores", "2", f"--configfile={config}", "-n").stdout

    # the same decisions again by hand: identical plans and ledger (decisions depend on runs and config only)
    before = {p: p.read_bytes() for p in [results / "seed_ledger.csv", *sorted((results / "adaptive").glob("*.json"))]}
    (params,) = (results / "params").glob("grid+optimum-*.yaml")
    monkeypatch.chdir(work)  # as the rule runs it: run directories are named relative to the working directory
    for stage in (1, 2):
        assert main(["adapt", "--config", str(params), "--results", "results", "--stage", str(stage)]) == 0
    assert {p: p.read_bytes() for p in before} == before
