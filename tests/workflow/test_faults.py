"""Faults around the workflow: snakemake killed (with its jobs, or alone), planning another config while a
workflow runs, two workflows on one directory, a full disk.

The workflow tests run the real Snakefile on a derived tiny config (one setting, one auxiliary
ratio, one seed), so each run takes seconds. The disk-full tests inject ``ENOSPC`` in-process.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from helpers.workflow_runner import REPO, snakemake

from mtseq import io as mtseq_io
from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.cli import main
from mtseq.model import load_model
from mtseq.train.checkpoint import CheckpointDir, read_checkpoint

LOCK_MESSAGES = ("LockException", "Directory cannot be locked")


def _config(path: Path, updates: int = 40) -> Path:
    cfg = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
    cfg["grid"] = {
        "seeds": [1],
        "settings": {"one_to_many": {"reference": "translate_en_de", "auxiliary": {"parse_en": [1]}}},
    }
    cfg["train"].update(updates=updates, checkpoint_every=5, validate_every=20)
    path.write_text(yaml.safe_dump(cfg))
    return path


def _popen(workdir: Path, config: Path, cores: int = 1, out: Path | None = None) -> subprocess.Popen:
    """snakemake in a session of its own; its terminal is a pipe, or the file ``out`` (which the jobs that
    outlive it may go on writing to)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir)]
    cmd += ["--cores", str(cores), f"--configfile={config}"]
    terminal = subprocess.PIPE if out is None else open(out, "w")  # noqa: SIM115 (the child holds it)
    try:
        return subprocess.Popen(
            cmd, env=env, stdout=terminal, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
    finally:
        if out is not None:
            terminal.close()


def _wait_for(proc: subprocess.Popen, found, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not found():
        if proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else "(its output went to a file)"
            raise AssertionError(f"snakemake ended ({proc.returncode}) before the awaited moment:\n{output}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("timed out waiting for snakemake")
        time.sleep(0.005)


def _summary(workdir: Path) -> pd.DataFrame:
    summary = pd.read_csv(workdir / "results" / "summary.csv")
    timing = [c for c in summary.columns if c.endswith("_time_s") or c.endswith("tokens_per_s")]
    return summary.drop(columns=timing).sort_values(["setting", "cell", "seed"]).reset_index(drop=True)


def _run_dirs(workdir: Path) -> list[Path]:
    return sorted(p.parent for p in (workdir / "results" / "runs").glob("*/*/seed*/train.log"))


def _trainers(workdir: Path) -> dict[str, list[int]]:
    """The ``mtseq train`` processes working in ``workdir`` (not the shells around them), by run directory."""
    here, found = str(workdir.resolve()), {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode("utf-8", "replace").split("\0")[:-1]
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd == here and len(args) > 2 and Path(args[1]).name == "mtseq" and args[2] == "train" and "--out" in args:
            found.setdefault(args[args.index("--out") + 1], []).append(int(entry.name))
    return found


def _weights_equal(run: Path, twin: Path) -> bool:
    a, b = load_model(run / "model.pt").state_dict(), load_model(twin / "model.pt").state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# 200 updates: a training lasts long enough (a few seconds) for a kill or a pause to land inside it
UPDATES = 200


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[Path, Path]:
    """(config, working directory) of the derived config run once without any fault: what the faults must give."""
    base = tmp_path_factory.mktemp("uninterrupted")
    config = _config(base / "cfg.yaml", updates=UPDATES)
    snakemake(base / "work", "--cores", "2", f"--configfile={config}")
    return config, base / "work"


@pytest.mark.slow
def test_sigkill_of_snakemake_then_the_same_command_resumes_and_gives_the_same_results(tmp_path, uninterrupted):
    config, clean = uninterrupted
    killed = tmp_path / "killed"

    proc = _popen(killed, config)
    _wait_for(proc, lambda: any((killed / "results" / "runs").glob("*/*/seed*/checkpoints/ckpt-*.pt")))
    os.killpg(proc.pid, signal.SIGKILL)  # snakemake and its running job, as a crash or `kill -9` would
    proc.communicate(timeout=60)
    interrupted = [d for d in _run_dirs(killed) if not (d / "COMPLETED").exists()]
    assert interrupted, "the kill did not land while a run was training"
    assert not (killed / "results" / "summary.csv").exists()

    # the same command again: the killed workflow's lock is cleared (its process is gone), the
    # interrupted cells resume from their checkpoints; rerun-incomplete (profile) redoes the killed job
    resumed = snakemake(killed, "--cores", "1", f"--configfile={config}")
    assert "removed the lock left by a killed snakemake" in resumed.stderr
    for run in interrupted:
        assert (run / "COMPLETED").exists()
    assert "Nothing to be done" in snakemake(killed, "--cores", "1", f"--configfile={config}", "-n").stdout
    assert resumed.returncode == 0

    pd.testing.assert_frame_equal(_summary(killed), _summary(clean))
    for run in interrupted:  # the killed run resumed from its checkpoints and ended with the same weights
        assert "resumed from update" in (run / "train.log").read_text()
        assert _weights_equal(run, clean / run.relative_to(killed))


@pytest.mark.slow
def test_sigkill_of_the_snakemake_process_alone_leaves_one_trainer_per_run_directory(tmp_path, uninterrupted):
    """``kill -9 <snakemake pid>`` (the OOM killer): its training jobs live on as orphans. The same command at
    once must not start a second trainer on their run directories, and must end with the uninterrupted results."""
    config, clean = uninterrupted
    work = tmp_path / "work"
    first = _popen(work, config, cores=2, out=tmp_path / "first.log")
    runs = work / "results" / "runs"

    def both_training() -> bool:
        return len({p.parents[1] for p in runs.glob("*/*/seed*/checkpoints/ckpt-*.pt")}) == 2 == len(_trainers(work))

    _wait_for(first, both_training, timeout=300)
    os.kill(first.pid, signal.SIGKILL)  # the main process only: both trainings go on as orphans
    first.wait()
    # pause the orphans, so that they are surely still running when the same command starts
    os.killpg(first.pid, signal.SIGSTOP)
    try:
        orphans = _trainers(work)
        assert len(orphans) == 2 and all(len(p) == 1 for p in orphans.values()), orphans

        rerun = _popen(work, config, cores=2, out=tmp_path / "rerun.log")
        most, resumed = 0, False
        deadline = time.monotonic() + 300
        while rerun.poll() is None:
            assert time.monotonic() < deadline, "the rerun did not finish"
            most = max([most, *map(len, _trainers(work).values())])
            if not resumed and "mtseq: waiting for 2 job(s)" in (tmp_path / "rerun.log").read_text():
                os.killpg(first.pid, signal.SIGCONT)  # the orphans go on and end; the rerun waits for them
                resumed = True
            time.sleep(0.01)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGCONT)
    said = (tmp_path / "rerun.log").read_text()
    assert rerun.returncode == 0, said[-5000:]
    assert resumed, said[-5000:]
    assert most == 1, f"a run directory had {most} trainers at once"
    assert "removed the lock left by a killed snakemake" in said and "of its jobs still run" in said
    assert "mtseq: the killed workflow's jobs have ended; starting" in said
    assert not any((tmp_path / n).read_text().count("Traceback") for n in ("first.log", "rerun.log"))

    pd.testing.assert_frame_equal(_summary(work), _summary(clean))
    for run in _run_dirs(work):
        assert (run / "COMPLETED").exists()
        assert _weights_equal(run, clean / run.relative_to(work))


@pytest.mark.slow
def test_planning_another_config_while_a_workflow_runs_changes_none_of_its_results(tmp_path, uninterrupted):
    """A dry run and a report of another config (the paper's beam 12 and max_len 100, another grid, model and
    data sections), between the running workflow's train and evaluate jobs, write nothing that its jobs read:
    its metrics are the uninterrupted ones."""
    config, clean = uninterrupted
    cfg = yaml.safe_load(config.read_text())
    cfg["decode"] = {"beam": 12, "max_len": 100}
    cfg["grid"]["seeds"] = [1, 2]
    cfg["model"]["hidden"] = 48
    cfg["data"]["vocab"] = {"max_size": 100}
    cfg["data"]["synth"]["seed"] = 8
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(cfg))

    work = tmp_path / "work"
    running = _popen(work, config)
    runs = work / "results" / "runs"
    _wait_for(running, lambda: any(runs.glob("*/*/seed*/train.json")), timeout=300)
    os.killpg(running.pid, signal.SIGSTOP)  # held between its train and evaluate jobs
    try:
        assert not list(runs.glob("*/*/seed*/metrics.json"))
        sections = [*(work / "results" / "params").iterdir(), *(work / "data" / "tiny" / "params").iterdir()]
        before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sections}
        snakemake(work, "-n", "--cores", "1", f"--configfile={other}")
        snakemake(work, "--report", "report.html", f"--configfile={other}", check=False)
        assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sections} == before
        made = {p.name.split("-")[0] for d in ("results/params", "data/tiny/params") for p in (work / d).iterdir()}
        assert made == {"decode", "grid", "grid+optimum", "model+train", "data.synth", "data.vocab"}
        assert len([*(work / "results" / "params").iterdir()]) == 4  # planning the other config wrote none
    finally:
        os.killpg(running.pid, signal.SIGCONT)
    out, _ = running.communicate(timeout=300)
    assert running.returncode == 0, out[-5000:]

    for run in _run_dirs(work):
        metrics = json.loads((run / "metrics.json").read_text())
        expected = json.loads((clean / run.relative_to(work) / "metrics.json").read_text())
        assert metrics["decode"]["beam"] == yaml.safe_load(config.read_text())["decode"]["beam"]
        assert {k: v for k, v in metrics.items() if k != "eval_time_s"} == {
            k: v for k, v in expected.items() if k != "eval_time_s"
        }
    pd.testing.assert_frame_equal(_summary(work), _summary(clean))

    # nothing of the running config went stale; editing its decode section reruns evaluation and what follows
    assert "Nothing to be done" in snakemake(work, "-n", "--cores", "1", f"--configfile={config}").stdout
    cfg = yaml.safe_load(config.read_text())
    cfg["decode"]["max_len"] = 41
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(cfg))
    plan = snakemake(work, "-n", "--cores", "1", f"--configfile={edited}").stdout
    table = plan.split("Job stats:")[1].split("total")[0]
    counts = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}
    assert counts == {"section": 1, "evaluate": 2, "aggregate": 1, "plot": 1, "tables": 1, "optimum": 1, "all": 1}


@pytest.mark.slow
def test_second_workflow_on_the_same_directory_is_refused_and_the_first_completes(tmp_path):
    config = _config(tmp_path / "cfg.yaml")
    work = tmp_path / "work"
    first = _popen(work, config)
    _wait_for(first, lambda: any((work / "logs").rglob("*.log")))

    second = snakemake(work, "--cores", "1", f"--configfile={config}", check=False, timeout=120)
    assert second.returncode != 0
    assert any(m in second.stdout + second.stderr for m in LOCK_MESSAGES), second.stderr[-3000:]
    assert first.poll() is None, "the first workflow ended before the second was refused"

    out, _ = first.communicate(timeout=300)
    assert first.returncode == 0, out[-5000:]
    assert (work / "results" / "summary.csv").is_file()
    runs = _run_dirs(work)
    assert len(runs) == 2  # baseline and parse1, seed 1
    for run in runs:
        assert json.loads((run / "metrics.json").read_text())
        assert (run / "COMPLETED").exists()
    assert len(pd.read_csv(work / "results" / "summary.csv")) == 2
    assert not list(work.rglob(".*.tmp"))


# --- a full disk ---------------------------------------------------------------------------------------------


def _enospc_on_fsync(monkeypatch, name_part: str) -> list[str]:
    """Make ``os.fsync`` of a file whose name contains ``name_part`` fail with ENOSPC, as a full disk does
    (with delayed allocation the error often appears only at fsync/close). Returns the files that failed."""
    real, hits = os.fsync, []

    def fsync(fd):
        target = os.readlink(f"/proc/self/fd/{fd}")
        if name_part in Path(target).name:
            hits.append(target)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return hits


def _enospc_on_replace(monkeypatch, name_part: str) -> list[str]:
    real, hits = os.replace, []

    def replace(src, dst, *args, **kwargs):
        if name_part in Path(dst).name:
            hits.append(str(dst))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return hits


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith((".tmp", ".part"))]


@pytest.mark.parametrize("inject", [_enospc_on_fsync, _enospc_on_replace], ids=["fsync", "replace"])
def test_disk_full_during_an_atomic_write_keeps_the_old_file(tmp_path, monkeypatch, inject):
    out = tmp_path / "metrics.json"
    mtseq_io.write_json(out, {"bleu": 1.0})
    before = out.read_bytes()
    hits = inject(monkeypatch, "metrics.json")
    with pytest.raises(OSError) as caught:
        mtseq_io.write_json(out, {"bleu": 2.0, "padding": "x" * 10000})
    assert hits and caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(out)  # the error names the output, not an anonymous fd
    assert out.read_bytes() == before and json.loads(before) == {"bleu": 1.0}
    assert _temp_files(tmp_path) == []


def test_disk_full_during_a_checkpoint_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    ckpts = CheckpointDir(tmp_path / "checkpoints", keep=2)
    first = ckpts.save(5, {"update": 5, "w": torch.arange(10.0)})
    hits = _enospc_on_fsync(monkeypatch, "ckpt-000000010")
    with pytest.raises(OSError) as caught:
        ckpts.save(10, {"update": 10, "w": torch.arange(1000.0)})
    assert hits and caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(tmp_path / "checkpoints" / "ckpt-000000010.pt")
    assert ckpts.paths() == [first]  # no truncated ckpt-000000010.pt
    assert read_checkpoint(first)["update"] == 5
    assert ckpts.load_latest()["update"] == 5
    assert _temp_files(tmp_path) == []


class _FullDiskFile:
    """A real file whose writes fail with ENOSPC once ``budget`` characters are written."""

    def __init__(self, fh, budget: int = 3):
        self.fh, self.budget = fh, budget

    def write(self, data):
        self.budget -= len(data)
        if self.budget < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.fh.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()


def test_disk_full_in_a_stage_is_one_line_naming_the_file(tmp_path, monkeypatch, capsys):
    en, de = tmp_path / "x.en", tmp_path / "x.de"
    en.write_text("a b\nc d\n")
    de.write_text("e f\ng h\n")
    out_en, out_de = tmp_path / "tok" / "x.en", tmp_path / "tok" / "x.de"
    out_en.parent.mkdir()
    out_en.write_text("old en\n")
    out_de.write_text("old de\n")
    argv = ["tokenise", "--inputs", str(en), str(de), "--langs", "en", "de", "--outputs", str(out_en), str(out_de)]

    def full_disk_open(file, mode="r", *args, **kwargs):
        fh = open(file, mode, *args, **kwargs)  # noqa: SIM115 - closed by the wrapper
        return _FullDiskFile(fh) if "w" in mode and ".x.de." in Path(file).name else fh

    monkeypatch.setattr(mtseq_io, "open", full_disk_open, raising=False)
    assert main(argv) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if "mtseq" in ln or "Traceback" in ln]
    assert err == [f"mtseq: error: {out_de}: {os.strerror(errno.ENOSPC)}"]
    assert out_en.read_text() == "old en\n" and out_de.read_text() == "old de\n"  # neither side landed
    assert _temp_files(tmp_path) == []


def test_disk_full_at_a_checkpoint_during_training_stops_with_one_line_and_resumes(tmp_path, monkeypatch, capsys):
    data = build_corpus(tmp_path / "corpus", n_train=32, n_valid=6)
    config = tmp_path / "cfg.yaml"
    config.write_text(yaml.safe_dump(tiny_config(train={"updates": 6, "checkpoint_every": 2, "validate_every": 0})))
    run = tmp_path / "run"
    argv = ["train", "--config", str(config), "--setting", "one_to_many", "--reference", "translate_en_de"]
    argv += ["--ratios", "parse_en=0.5", "--seed", "1", "--data", str(data), "--out", str(run), "--no-progress"]

    with monkeypatch.context() as m:
        hits = _enospc_on_fsync(m, "ckpt-000000004")
        assert main(argv) == 2
    assert hits
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"mtseq: error: {run / 'checkpoints' / 'ckpt-000000004.pt'}: {os.strerror(errno.ENOSPC)}"
    assert [p.name for p in CheckpointDir(run / "checkpoints").paths()] == ["ckpt-000000002.pt"]
    assert read_checkpoint(run / "checkpoints" / "ckpt-000000002.pt")["update"] == 2
    assert not (run / "model.pt").exists() and not (run / "COMPLETED").exists()
    assert _temp_files(run) == []

    # space freed: the same command resumes from update 2 and completes
    assert main(argv) == 0
    assert (run / "COMPLETED").exists()
    assert "resumed from update 2" in (run / "train.log").read_text()
