"""DVC end to end on a tiny grid: repro from scratch, push/pull through the default remote, experiments
that change a data param (new data, new metrics) or only decoding (the data stage is not rerun).

A copy of the working tree (git-tracked and untracked, not ignored, files; then ``git init``) gets a
one-setting, one-ratio, one-seed version of tests/configs/tiny.yaml as config/config.yaml, so that
``dvc repro`` runs both stages of the real dvc.yaml in under a minute. The remote is the committed
default of .dvc/config (``../mtseq-dvc-store`` beside the repository, here beside the copy).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers.workflow_runner import copy_worktree

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RATIOS = "config/config.yaml:grid.settings.one_to_many.auxiliary.parse_en"
OUTS = (
    "data/tiny",
    "results/summary.csv",
    "results/sensitivity.csv",
    "results/inference.csv",
    "results/metrics.json",
    "results/plots",
    "results/optimum.csv",
    "results/optimum_metrics.json",
)


def _run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    if (cwd / "src" / "mtseq").is_dir():  # the copy's code, whatever mtseq is installed
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd / "src"), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _dvc(repo: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return _run([str(BIN / "dvc"), *args], repo, timeout)


def _git(repo: Path, *args: str) -> None:
    _run(["git", "-c", "user.name=mtseq-test", "-c", "user.email=test@mtseq.invalid", *args], repo)


def _hashes(repo: Path) -> dict[str, str]:
    """SHA-256 of every file DVC tracks here (data/ and the grid stage's outputs; .dvcignore leaves out
    data/<name>/params/, the config sections Snakemake writes)."""
    out = {}
    for name in OUTS:
        path = repo / name
        for f in sorted([path] if path.is_file() else path.rglob("*")):
            if f.is_file() and f.parent.name != "params":
                out[str(f.relative_to(repo))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """The copy, reproduced from scratch with ``dvc repro``; dvc.lock committed."""
    dest = copy_worktree(tmp_path_factory.mktemp("dvc") / "mtseq")
    cfg = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
    setting = {"reference": "translate_en_de", "auxiliary": {"parse_en": [0.1]}}
    cfg["grid"] = {"seeds": [1], "settings": {"one_to_many": setting}}
    (dest / "config" / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    _run(["git", "init", "-q"], dest)
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "tiny")
    _dvc(dest, "repro")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "reproduced")
    return dest


def test_repro_from_scratch_leaves_the_pipeline_up_to_date(repo):
    status = _dvc(repo, "status").stdout
    assert "up to date" in status.lower(), status
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    assert set(lock["stages"]) == {"data", "grid"}
    assert [o["path"] for o in lock["stages"]["data"]["outs"]] == ["data/tiny"]
    assert {o["path"] for o in lock["stages"]["grid"]["outs"]} == set(OUTS[1:])
    assert "data/tiny" in {d["path"] for d in lock["stages"]["grid"]["deps"]}
    metrics = json.loads((repo / "results" / "metrics.json").read_text())
    assert "parse0.1" in metrics["one_to_many"]


def _metrics(repo: Path) -> dict:
    return json.loads((repo / "results" / "metrics.json").read_text())


def _reset(repo: Path) -> None:
    """Back to the committed experiment: config and every stage's outs as dvc.lock records them."""
    _git(repo, "checkout", "--", "config/config.yaml", "dvc.lock")
    _dvc(repo, "checkout", "--force")
    assert "up to date" in _dvc(repo, "status").stdout.lower()


def test_a_decode_param_reruns_the_grid_and_not_the_data(repo):
    """Run first after the repro: later tests restore data from DVC's cache (newer files), and Snakemake's
    mtime trigger would then retrain, which is Snakemake's business, not this graph's."""
    run_dir = repo / "results" / "runs" / "one_to_many" / "parse0.1" / "seed1"
    watched = [repo / "data" / "tiny" / "raw" / "translate.train.en", run_dir / "model.pt"]
    stamps = [p.stat().st_mtime_ns for p in watched]
    evaluated = (run_dir / "metrics.json").stat().st_mtime_ns
    run = _dvc(repo, "exp", "run", "-S", "config/config.yaml:decode.beam=1", "-n", "beam1").stdout
    assert "Stage 'data' didn't change, skipping" in run and "Running stage 'grid'" in run, run
    assert [p.stat().st_mtime_ns for p in watched] == stamps  # neither data nor training rerun
    assert (run_dir / "metrics.json").stat().st_mtime_ns > evaluated  # evaluation rerun
    _reset(repo)


def test_push_then_pull_restores_data_and_results_bit_identically(repo):
    assert "(default)" in _dvc(repo, "remote", "list").stdout
    before = _hashes(repo)
    assert any(k.startswith("data/") for k in before) and "results/metrics.json" in before
    _dvc(repo, "push")
    store = repo.parent / "mtseq-dvc-store"
    assert (store / "files" / "md5").is_dir()
    shutil.rmtree(repo / ".dvc" / "cache")
    for name in OUTS:
        if (repo / name).is_dir():
            shutil.rmtree(repo / name)
        else:
            (repo / name).unlink()
    assert "not in cache" in _dvc(repo, "status").stdout
    _dvc(repo, "pull")
    assert _hashes(repo) == before
    assert "up to date" in _dvc(repo, "status").stdout.lower()


def _experiments(shown: list) -> dict[str, dict]:
    """``dvc exp show --json`` rows: experiment name -> its data (params, metrics)."""
    found = {}
    for row in shown:
        for exp in row.get("experiments") or []:
            for rev in exp.get("revs") or []:
                found[rev["name"]] = rev["data"]
    return found


def test_queued_experiments_over_ratios(repo):
    try:
        for ratio in ("0.3", "1"):
            _dvc(repo, "exp", "run", "--queue", "-S", f"{RATIOS}=[{ratio}]", "-n", f"parse-{ratio}")
        _dvc(repo, "exp", "run", "--run-all", timeout=900)
        exps = _experiments(json.loads(_dvc(repo, "exp", "show", "--json").stdout))
    finally:
        _dvc(repo, "queue", "stop")
    assert {"parse-0.3", "parse-1"} <= set(exps)
    for ratio in ("0.3", "1"):
        data = exps[f"parse-{ratio}"]
        params = data["params"]["config/config.yaml"]["data"]
        assert params["grid"]["settings"]["one_to_many"]["auxiliary"]["parse_en"] == [float(ratio)]
        metrics = data["metrics"]["results/metrics.json"]["data"]["one_to_many"]
        assert f"parse{float(ratio):g}" in metrics and "parse0.1" not in metrics
    status = _dvc(repo, "queue", "status").stdout
    assert "0 active" in status and "Failed" not in status, status


def test_sensitivity_table_is_plot_data_offline(repo):
    """`dvc plots show --json` reads results/sensitivity.csv itself (no Vega from a CDN needed)."""
    shown = json.loads(_dvc(repo, "plots", "show", "--json").stdout)
    rows = shown["data"]["results/sensitivity.csv"][0]["content"]["data"]["values"]
    assert {r["cell"] for r in rows} >= {"baseline", "parse0.1"}


def test_a_data_param_makes_new_data_and_new_metrics(repo):
    """The bug of issue 14: `dvc exp run -S data...` regenerated the data and kept the old grid's metrics."""
    _reset(repo)
    before, data_before = _metrics(repo), _hashes(repo)
    run = _dvc(repo, "exp", "run", "-S", "config/config.yaml:data.synth.seed=8", "-n", "data-seed8").stdout
    assert "Running stage 'data'" in run and "Running stage 'grid'" in run, run
    after = _hashes(repo)
    changed = {k for k in data_before if k.startswith("data/") and after.get(k) != data_before[k]}
    assert changed, "the data stage did not make new data"
    assert _metrics(repo) != before
    exps = _experiments(json.loads(_dvc(repo, "exp", "show", "--json").stdout))
    assert exps["data-seed8"]["params"]["config/config.yaml"]["data"]["data"]["synth"]["seed"] == 8
