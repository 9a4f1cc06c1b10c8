"""train.select: the best validation's weights, early stopping, resume; decode.also_greedy."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import torch

from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.config import fill_section
from mtseq.evaluate.run import evaluate_run
from mtseq.model import load_model
from mtseq.train import trainer as trainer_module
from mtseq.train.checkpoint import CheckpointDir
from mtseq.train.run import train_run
from mtseq.train.select import Selection

TIMING = ("wall_time_s", "train_tokens_per_s")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def rising_ppl(monkeypatch):
    """Validation perplexity that gets worse as the model learns (-real ppl): the first validation
    is the best, so a run must keep early weights and stop; a function of the weights alone, so a
    resumed run sees the same values."""
    real = trainer_module.perplexity
    monkeypatch.setattr(trainer_module, "perplexity", lambda *a, **k: 1000.0 - real(*a, **k))


def _cfg(**train):
    base = {"updates": 30, "validate_every": 3, "checkpoint_every": 2, "keep_checkpoints": 100}
    return tiny_config(train={**base, **train})


def _weights(path):
    return load_model(path).state_dict()


def _same(a, b) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _expected(points: list, patience: int | None) -> tuple[int, int]:
    """(best update, last update) from the recorded validations, by the rule the docs state."""
    best, stale = math.inf, 0
    best_update = None
    for update, ppl in points:
        if ppl < best:
            best, best_update, stale = ppl, update, 0
        else:
            stale += 1
        if patience is not None and stale >= patience:
            return best_update, update
    return best_update, points[-1][0]


def test_selection_keeps_the_lowest_and_counts_validations_since():
    model = torch.nn.Linear(2, 2)
    sel = Selection({"model": "best", "patience": 2})
    assert sel.observe(3, 3, 5.0, model)
    kept = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.weight.add_(1.0)
    assert not sel.observe(6, 6, 5.0, model)  # equal is not better
    assert not sel.exhausted
    assert not sel.observe(9, 9, 7.0, model)
    assert sel.exhausted and sel.best == {"update": 3, "ref_done": 3, "ppl": 5.0}
    again = Selection({"model": "best", "patience": 2})
    again.load_state_dict(sel.state_dict())
    assert again.best == sel.best and again.stale == 2 and again.exhausted
    again.restore_best(model)
    assert _same(model.state_dict(), kept)
    assert sel.summary(True) == {"selected": "best", "best_valid": sel.best, "stopped_early": True}


def test_last_without_patience_changes_nothing(corpus, tmp_path, rising_ppl):
    result = train_run(_cfg(), "one_to_many", "translate_en_de", {}, 1, corpus, tmp_path / "run")
    assert result["total_updates"] == 30 and not result["stopped_early"] and result["selected"] == "last"
    last = CheckpointDir(tmp_path / "run" / "checkpoints").load_latest()["model"]
    assert _same(_weights(tmp_path / "run" / "model.pt"), last)


def test_best_weights_and_early_stop(corpus, tmp_path, rising_ppl):
    cfg = _cfg(select={"model": "best", "patience": 2})
    result = train_run(cfg, "one_to_many", "translate_en_de", {}, 1, corpus, tmp_path / "run")
    points = result["valid_ppl"]["translate_en_de"]
    best_update, stop_update = _expected(points, 2)
    assert result["stopped_early"] and result["total_updates"] == stop_update < 30
    assert result["best_valid"]["update"] == best_update and result["selected"] == "best"
    # model.pt holds the weights a run trained exactly to the best update ends with
    short = train_run(_cfg(updates=best_update), "one_to_many", "translate_en_de", {}, 1, corpus, tmp_path / "short")
    assert short["total_updates"] == best_update
    assert _same(_weights(tmp_path / "run" / "model.pt"), _weights(tmp_path / "short" / "model.pt"))


def test_a_run_killed_between_best_and_stop_resumes_to_the_same_choice(corpus, tmp_path, rising_ppl):
    cfg = _cfg(select={"model": "best", "patience": 3})
    clean = train_run(cfg, "one_to_many", "translate_en_de", {}, 2, corpus, tmp_path / "clean")
    best, stop = clean["best_valid"]["update"], clean["total_updates"]
    assert clean["stopped_early"] and stop - best >= 4
    killed = tmp_path / "killed"
    shutil.copytree(tmp_path / "clean", killed)
    for name in ("COMPLETED", "train.json", "model.pt"):
        (killed / name).unlink()
    cut = best + 2  # a checkpoint after the best validation, before the stop
    for path in CheckpointDir(killed / "checkpoints").paths():
        if int(path.stem.split("-")[1]) > cut:
            path.unlink()
    again = train_run(cfg, "one_to_many", "translate_en_de", {}, 2, corpus, killed)
    drop = lambda r: {k: v for k, v in r.items() if k not in TIMING}  # noqa: E731
    assert drop(again) == drop(clean)
    assert _same(_weights(killed / "model.pt"), _weights(tmp_path / "clean" / "model.pt"))


def test_also_greedy_reports_both_decoders(corpus, tmp_path):
    run = tmp_path / "run"
    train_run(tiny_config(train={"updates": 6}), "one_to_many", "translate_en_de", {}, 1, corpus, run)
    decode = fill_section("decode", {"beam": 3, "also_greedy": True})
    metrics = evaluate_run(run, corpus, decode)
    test = metrics["tasks"]["translate_en_de"]["test"]
    assert {"bleu_greedy", "chrf_greedy", "bleu_tok_greedy"} <= set(test)
    assert "bleu_greedy" not in metrics["tasks"]["translate_en_de"]["valid"]
    greedy = (run / "hyp.translate_en_de.test.greedy").read_text().splitlines()
    beam1 = evaluate_run(run, corpus, {**decode, "beam": 1, "also_greedy": False})
    assert beam1["tasks"]["translate_en_de"]["test"]["bleu"] == test["bleu_greedy"]
    assert (run / "hyp.translate_en_de.test").read_text().splitlines() == greedy
    assert json.loads((run / "metrics.json").read_text())["decode"]["beam"] == 1
