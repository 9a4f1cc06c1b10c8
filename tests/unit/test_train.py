"""Training runs end to end on the fixture corpus: outputs, determinism, failures, resume paths."""

from __future__ import annotations

import json
import logging
import math
import shutil

import pytest
import torch
import yaml

from mtseq.bench.fixture import SETTINGS, build_corpus, tiny_config
from mtseq.config import fill_section
from mtseq.errors import ConfigError, MtseqError
from mtseq.layout import Layout
from mtseq.model import MultiTaskModel, load_model
from mtseq.tasks import get_task
from mtseq.text.vocab import Vocab
from mtseq.train.batches import BatchIterator
from mtseq.train.checkpoint import CheckpointDir, read_checkpoint
from mtseq.train.run import train_run
from mtseq.train.schedule import halvings, learning_rate

TIMING = ("wall_time_s", "train_tokens_per_s")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("corpus"))


def _metrics(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in TIMING}


def _weights(path):
    return load_model(path).state_dict()


def _same_weights(a, b) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_each_setting_trains_end_to_end(setting, corpus, tmp_path):
    reference, ratios = SETTINGS[setting]
    out = tmp_path / "run"
    result = train_run(tiny_config(), setting, reference, ratios, 1, corpus, out)
    for name in ("config.yaml", "train.log", "train.json", "model.pt", "COMPLETED"):
        assert (out / name).is_file(), name
    saved = json.loads((out / "train.json").read_text())
    assert saved == result
    n = saved["reference_updates"]
    assert n == 2 * saved["batches_per_reference_epoch"] and saved["updates"][reference] == n
    assert set(saved["updates"]) == {reference, *ratios} and saved["ratios"][reference] == 1.0
    assert saved["total_updates"] == sum(saved["updates"].values())
    assert saved["expected_updates"] == pytest.approx({reference: n, **{t: a * n for t, a in ratios.items()}})
    for task in saved["updates"]:
        curve = saved["valid_ppl"][task]
        assert [u for u, _ in curve] == sorted({u for u, _ in curve}) and len(curve) == 2
        assert math.isfinite(saved["final_valid_ppl"][task]) and saved["final_valid_ppl"][task] == curve[-1][1]
    # the reference task learns something in two tiny epochs (a uniform guess has ppl = vocabulary size)
    vocab_size = len(Vocab.load(Layout(corpus).vocab(get_task(reference).target)))
    assert saved["final_valid_ppl"][reference] < 0.6 * vocab_size
    assert saved["lr_final"] == pytest.approx(0.7 / 4)  # halved at epoch 1 and at epoch 2
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["run"]["setting"] == setting and cfg["model"]["hidden"] == 32 and cfg["train"]["loss_norm"]
    model = load_model(out / "model.pt")
    assert isinstance(model, MultiTaskModel) and set(model.task_names) == set(saved["updates"])
    assert "N=" in (out / "train.log").read_text()


def test_same_seed_twice_gives_identical_weights(corpus, tmp_path):
    reference, ratios = SETTINGS["one_to_many"]
    cfg = tiny_config(train={"updates": 12})
    a = train_run(cfg, "one_to_many", reference, ratios, 5, corpus, tmp_path / "a")
    b = train_run(cfg, "one_to_many", reference, ratios, 5, corpus, tmp_path / "b")
    c = train_run(cfg, "one_to_many", reference, ratios, 6, corpus, tmp_path / "c")
    assert _metrics(a) == _metrics(b)
    assert _same_weights(_weights(tmp_path / "a/model.pt"), _weights(tmp_path / "b/model.pt"))
    assert not _same_weights(_weights(tmp_path / "a/model.pt"), _weights(tmp_path / "c/model.pt"))
    assert a["valid_ppl"] != c["valid_ppl"]


def test_baseline_sees_the_same_reference_batches(corpus, tmp_path, monkeypatch):
    """α = 0 runs exactly N reference updates, on the batches the multi-task run's reference gets."""
    seen: dict[str, list] = {}
    original = BatchIterator.next_indices

    def record(self):
        idx = original(self)
        seen.setdefault(self._run, []).append((self.data.task.name, idx.tolist()))
        return idx

    monkeypatch.setattr(BatchIterator, "next_indices", record)
    cfg = tiny_config(train={"updates": 15})
    for name, ratios in (("base", {"parse_en": 0.0}), ("multi", {"parse_en": 1.0})):
        BatchIterator._run = name
        result = train_run(cfg, "one_to_many", "translate_en_de", ratios, 3, corpus, tmp_path / name)
        assert result["updates"]["translate_en_de"] == 15
    assert result["updates"]["parse_en"] > 0
    assert set(json.loads((tmp_path / "base/train.json").read_text())["updates"]) == {"translate_en_de"}
    ref = {name: [idx for task, idx in draws if task == "translate_en_de"] for name, draws in seen.items()}
    assert len(ref["base"]) == 15 and ref["base"] == ref["multi"]


def test_completed_run_does_nothing_and_refuses_other_args(corpus, tmp_path, monkeypatch):
    cfg = tiny_config(train={"updates": 6})
    out = tmp_path / "run"
    first = train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.1}, 1, corpus, out)
    stamp = (out / "model.pt").stat().st_mtime_ns
    monkeypatch.setattr("mtseq.train.run._train", lambda *a: pytest.fail("retrained a completed run"))
    rewritten = train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.1}, 1, corpus, out)
    assert _metrics(rewritten) == _metrics(first)
    assert (out / "model.pt").stat().st_mtime_ns == stamp
    with pytest.raises(MtseqError, match="different config"):
        train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.2}, 1, corpus, out)
    monkeypatch.undo()
    (out / "train.json").unlink()  # e.g. removed by Snakemake as an incomplete output: rewritten from the checkpoint
    rewritten = train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.1}, 1, corpus, out)
    assert _metrics(rewritten) == _metrics(first)
    other = train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.2}, 1, corpus, out, overwrite=True)
    assert other["ratios"]["parse_en"] == 0.2 and json.loads((out / "train.json").read_text()) == other


def test_a_completed_run_on_other_data_at_the_same_path_is_not_taken_up(corpus, tmp_path):
    """Regenerated data (a changed data param) at the same path: the finished run is of another fingerprint,
    refused as such and retrained with --overwrite, never rewritten from its old checkpoint (issue 14)."""
    data = tmp_path / "data"
    shutil.copytree(corpus, data)
    cfg = tiny_config(train={"updates": 6})
    out = tmp_path / "run"
    first = train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.1}, 1, data, out)
    lines = (data / "tok" / "translate.train.en").read_text().splitlines(keepends=True)
    (data / "tok" / "translate.train.en").write_text("".join(lines[1:] + lines[:1]))  # the same words, new pairs
    (data / "tok" / "translate.train.de").write_text(
        "".join((lambda d: d[1:] + d[:1])((data / "tok" / "translate.train.de").read_text().splitlines(True)))
    )
    (out / "train.json").unlink()  # what Snakemake does before it reruns the job
    with pytest.raises(MtseqError, match="different config"):
        train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.1}, 1, data, out)
    again = train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.1}, 1, data, out, overwrite=True)
    assert again["total_updates"] == first["total_updates"] and _metrics(again) != _metrics(first)


def test_resume_after_corrupt_latest_checkpoint(corpus, tmp_path, caplog):
    reference, ratios = SETTINGS["many_to_one"]
    cfg = tiny_config(train={"updates": 14, "checkpoint_every": 4})
    out = tmp_path / "run"
    first = train_run(cfg, "many_to_one", reference, ratios, 2, corpus, out)
    want = _weights(out / "model.pt")
    ckpts = CheckpointDir(out / "checkpoints").paths()
    assert len(ckpts) == 2 and ckpts[-1].name == f"ckpt-{first['total_updates']:09d}.pt"
    # simulate a kill just after the final checkpoint: outputs gone, latest checkpoint truncated
    for name in ("COMPLETED", "train.json", "model.pt"):
        (out / name).unlink()
    data = ckpts[-1].read_bytes()
    ckpts[-1].write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING, logger="mtseq.train"):
        again = train_run(cfg, "many_to_one", reference, ratios, 2, corpus, out)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and str(ckpts[-1]) in warnings[0] and "corrupt" in warnings[0]
    assert _metrics(again) == _metrics(first)
    assert _same_weights(_weights(out / "model.pt"), want)
    read_checkpoint(CheckpointDir(out / "checkpoints").paths()[-1])  # rewritten intact


def test_flipped_byte_is_detected(corpus, tmp_path, caplog):
    cfg = tiny_config(train={"updates": 6, "checkpoint_every": 3})
    out = tmp_path / "run"
    train_run(cfg, "one_to_many", "translate_en_de", {}, 1, corpus, out)
    want = _weights(out / "model.pt")
    for name in ("COMPLETED", "train.json", "model.pt"):
        (out / name).unlink()
    for path in CheckpointDir(out / "checkpoints").paths():  # both corrupt: start over
        data = bytearray(path.read_bytes())
        data[len(data) // 3] ^= 0x01
        path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="mtseq.train"):
        train_run(cfg, "one_to_many", "translate_en_de", {}, 1, corpus, out)
    assert sum("checksum mismatch" in r.getMessage() for r in caplog.records) == 2
    assert _same_weights(_weights(out / "model.pt"), want)


def test_nan_loss_stops_with_task_and_update(corpus, tmp_path, monkeypatch):
    original = MultiTaskModel.forward
    calls = {"n": 0}

    def poisoned(self, task, batch, **kwargs):
        nll = original(self, task, batch, **kwargs)
        if self.training:
            calls["n"] += 1
            if calls["n"] == 9:
                calls["task"] = task
                return nll * float("nan")
        return nll

    monkeypatch.setattr(MultiTaskModel, "forward", poisoned)
    cfg = tiny_config(train={"updates": 20, "checkpoint_every": 3})
    out = tmp_path / "run"
    with pytest.raises(MtseqError) as err:
        train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 1.0}, 1, corpus, out)
    msg = str(err.value)
    assert f"task {calls['task']}" in msg and "at update 9" in msg and "loss is nan" in msg
    assert "ckpt-000000006.pt" in msg
    ckpts = CheckpointDir(out / "checkpoints").paths()
    assert [p.name for p in ckpts] == ["ckpt-000000003.pt", "ckpt-000000006.pt"]
    assert read_checkpoint(ckpts[-1])["update"] == 6
    assert not (out / "COMPLETED").exists() and not (out / "model.pt").exists()


def test_long_examples_are_skipped_and_counted(corpus, tmp_path):
    cfg = tiny_config(train={"updates": 4, "max_len": 5})
    result = train_run(cfg, "one_to_many", "translate_en_de", {}, 1, corpus, tmp_path / "run")
    # fixture sentences have 5-6 tokens; every linearised tree is longer than 5
    assert 0 < result["skipped_long"]["translate_en_de"] < 160
    assert result["train_examples"]["translate_en_de"] + result["skipped_long"]["translate_en_de"] == 160
    with pytest.raises(MtseqError, match="parse_en has no training examples"):
        train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.5}, 1, corpus, tmp_path / "r2")


def test_adam_attention_and_validate_every(corpus, tmp_path):
    cfg = tiny_config(
        model={"attention": True}, train={"optimizer": "adam", "lr": 0.01, "updates": 12, "validate_every": 5}
    )
    result = train_run(cfg, "many_to_one", "translate_de_en", {"caption_en": 0.5}, 1, corpus, tmp_path / "run")
    points = [u for u, _ in result["valid_ppl"]["caption_en"]]
    assert points[:-1] == list(range(5, result["total_updates"], 5))[: len(points) - 1]
    assert points[-1] == result["total_updates"]


def test_lr_schedule_follows_reference_epochs():
    assert [halvings(e, 8, 1) for e in (0, 7.9, 8, 8.5, 9, 11.99)] == [0, 0, 1, 1, 2, 4]
    assert [halvings(e, 4, 0.5) for e in (3.9, 4, 4.4, 4.5, 5.0)] == [0, 1, 1, 2, 3]
    assert learning_rate(0.7, ref_done=50, batches_per_epoch=10, start=5, cycle=1) == pytest.approx(0.35)
    assert learning_rate(0.7, ref_done=49, batches_per_epoch=10, start=5, cycle=1) == pytest.approx(0.7)


def test_bad_arguments_are_refused(corpus, tmp_path):
    cfg = tiny_config()
    with pytest.raises(ConfigError, match="one source"):
        train_run(cfg, "one_to_many", "translate_en_de", {"translate_de_en": 0.1}, 1, corpus, tmp_path / "a")
    with pytest.raises(ConfigError, match="reference task"):
        train_run(cfg, "one_to_many", "translate_en_de", {"translate_en_de": 0.1}, 1, corpus, tmp_path / "b")
    with pytest.raises(ConfigError, match="train.optimiser"):
        fill_section("train", {"optimiser": "sgd"})
    missing = tmp_path / "nodata"
    shutil.copytree(corpus / "vocab", missing / "vocab")
    with pytest.raises(MtseqError, match="file not found"):
        train_run(cfg, "one_to_many", "translate_en_de", {}, 1, missing, tmp_path / "c")
