"""evaluate.attention: the statistics that tell an aligning attention from a collapsed one."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mtseq.evaluate.attention import attention_stats, has_text_attention
from mtseq.model import build_model
from mtseq.tasks import get_task
from mtseq.train.examples import Ragged, TaskData

VOCAB = {"en": 30, "de": 30}
TINY = {"layers": 1, "hidden": 8, "embed": 8, "dropout": 0.0, "attention": True}


def _data(n: int = 10, seed: int = 0, lengths: tuple[int, int] = (2, 9)) -> TaskData:
    rng = np.random.default_rng(seed)
    src = [rng.integers(4, 30, size=rng.integers(*lengths)).tolist() for _ in range(n)]
    tgt = [rng.integers(4, 30, size=rng.integers(*lengths)).tolist() for _ in range(n)]
    return TaskData(get_task("translate_en_de"), Ragged.from_lists(tgt), source=Ragged.from_lists(src))


def _with_weights(model, make):
    """The model's decoder returning weights ``make(lengths [B], T, S)`` instead of its own."""
    dec = model.decoders["de"]
    dec.attention_weights = lambda tgt_in, enc: make(enc.mask.sum(1), tgt_in.size(1), enc.mask.size(1))
    return model


@pytest.mark.parametrize("end", ["first", "last"])
def test_weights_on_one_end_of_the_source_read_as_collapsed(end):
    def one_end(lengths, t, s):
        w = torch.zeros(len(lengths), t, s)
        w[torch.arange(len(lengths)), :, 0 if end == "first" else lengths - 1] = 1.0
        return w

    model = _with_weights(build_model(TINY, ["translate_en_de"], VOCAB), one_end)
    stats = attention_stats(model, "translate_en_de", _data())
    assert stats["attn_edge_share"] == 1.0 and stats["attn_max_weight"] == 1.0
    assert stats["attn_entropy"] == pytest.approx(0.0, abs=1e-6) and stats["attn_uniform_entropy"] > 1.0
    assert math.isnan(stats["attn_order_corr"])  # one source position for every target token


@pytest.mark.parametrize("reverse", [True, False])
def test_a_monotone_alignment_in_source_order_correlates(reverse):
    def diagonal(lengths, t, s):
        w = torch.zeros(len(lengths), t, s)
        for b, n in enumerate(lengths.tolist()):
            for i in range(t):
                j = round(i * (n - 1) / max(t - 1, 1))
                w[b, i, n - 1 - j if reverse else j] = 1.0  # word j of the source, wherever the encoder read it
        return w

    model = build_model({**TINY, "reverse_source": reverse}, ["translate_en_de"], VOCAB)
    stats = attention_stats(_with_weights(model, diagonal), "translate_en_de", _data(lengths=(8, 13)), batch_size=3)
    assert stats["attn_order_corr"] > 0.9
    assert stats["attn_edge_share"] < 0.3


def test_the_real_weights_are_a_distribution_over_real_source_words():
    model = build_model(TINY, ["translate_en_de"], VOCAB, seed=3)
    stats = attention_stats(model, "translate_en_de", _data())
    assert 0 < stats["attn_max_weight"] <= 1 and 0 <= stats["attn_entropy"] <= stats["attn_uniform_entropy"] + 1e-6
    assert not has_text_attention(
        build_model({**TINY, "attention": False}, ["translate_en_de"], VOCAB), "translate_en_de"
    )
    with pytest.raises(ValueError, match="no attention"):
        attention_stats(
            build_model({**TINY, "attention": False}, ["translate_en_de"], VOCAB), "translate_en_de", _data()
        )
