"""One writer per directory: stale Snakemake locks cleared only when their process is gone, run directories
held by one process at a time, and jobs that a killed workflow left running found and waited for."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.cli import main
from mtseq.locks import (
    ENV_WORKDIR,
    ENV_WORKFLOW,
    RUN_LOCK,
    RunDirBusy,
    claim_workdir,
    hold_run_dir,
    mark_jobs,
    orphaned_jobs,
    run_dir_holder,
    wait_for_orphans,
    workflow_id,
)


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


# --- one writer per run directory ---------------------------------------------------------------------------


def _hold(run, command: str = "train") -> subprocess.Popen:
    """Another process holding ``run`` (as a trainer would), until killed."""
    code = (
        "import sys, time\n"
        "from mtseq.locks import hold_run_dir\n"
        f"with hold_run_dir({str(run)!r}, {command!r}):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(120)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def _train_argv(tmp_path, run):
    data = build_corpus(tmp_path / "corpus", n_train=32, n_valid=6)
    config = tmp_path / "cfg.yaml"
    config.write_text(yaml.safe_dump(tiny_config(train={"updates": 4, "checkpoint_every": 2, "validate_every": 0})))
    argv = ["train", "--config", str(config), "--setting", "one_to_many", "--reference", "translate_en_de"]
    return argv + ["--seed", "1", "--data", str(data), "--out", str(run), "--no-progress"]


def test_train_refuses_a_run_directory_that_another_process_holds_and_runs_once_it_is_gone(tmp_path, capsys):
    run = tmp_path / "run"
    argv = _train_argv(tmp_path, run)
    holder = _hold(run)
    try:
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            f"mtseq: error: {run}: in use by mtseq train (pid {holder.pid}); "
            f"wait for it to end or stop it (kill {holder.pid})"
        ]
        assert sorted(p.name for p in run.iterdir()) == [RUN_LOCK]  # nothing read or written
        assert run_dir_holder(run).split()[0] == str(holder.pid)
    finally:
        holder.kill()
        holder.wait()
    # the lock died with its process: no stale lock to clear
    assert run_dir_holder(run) is None
    assert main(argv) == 0
    assert (run / "COMPLETED").exists()


def test_evaluate_refuses_a_run_directory_that_a_trainer_holds(tmp_path, capsys):
    run, config = tmp_path / "run", tmp_path / "cfg.yaml"
    config.write_text(yaml.safe_dump(tiny_config()))
    holder = _hold(run)
    try:
        assert main(["evaluate", "--run", str(run), "--config", str(config), "--data", "d"]) == 2
    finally:
        holder.kill()
        holder.wait()
    pid = holder.pid
    assert capsys.readouterr().err.strip().splitlines() == [
        f"mtseq: error: {run}: in use by mtseq train (pid {pid}); wait for it to end or stop it (kill {pid})"
    ]


def test_a_lock_is_held_by_one_open_file_at_a_time(tmp_path):
    run = tmp_path / "run"
    with hold_run_dir(run, "evaluate"):
        with pytest.raises(RunDirBusy, match=rf"in use by mtseq evaluate \(pid {os.getpid()}\)"):
            with hold_run_dir(run, "train"):
                pass
    with hold_run_dir(run, "train"):  # released at the end of the block
        pass
    assert run_dir_holder(tmp_path / "missing") is None and not (tmp_path / "missing").exists()


# --- jobs that a killed workflow left running ---------------------------------------------------------------


def _job(tmp_path, workdir, workflow: str, seconds: float = 60) -> subprocess.Popen:
    """A process that looks like a workflow's ``mtseq train`` job: a script named mtseq, the workflow's marks."""
    script = tmp_path / "bin" / "mtseq"
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"import time\ntime.sleep({seconds})\n")
    env = {**os.environ, ENV_WORKDIR: str(workdir.resolve()), ENV_WORKFLOW: workflow}
    argv = [sys.executable, str(script), "train", "--seed", "1", "--out", "results/runs/one_to_many/parse1/seed1"]
    return subprocess.Popen(argv, env=env)


def _started(proc: subprocess.Popen) -> None:
    """Wait for the exec (before it, the child is a copy of this process, with its command and environment)."""
    deadline = time.monotonic() + 10
    while "bin/mtseq" not in Path(f"/proc/{proc.pid}/cmdline").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_jobs_of_a_killed_workflow_are_found_and_those_of_a_live_one_are_not(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    dead = _dead_pid()
    orphan = _job(tmp_path, work, f"{socket.gethostname()} {dead} 1")
    live = _job(tmp_path, work, workflow_id())  # this process plays the living workflow
    elsewhere = _job(tmp_path, tmp_path, f"{socket.gethostname()} {dead} 1")  # another directory
    try:
        for proc in (orphan, live, elsewhere):
            _started(proc)
        found = orphaned_jobs(work)
        assert [o.pid for o in found] == [orphan.pid]
        assert found[0].workflow_pid == dead
        assert found[0].describe() == f"pid {orphan.pid} (mtseq train results/runs/one_to_many/parse1/seed1)"
    finally:
        for proc in (orphan, live, elsewhere):
            proc.kill()
            proc.wait()
    assert orphaned_jobs(work) == []


def test_a_new_workflow_clears_the_killed_ones_lock_but_waits_for_its_jobs(tmp_path):
    locks = _lock(tmp_path)
    dead = _dead_pid()
    (tmp_path / ".snakemake" / "mtseq-owner.json").write_text(json.dumps({"pid": dead, "start": "1"}))
    orphan = _job(tmp_path, tmp_path, f"{socket.gethostname()} {dead} 1", seconds=1.5)
    try:
        _started(orphan)
        message = claim_workdir(tmp_path, pid=4242)
        assert "removed the lock left by a killed snakemake" in message
        assert f"1 of its jobs still run (pid {orphan.pid} (mtseq train" in message
        assert not locks.exists()
        said: list[str] = []
        t0 = time.monotonic()
        waited = wait_for_orphans(tmp_path, say=said.append, poll=0.05)
        assert orphan.poll() is not None or time.monotonic() - t0 > 1.0  # returned only once the job had ended
        assert [o.pid for o in waited] == [orphan.pid]
        assert said[0].startswith(f"mtseq: waiting for 1 job(s) that a killed snakemake (pid {dead}) left running")
        assert said[-1] == "mtseq: the killed workflow's jobs have ended; starting"
    finally:
        orphan.kill()
        orphan.wait()
    assert wait_for_orphans(tmp_path, say=said.append) == []


def test_jobs_carry_the_workflow_identity(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_WORKFLOW, raising=False)
    monkeypatch.delenv(ENV_WORKDIR, raising=False)
    mark_jobs(tmp_path)
    host, pid, start = os.environ[ENV_WORKFLOW].split()
    assert (host, int(pid)) == (socket.gethostname(), os.getpid()) and start.isdigit()
    assert os.environ[ENV_WORKDIR] == str(tmp_path.resolve())
