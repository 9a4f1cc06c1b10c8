"""Deterministic resume: SIGKILL a training process at random moments; the result must not change."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
import yaml

from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.model import load_model

REPO = Path(__file__).resolve().parents[2]
TIMING = ("wall_time_s", "train_tokens_per_s")
ARGS = ["--setting", "one_to_many", "--reference", "translate_en_de", "--ratios", "parse_en=0.7,autoencode_en=0.3"]


def _config(path: Path) -> Path:
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    tiny = tiny_config(
        model={"hidden": 48, "embed": 48, "dropout": 0.3},
        train={"updates": 600, "checkpoint_every": 13, "validate_every": 50, "lr_halving": {"start": 20, "cycle": 5}},
    )
    cfg["model"], cfg["train"] = tiny["model"], tiny["train"]
    path.write_text(yaml.safe_dump(cfg))
    return path


def _start(config: Path, data: Path, out: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "mtseq.cli", "train", "--config", str(config), *ARGS]
    cmd += ["--seed", "4", "--data", str(data), "--out", str(out), "--no-progress"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=REPO)


def _finish(proc: subprocess.Popen) -> None:
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out.decode(errors="replace")


def _wait_for_training(run: Path, starts: int, proc: subprocess.Popen) -> float:
    """Block until the ``starts``-th process has logged its start line (imports and data loading done)."""
    log = run / "train.log"
    while True:
        if log.is_file() and log.read_text().count(" INFO run ") >= starts:
            return time.monotonic()
        assert proc.poll() is None, proc.communicate()[0].decode(errors="replace")
        time.sleep(0.01)


def test_sigkill_at_random_moments_resumes_bit_identically(tmp_path):
    data = build_corpus(tmp_path / "corpus")
    config = _config(tmp_path / "config.yaml")
    clean, killed = tmp_path / "clean", tmp_path / "killed"

    proc = _start(config, data, clean)
    began = _wait_for_training(clean, 1, proc)
    _finish(proc)
    duration = time.monotonic() - began  # training proper, without interpreter start-up

    rng = random.Random(20160301)
    real_kills = 0
    for attempt in range(1, 4):
        proc = _start(config, data, killed)
        _wait_for_training(killed, attempt, proc)
        time.sleep(rng.uniform(0.05, 0.3) * duration)
        if proc.poll() is None and not (killed / "COMPLETED").exists():
            real_kills += 1
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    _finish(_start(config, data, killed))

    assert real_kills >= 2, "the kills did not land while training ran"
    log = (killed / "train.log").read_text()
    assert log.count("resumed from update") >= 2
    want = json.loads((clean / "train.json").read_text())
    got = json.loads((killed / "train.json").read_text())
    for key in TIMING:
        want.pop(key), got.pop(key)
    assert got == want
    a, b = load_model(clean / "model.pt").state_dict(), load_model(killed / "model.pt").state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_cli_refuses_a_run_directory_of_another_config(tmp_path):
    data = build_corpus(tmp_path / "corpus", n_train=40, n_valid=8)
    config = _config(tmp_path / "config.yaml")
    cfg = yaml.safe_load(config.read_text())
    cfg["train"]["updates"] = 3
    config.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "run"
    _finish(_start(config, data, out))
    cfg["train"]["lr"] = 0.5
    config.write_text(yaml.safe_dump(cfg))
    proc = _start(config, data, out)
    text, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "mtseq: error:" in text.decode() and "different config" in text.decode()
