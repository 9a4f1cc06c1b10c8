"""Stale Snakemake locks: cleared when their process is gone, kept while it lives."""

from __future__ import annotations

import json
import subprocess
import sys

from mtseq.locks import claim_workdir


def _lock(workdir):
    locks = workdir / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.output.lock").write_text("results/summary.csv\n")
    return locks


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_lock_of_a_dead_owner_is_removed_and_ownership_taken(tmp_path):
    locks = _lock(tmp_path)
    (tmp_path / ".snakemake" / "mtseq-owner.json").write_text(json.dumps({"pid": _dead_pid(), "start": "1"}))
    message = claim_workdir(tmp_path, pid=4242)
    assert "removed the lock left by a killed snakemake" in message
    assert not locks.exists()
    assert json.loads((tmp_path / ".snakemake" / "mtseq-owner.json").read_text())["pid"] == 4242


def test_lock_of_a_live_owner_is_kept(tmp_path):
    locks = _lock(tmp_path)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        claim_workdir(tmp_path, pid=live.pid)  # the live workflow claims the directory
        assert claim_workdir(tmp_path, pid=4242) is None  # a second one leaves the lock to Snakemake
        assert (locks / "0.output.lock").exists()
        assert json.loads((tmp_path / ".snakemake" / "mtseq-owner.json").read_text())["pid"] == live.pid
    finally:
        live.kill()
        live.wait()


def test_lock_without_a_recorded_owner_is_left_alone(tmp_path):
    locks = _lock(tmp_path)
    assert claim_workdir(tmp_path, pid=4242) is None
    assert (locks / "0.output.lock").exists()
