"""Runs pair by seed: seed k of any cell starts, batches and drops out its reference task like the baseline's seed k.

Without this a cell at α = 0.01 (about 16 auxiliary updates in 1,570) is in effect a re-seeded baseline,
and a paired comparison of cells with their baseline has nothing to pair.
"""

from __future__ import annotations

import pytest
import torch

from mtseq.bench.fixture import SETTINGS, build_corpus, tiny_config
from mtseq.config import fill_section
from mtseq.layout import Layout
from mtseq.model import build_model
from mtseq.train import trainer as trainer_mod
from mtseq.train.mixing import Mixer
from mtseq.train.run import _load_data
from mtseq.train.trainer import Trainer, reference_updates

STEP_SEED = trainer_mod.step_seed


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("corpus"))


VOCAB = {"en": 50, "de": 60, "lin": 20}


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_shared_and_reference_modules_start_alike_whatever_the_auxiliary_modules(setting):
    reference, ratios = SETTINGS[setting]
    base = build_model(tiny_config()["model"], [reference], VOCAB, feature_dim=5, seed=7).state_dict()
    multi = build_model(tiny_config()["model"], [reference, *sorted(ratios)], VOCAB, feature_dim=5, seed=7)
    multi = multi.state_dict()
    assert set(base) < set(multi)  # the auxiliary tasks add modules
    assert all(torch.equal(base[k], multi[k]) for k in base)
    other = build_model(tiny_config()["model"], [reference], VOCAB, feature_dim=5, seed=8).state_dict()
    assert not all(torch.equal(base[k], other[k]) for k in base)


def _trainer(corpus, tasks, ratios, seed=3, strategy="constant"):
    cfg = fill_section("train", {**tiny_config()["train"], "mixing": {"strategy": strategy}})
    vocabs, train, valid = _load_data(Layout(corpus), tasks, cfg["max_len"])
    model = build_model(tiny_config()["model"], tasks, {k: len(v) for k, v in vocabs.items()}, seed=seed)
    n = reference_updates(cfg, train[tasks[0]].__len__() // cfg["batch_size"] + 1)
    mixer = Mixer(tasks[0], ratios, {t: len(d) for t, d in train.items()}, cfg["mixing"], seed, n)
    return Trainer(model, train, valid, mixer, cfg, seed, torch.device("cpu"), validate=False)


def _record_reference(monkeypatch, trainer, reference):
    """The reference task's batches (target ids) and dropout seeds, in training order."""
    seen = {"batches": [], "seeds": []}
    real_batch, real_seed = trainer._batch, STEP_SEED

    def batch(task):
        out = real_batch(task)
        if task == reference:
            seen["batches"].append(out[0].tgt_in.clone())
        return out

    def seed(s, task, k, rank=0):
        if task == reference:
            seen["seeds"].append(real_seed(s, task, k, rank))
        return real_seed(s, task, k, rank)

    monkeypatch.setattr(trainer, "_batch", batch)
    monkeypatch.setattr(trainer_mod, "step_seed", seed)
    return seen


@pytest.mark.parametrize("strategy", ["constant", "stratified"])
def test_an_auxiliary_task_leaves_the_reference_batches_and_dropout_unchanged(corpus, monkeypatch, strategy):
    reference = "translate_en_de"
    base = _trainer(corpus, [reference], {}, strategy=strategy)
    seen_base = _record_reference(monkeypatch, base, reference)
    base.run()
    multi = _trainer(corpus, [reference, "parse_en"], {"parse_en": 0.5}, strategy=strategy)
    seen_multi = _record_reference(monkeypatch, multi, reference)
    multi.run()
    assert multi.counts["parse_en"] > 0 and multi.counts[reference] == base.counts[reference]
    assert len(seen_base["batches"]) == len(seen_multi["batches"]) == base.N
    assert all(torch.equal(a, b) for a, b in zip(seen_base["batches"], seen_multi["batches"]))
    assert seen_base["seeds"] == seen_multi["seeds"]


def test_ratio_zero_gives_weights_bit_identical_to_the_baseline(corpus):
    """A model that holds an auxiliary task's modules but mixes it at α = 0 trains exactly as the baseline."""
    reference = "translate_en_de"
    base = _trainer(corpus, [reference], {})
    base.run()
    zero = _trainer(corpus, [reference, "parse_en"], {"parse_en": 0.0})
    zero.run()
    a, b = base.model.state_dict(), zero.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_stratified_mixing_realises_exact_counts_spread_evenly():
    n = 1570
    mixer = Mixer("a", {"b": 0.01, "c": 0.3}, {"a": 1, "b": 1, "c": 1}, {"strategy": "stratified"}, 4, n)
    tasks = [mixer.draw(u, 0) for u in range(1, n + 16 + 471 + 1)]
    assert tasks.count("a") == n and tasks.count("b") == 16 and tasks.count("c") == 471
    assert tasks[-1] == "a"  # no auxiliary update is lost after the last reference one
    assert mixer.expected_updates() == {"a": n, "b": 16, "c": 471}
    # evenly: the b updates fall one per n/16 reference updates
    ref_before = [tasks[:i].count("a") for i, t in enumerate(tasks) if t == "b"]
    gaps = [y - x for x, y in zip(ref_before, ref_before[1:])]
    assert max(gaps) - min(gaps) <= 1
    # the phase is a function of (seed, task) alone
    again = Mixer("a", {"b": 0.01, "c": 0.3}, {"a": 1, "b": 1, "c": 1}, {"strategy": "stratified"}, 4, n)
    other = Mixer("a", {"b": 0.01, "c": 0.3}, {"a": 1, "b": 1, "c": 1}, {"strategy": "stratified"}, 5, n)
    assert [again.draw(u, 0) for u in range(1, len(tasks) + 1)] == tasks
    assert [other.draw(u, 0) for u in range(1, len(tasks) + 1)] != tasks
