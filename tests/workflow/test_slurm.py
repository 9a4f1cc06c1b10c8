"""The workflow on a real Slurm cluster (one node on localhost) through profiles/slurm.

Every job becomes a Slurm job, sacct lists the training jobs with what the config's `resources.train`
asked for (a GPU, memory, time), and the results equal a local run's: CPU training is deterministic.
Skips, with the reason, where Slurm cannot be installed or started (not root, no apt, no network).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml
from helpers.slurm_cluster import SlurmCluster, Unavailable, ensure_installed
from helpers.workflow_runner import REPO, snakemake

RUNS = ("one_to_many/baseline/seed1", "one_to_many/parse1/seed1")
SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")


def grid_config(path: Path) -> Path:
    """tests/configs/tiny.yaml cut to two trainings (baseline and parse 1, seed 1), each asking for a GPU."""
    cfg = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
    cfg["data"]["parts"] = ["translate", "trees"]
    cfg["grid"] = {
        "seeds": [1],
        "settings": {"one_to_many": {"reference": "translate_en_de", "auxiliary": {"parse_en": [1]}}},
    }
    cfg["train"]["device"] = "cpu"  # the cluster's GPUs are names only; training stays on the CPU
    cfg["resources"] = {"train": {"gpus": 1, "gpu_model": "fake", "mem_mb": 1000, "runtime": 20}}
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    pytest.importorskip("snakemake_executor_plugin_slurm", reason="pip install -e '.[slurm]' for the Slurm test")
    try:
        ensure_installed()
        cluster = SlurmCluster(tmp_path_factory.mktemp("slurm"))
        cluster.start()
    except Unavailable as err:
        print(f"\nSLURM TEST SKIPPED: {err}", file=sys.stderr)
        pytest.skip(f"no Slurm cluster: {err}")
    yield cluster
    cluster.stop()


def snakemake_slurm(cluster: SlurmCluster, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """`snakemake --executor slurm --profile profiles/slurm` as a user types it, polling every few seconds."""
    env = dict(cluster.env)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir)]
    cmd += ["--executor", "slurm", "--profile", str(REPO / "profiles" / "slurm")]
    cmd += ["--slurm-init-seconds-before-status-checks", "2", *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        logs = "\n".join(f"== {n}\n{cluster.log(n)[-2000:]}" for n in ("slurmctld.log", "slurmd.log"))
        out = f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
        raise AssertionError(f"snakemake --executor slurm failed:\n{out}\n{logs}")
    return proc


@pytest.fixture(scope="module")
def grid(slurm_cluster, tmp_path_factory):
    root = tmp_path_factory.mktemp("grid")
    cfg = grid_config(root / "config.yaml")
    with ThreadPoolExecutor(1) as pool:  # the local run fills the gaps while the Slurm run waits on the queue
        local = pool.submit(snakemake, root / "local", "--cores", "2", f"--configfile={cfg}")
        start = time.monotonic()
        proc = snakemake_slurm(slurm_cluster, root / "slurm", f"--configfile={cfg}")
        wall = time.monotonic() - start
        local.result()
    jobs = slurm_cluster.sacct("-X", "--format=JobIDRaw,State,Comment%120,ReqMem,Timelimit,AllocTRES%120")
    submitted = dict(SUBMITTED.findall(proc.stdout + proc.stderr))
    print(f"\nslurm: {len(submitted)} jobs submitted, sacct ids {sorted(map(int, submitted))}, {wall:.0f} s wall")
    return SimpleNamespace(slurm=root / "slurm", local=root / "local", jobs=jobs, submitted=submitted)


@pytest.mark.slurm
@pytest.mark.slow
def test_every_job_ran_as_a_completed_slurm_job(grid):
    assert len(grid.submitted) >= 10  # data stages, 2 trainings, 2 evaluations, tables, plots
    by_id = {job["JobIDRaw"]: job for job in grid.jobs}
    assert set(grid.submitted) <= set(by_id)
    assert all(by_id[i]["State"] == "COMPLETED" for i in grid.submitted)
    train = {i: by_id[i] for i in grid.submitted if by_id[i]["Comment"].startswith("rule_train_")}
    assert sorted(j["Comment"] for j in train.values()) == [
        "rule_train_wildcards_one_to_many_baseline_1",
        "rule_train_wildcards_one_to_many_parse1_1",
    ]
    for job_id, job in train.items():
        assert "gres/gpu=1" in job["AllocTRES"], job  # resources.train.gpus + gpu_model -> --gpus=fake:1
        assert (job["ReqMem"], job["Timelimit"]) == ("1000M", "00:20:00")
        assert Path(grid.submitted[job_id]).name == f"{job_id}.log" and Path(grid.submitted[job_id]).exists()
    others = [j for i, j in by_id.items() if i in grid.submitted and i not in train]
    assert others and not any("gres/gpu" in j["AllocTRES"] for j in others)  # CPU-only rules ask for no GPU


def _strip_times(obj):
    if isinstance(obj, dict):
        return {k: _strip_times(v) for k, v in obj.items() if not k.endswith(("_time_s", "_per_s"))}
    return obj


@pytest.mark.slurm
@pytest.mark.slow
def test_results_equal_a_local_run(grid):
    for run in RUNS:
        slurm, local = grid.slurm / "results" / "runs" / run, grid.local / "results" / "runs" / run
        for name in ("metrics.json", "train.json"):
            assert _strip_times(json.loads((slurm / name).read_text())) == _strip_times(
                json.loads((local / name).read_text())
            ), f"{run}/{name}"
        for hyp in sorted(local.glob("hyp.*")):
            assert (slurm / hyp.name).read_text() == hyp.read_text(), f"{run}/{hyp.name}"
        # compared loaded: the files' bytes differ, torch.save writes the temp file's name into them
        models = [torch.load(d / "model.pt", weights_only=True) for d in (slurm, local)]
        weights = [m.pop("state_dict") for m in models]
        assert models[0] == models[1] and weights[0].keys() == weights[1].keys()
        assert all(torch.equal(w, weights[1][k]) for k, w in weights[0].items()), f"{run}/model.pt"
    metrics = [json.loads((d / "results" / "metrics.json").read_text()) for d in (grid.slurm, grid.local)]
    assert metrics[0] == metrics[1]


def _train_resources(workdir: Path, **resources) -> list[dict[str, str]]:
    """The resources of every training job in a dry run of grid_config (with `resources.train` changed)."""
    workdir.mkdir()
    cfg = grid_config(workdir / "config.yaml")
    data = yaml.safe_load(cfg.read_text())
    data["resources"]["train"].update(resources)
    cfg.write_text(yaml.safe_dump(data))
    proc = snakemake(workdir, "-n", "--profile", str(REPO / "profiles" / "local"), f"--configfile={cfg}")
    blocks = re.findall(r"rule train:\n(?:    .*\n)*?    resources: (.*)\n", proc.stdout)
    return [dict(kv.split("=", 1) for kv in block.split(", ")) for block in blocks]


def test_train_resources_follow_the_config(tmp_path):
    gpu = _train_resources(tmp_path / "gpu")
    assert len(gpu) == 2 and all(r["gpu"] == "1" and r["gpu_model"] == "fake" for r in gpu)
    assert all((r["mem_mb"], r["runtime"]) == ("1000", "20") for r in gpu)
    cpu = _train_resources(tmp_path / "cpu", gpus=None)  # null: a GPU only when train.device is cuda
    assert len(cpu) == 2 and all(r["gpu"] == "0" and "gpu_model" not in r for r in cpu)  # no --gpus=fake:0 for Slurm
