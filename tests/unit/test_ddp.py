"""Data-parallel training (gloo, 2 CPU processes) follows the 1-process run; rank 0 alone writes; resume works.

Tolerance: with dropout 0 the two runs differ only in how float32 sums are split (each rank sums
its half of the batch, the all-reduce adds the halves), so the per-update losses agree to a
relative 1e-5 (measured: 1.6e-7 over the 23 updates; the test prints it). The weights, after
Adam (which turns float noise in tiny gradients into ~1e-6 steps), agree to 1e-5 absolute (measured 1.8e-6).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
import yaml

from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.layout import Layout
from mtseq.model import load_model
from mtseq.train import distributed
from mtseq.train.batches import make_batch
from mtseq.train.checkpoint import CheckpointDir
from mtseq.train.examples import load_task, load_vocabs
from mtseq.train.run import train_run
from mtseq.train.trainer import Trainer

REPO = Path(__file__).resolve().parents[2]
WORLD = 2
RTOL = 1e-5
TIMING = ("wall_time_s", "train_tokens_per_s")
RUN = ("one_to_many", "translate_en_de", {"parse_en": 0.7, "autoencode_en": 0.3})
# Adam: a parameter some task never touches must keep grad None (a zero gradient would still move it);
# batch 53: 160 = 3 x 53 + 1, so each epoch ends with a one-sentence batch and rank 1's slice is empty.
CFG = tiny_config(
    model={"dropout": 0.0},
    train={"updates": 12, "batch_size": 53, "optimizer": "adam", "lr": 0.01, "loss_norm": "tokens"},
)
CFG["train"].update(checkpoint_every=5, keep_checkpoints=100)


def _record(calls: dict):
    """Patch the trainer (this process) to log every update's loss and every checkpoint written; returns an undo."""
    check, save = Trainer._check, CheckpointDir.save

    def recording_check(self):
        if self._pending is not None:
            task, update, loss, *_ = self._pending
            calls["curve"].append([update, task, float(loss)])
        check(self)

    def counting_save(self, update, state):
        calls["saves"].append(update)
        return save(self, update, state)

    Trainer._check, CheckpointDir.save = recording_check, counting_save

    def undo():
        Trainer._check, CheckpointDir.save = check, save

    return undo


def _worker(rank: int, port: int, corpus: str, out: str, report: str) -> None:
    os.environ.update(
        RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(WORLD), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)
    )
    calls = {"curve": [], "saves": []}
    _record(calls)
    setting, reference, ratios = RUN
    result = train_run(CFG, setting, reference, ratios, 3, corpus, out)
    Path(f"{report}.{rank}").write_text(json.dumps({**calls, "result": result}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def runs(corpus, tmp_path_factory):
    """The same run in one process (here) and in two (torch.multiprocessing, gloo), with what each rank saw."""
    root = tmp_path_factory.mktemp("ddp")
    setting, reference, ratios = RUN
    one = {"curve": [], "saves": []}
    undo = _record(one)
    try:
        one["result"] = train_run(CFG, setting, reference, ratios, 3, corpus, root / "one")
    finally:
        undo()
    report = root / "report"
    mp.spawn(_worker, args=(_free_port(), str(corpus), str(root / "two"), str(report)), nprocs=WORLD)
    ranks = [json.loads(Path(f"{report}.{r}").read_text()) for r in range(WORLD)]
    return root, one, ranks


def test_batch_counts_match_make_batch(corpus):
    layout = Layout(corpus)
    for task in ("translate_en_de", "caption_en"):
        data = load_task(layout, task, "train", load_vocabs(layout, ["en", "de", "img"]))
        idx = np.arange(3, 40, 3)
        batch = make_batch(data, idx)
        assert distributed.batch_counts(data, idx) == (batch.size, batch.src_tokens, batch.tgt_tokens)
    group = distributed.Group(1, 3, "gloo", torch.device("cpu"))
    assert [len(group.shard(np.arange(n))) for n in (7, 2)] == [2, 1]
    assert len(distributed.Group(2, 3, "gloo", torch.device("cpu")).shard(np.arange(2))) == 0


def test_two_processes_follow_the_one_process_loss_curve(runs):
    root, one, ranks = runs
    # same tasks in the same order, losses within the tolerance (every rank sees the global loss)
    for got in ranks:
        assert [c[:2] for c in got["curve"]] == [c[:2] for c in one["curve"]]
    a = np.array([c[2] for c in one["curve"]])
    b = np.array([c[2] for c in ranks[0]["curve"]])
    rel = np.abs(a - b) / np.abs(a)
    print(f"\nDDP vs 1 process: {len(a)} updates, max relative loss difference {rel.max():.2e}")
    assert rel.max() < RTOL
    assert [c[2] for c in ranks[1]["curve"]] == list(b)  # the ranks agree exactly

    # rank 0 alone writes: every checkpoint once, by rank 0; train.json as the 1-process one
    assert ranks[0]["saves"] == one["saves"] and ranks[1]["saves"] == []
    saved = json.loads((root / "two" / "train.json").read_text())
    assert saved == ranks[0]["result"] and saved["processes"] == WORLD
    for key in ("updates", "total_updates", "reference_updates", "expected_updates"):
        assert saved[key] == one["result"][key]
    assert saved["final_valid_ppl"] == pytest.approx(one["result"]["final_valid_ppl"], rel=1e-4)
    log = (root / "two" / "train.log").read_text()
    assert log.count(" INFO run ") == 1 and "x 2 processes (gloo)" in log
    wa, wb = (load_model(root / name / "model.pt").state_dict() for name in ("one", "two"))
    worst = max(float((wa[k] - wb[k]).abs().max()) for k in wa)
    print(f"max weight difference {worst:.2e}")
    assert worst < 1e-5  # Adam divides by sqrt(v): tiny gradients turn float noise into ~1e-6 steps


def test_cli_nproc_resumes_a_ddp_run_bit_identically(runs, corpus, tmp_path):
    """``mtseq train --nproc 2`` (through torchrun), killed after update 10, ends where the uninterrupted run did."""
    root, _, ranks = runs
    full, resumed = root / "two", tmp_path / "resumed"
    total = ranks[0]["result"]["total_updates"]
    written = [*range(5, total + 1, 5)] + ([total] if total % 5 else [])
    assert [p.name for p in CheckpointDir(full / "checkpoints").paths()] == [f"ckpt-{u:09d}.pt" for u in written]

    shutil.copytree(full, resumed)  # as if killed just after writing checkpoint 10
    for name in ("COMPLETED", "train.json", "model.pt"):
        (resumed / name).unlink()
    for path in CheckpointDir(resumed / "checkpoints").paths()[2:]:
        path.unlink()
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    cfg["model"], cfg["train"] = CFG["model"], CFG["train"]
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg))
    setting, reference, ratios = RUN
    cmd = [sys.executable, "-m", "mtseq.cli", "train", "--config", str(config), "--setting", setting]
    cmd += ["--reference", reference, "--ratios", ",".join(f"{t}={r}" for t, r in ratios.items())]
    cmd += ["--seed", "3", "--data", str(corpus), "--out", str(resumed), "--no-progress", "--nproc", str(WORLD)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]

    assert "resumed from update 10" in (resumed / "train.log").read_text()
    want, got = (json.loads((d / "train.json").read_text()) for d in (full, resumed))
    for key in TIMING:
        want.pop(key), got.pop(key)
    assert got == want
    a, b = load_model(full / "model.pt").state_dict(), load_model(resumed / "model.pt").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def _early_stop_worker(rank: int, port: int, corpus: str, out: str, report: str) -> None:
    os.environ.update(
        RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(WORLD), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)
    )
    from mtseq.train import trainer as trainer_module

    real = trainer_module.perplexity
    trainer_module.perplexity = lambda *a, **k: 1000.0 - real(*a, **k)  # worse as it learns: stop early
    cfg = tiny_config(**{k: dict(v) for k, v in CFG.items()})
    cfg["train"].update(validate_every=2, select={"model": "best", "patience": 2})
    setting, reference, ratios = RUN
    result = train_run(cfg, setting, reference, ratios, 3, corpus, out)
    Path(f"{report}.{rank}").write_text(json.dumps(result))


def test_every_rank_stops_early_with_the_writer(corpus, tmp_path):
    """Only rank 0 validates; its stop decision reaches rank 1, which would otherwise wait in an all-reduce."""
    report = tmp_path / "report"
    args = (_free_port(), str(corpus), str(tmp_path / "run"), str(report))
    ctx = mp.spawn(_early_stop_worker, args=args, nprocs=WORLD, join=False)
    for _ in range(600):  # a hang detector, not a timing: the run takes seconds on an idle machine
        if ctx.join(timeout=1):
            break
    else:
        for proc in ctx.processes:
            proc.kill()
        pytest.fail("the ranks did not finish within 600 s (a rank kept training past the early stop?)")
    ranks = [json.loads(Path(f"{report}.{r}").read_text()) for r in range(WORLD)]
    assert ranks[0]["stopped_early"] and ranks[1]["stopped_early"]
    assert ranks[0]["total_updates"] == ranks[1]["total_updates"] < CFG["train"]["updates"]
