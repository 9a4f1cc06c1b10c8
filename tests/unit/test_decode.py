"""Decoding: beam search against greedy and brute force, batching, images, perplexity."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.config import _schema, fill_section
from mtseq.decode import beam_search, greedy, make_sources, perplexity, split_perplexity, translate
from mtseq.decode.beam import LENGTH_NORMS, length_penalty
from mtseq.errors import ConfigError
from mtseq.layout import Layout
from mtseq.model import build_model, load_model
from mtseq.tasks import get_task
from mtseq.text.vocab import BOS_ID, EOS_ID, PAD_ID
from mtseq.train.batches import make_batch
from mtseq.train.examples import Ragged, TaskData, load_task, load_vocabs
from mtseq.train.run import train_run

# the decode settings a test does not vary (the schema's defaults, spelled here as a test's own choice)
DECODE = {"length_penalty": 1.0, "batch_size": 64, "norm": "power"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A text model (no attention), an image+attention model and a text model with input feeding,
    trained briefly on the fixture."""
    root = tmp_path_factory.mktemp("decode")
    corpus = build_corpus(root / "corpus")
    learn = {
        "optimizer": "adam",
        "lr": 0.01,
        "loss_norm": "tokens",
        "updates": 400,
        "lr_halving": {"start": 30, "cycle": 5},
    }
    text = train_run(
        tiny_config(model={"hidden": 64, "embed": 32}, train=learn),
        "one_to_many",
        "translate_en_de",
        {},
        1,
        corpus,
        root / "text",
    )
    image = train_run(
        tiny_config(model={"attention": True}, train={"updates": 60}),
        "many_to_one",
        "caption_en",
        {"translate_de_en": 0.5},
        1,
        corpus,
        root / "image",
    )
    fed = train_run(
        tiny_config(model={"attention": True, "input_feed": True}, train={"updates": 60}),
        "one_to_many",
        "translate_en_de",
        {},
        1,
        corpus,
        root / "fed",
    )
    return {
        "corpus": corpus,
        "text": load_model(root / "text/model.pt"),
        "fed": load_model(root / "fed/model.pt"),
        "fed_result": fed,
        "image": load_model(root / "image/model.pt"),
        "text_result": text,
        "image_result": image,
    }


def _sources(corpus, task: str, n: int = 12):
    layout = Layout(corpus)
    t = get_task(task)
    data = load_task(layout, t, "valid", load_vocabs(layout, [t.source, t.target]))
    if t.source == "img":
        return data.features[data.image[:n]], data
    return [data.source.get(i) for i in range(n)], data


def _teacher_forced(model, task: str, hyps: list[list[int]], sources) -> np.ndarray:
    """log p(hyp | source) per sentence, hyps including their </s>."""
    t = get_task(task)
    tgt = Ragged.from_lists([h[:-1] for h in hyps])
    if t.source == "img":
        data = TaskData(t, tgt, features=np.asarray(sources, dtype=np.float32), image=np.arange(len(hyps)))
    else:
        data = TaskData(t, tgt, source=Ragged.from_lists(sources))
    with torch.no_grad():
        return np.array([-model(task, make_batch(data, np.array([i]))).item() for i in range(len(hyps))])


@pytest.mark.parametrize(
    "kind,task", [("text", "translate_en_de"), ("image", "caption_en"), ("fed", "translate_en_de")]
)
def test_beam_one_equals_greedy(trained, kind, task):
    model = trained[kind]
    sources, _ = _sources(trained["corpus"], task)
    batch = make_sources(model, task, sources)
    g_hyps, g_scores = greedy(model, task, batch, max_len=20)
    b_hyps, b_scores = beam_search(model, task, batch, beam=1, alpha=1.0, max_len=20, norm="power")
    assert g_hyps == b_hyps
    assert torch.allclose(g_scores, b_scores, atol=1e-5)
    fast_hyps, _ = greedy(model, task, batch, max_len=20, scores=False)  # argmax of the logits
    assert fast_hyps == g_hyps


@pytest.mark.parametrize(
    "kind,task", [("text", "translate_en_de"), ("image", "caption_en"), ("fed", "translate_en_de")]
)
def test_beam_returns_eos_terminated_hypotheses_scored_by_the_model(trained, kind, task):
    model = trained[kind]
    sources, _ = _sources(trained["corpus"], task)
    hyps, scores = beam_search(
        model, task, make_sources(model, task, sources), beam=4, alpha=0.6, max_len=30, norm="power"
    )
    assert all(h and h[-1] == EOS_ID and EOS_ID not in h[:-1] for h in hyps)
    assert all(PAD_ID not in h and BOS_ID not in h for h in hyps)
    # the score beam search reports is the model's teacher-forced log-probability of what it returns
    assert np.allclose(scores.numpy(), _teacher_forced(model, task, hyps, sources), atol=1e-4)
    assert (scores <= 0).all()


def test_wider_beams_find_more_probable_hypotheses(trained):
    model = trained["text"]
    sources, _ = _sources(trained["corpus"], "translate_en_de", n=24)
    batch = make_sources(model, "translate_en_de", sources)
    _, greedy_scores = greedy(model, "translate_en_de", batch, max_len=30)
    _, beam_scores = beam_search(model, "translate_en_de", batch, beam=6, alpha=0.0, max_len=30, norm="power")
    assert (beam_scores >= greedy_scores - 1e-5).float().mean() >= 0.9
    assert beam_scores.sum() >= greedy_scores.sum() - 1e-4


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_beam_search_is_exact_when_the_beam_holds_every_hypothesis(alpha):
    """Vocabulary 7 (3 real tokens + </s>), max length 3: a beam of 7**3 keeps everything."""
    torch.manual_seed(3)
    model = build_model(
        {"layers": 1, "hidden": 8, "embed": 8, "dropout": 0.0, "init_range": 1.0},
        ["translate_en_de"],
        {"en": 9, "de": 7},
    ).eval()
    sources = [[4, 5, 6], [7, 8]]
    batch = make_sources(model, "translate_en_de", sources)
    hyps, scores = beam_search(model, "translate_en_de", batch, beam=7**3, alpha=alpha, max_len=3, norm="power")
    tokens = [3, 4, 5, 6]  # </s> and the real tokens (<pad>, <unk>, <s> are ids 0-2; <unk> allowed)
    tokens = [1, *tokens]
    for b, src in enumerate(sources):
        best, best_norm = None, -np.inf
        for n in (1, 2, 3):
            for seq in itertools.product(tokens, repeat=n):
                if EOS_ID in seq[:-1] or (n < 3 and seq[-1] != EOS_ID):
                    continue
                logp = _partial_logprob(model, src, list(seq))
                norm = logp / (n**alpha)
                if norm > best_norm:
                    best, best_norm, best_raw = list(seq), norm, logp
        assert hyps[b] == best
        assert scores[b].item() == pytest.approx(best_raw, abs=1e-5)


def _partial_logprob(model, src: list[int], seq: list[int]) -> float:
    with torch.no_grad():
        batch = make_sources(model, "translate_en_de", [src])
        enc = model.encode("translate_en_de", batch)
        dec = model.decoders["de"]
        state, total, prev = enc.state, 0.0, BOS_ID
        for tok in seq:
            logp, state = dec.step(torch.tensor([prev]), state)
            total += logp[0, tok].item()
            prev = tok
        return total


@pytest.mark.parametrize(
    "kind,task", [("text", "translate_en_de"), ("image", "caption_en"), ("fed", "translate_en_de")]
)
def test_translate_keeps_order_and_does_not_depend_on_the_batch(trained, kind, task):
    model = trained[kind]
    sources, _ = _sources(trained["corpus"], task, n=10)
    together = translate(model, task, sources, beam=3, length_penalty=1.0, max_len=25, batch_size=4, norm="power")
    alone = [translate(model, task, sources[i : i + 1], **DECODE, beam=3, max_len=25)[0] for i in range(10)]
    assert together == alone and len(together) == 10
    assert all(EOS_ID not in h for h in together)
    assert translate(model, task, sources, **DECODE, beam=1, max_len=25) == [
        h[:-1] if h[-1:] == [EOS_ID] else h
        for h in greedy(model, task, make_sources(model, task, sources), max_len=25)[0]
    ]


def test_trained_translation_follows_the_source(trained):
    """Beam output depends on its source: it shares more words with its own reference than with others'."""
    model = trained["text"]
    sources, data = _sources(trained["corpus"], "translate_en_de", n=24)
    hyps = translate(model, "translate_en_de", sources, **DECODE, beam=4, max_len=20)
    refs = [data.target.get(i) for i in range(24)]

    def overlap(pairs):
        return np.mean([len(set(h) & set(r)) / len(set(r)) for h, r in pairs])

    matched, shifted = overlap(zip(hyps, refs)), overlap(zip(hyps, refs[1:] + refs[:1]))
    assert matched > shifted + 0.2


def test_perplexity_matches_training_validation(trained):
    result = trained["text_result"]
    model = trained["text"]
    ppl = split_perplexity(model, "translate_en_de", trained["corpus"], "valid", batch_size=64)
    assert ppl == pytest.approx(result["final_valid_ppl"]["translate_en_de"], rel=1e-6)
    _, data = _sources(trained["corpus"], "caption_en")
    caption = perplexity(trained["image"], "caption_en", data, batch_size=5)
    assert caption == pytest.approx(trained["image_result"]["final_valid_ppl"]["caption_en"], rel=1e-6)
    assert 1.0 < caption < 30


def test_length_penalties_and_the_decode_section():
    lengths = torch.tensor([1, 4, 9])
    assert torch.allclose(length_penalty(lengths, 0.5), torch.tensor([1.0, 2.0, 3.0]))
    assert torch.allclose(length_penalty(lengths, 1.0, "gnmt"), torch.tensor([1.0, 1.5, 14 / 6]))
    assert torch.equal(length_penalty(lengths, 0.0), torch.ones(3))
    assert fill_section("decode", {"beam": 3})["length_norm"] == "power" and fill_section("decode", None)["beam"] == 5
    with pytest.raises(ConfigError, match="decode.length_norm"):
        fill_section("decode", {"length_norm": "wu"})
    with pytest.raises(ConfigError, match="decode.beams"):
        fill_section("decode", {"beams": 3})
    # the schema's choices are the ones beam search knows
    assert set(_schema()["properties"]["decode"]["properties"]["length_norm"]["enum"]) == set(LENGTH_NORMS)


def test_gnmt_normalisation_prefers_longer_hypotheses_than_none(trained):
    """With alpha > 0 the chosen hypotheses are at least as long on average as with raw scores."""
    model = trained["text"]
    sources, _ = _sources(trained["corpus"], "translate_en_de", n=24)
    batch = make_sources(model, "translate_en_de", sources)
    raw, _ = beam_search(model, "translate_en_de", batch, beam=5, alpha=0.0, max_len=30, norm="power")
    norm, _ = beam_search(model, "translate_en_de", batch, beam=5, alpha=2.0, max_len=30, norm="gnmt")
    assert np.mean([len(h) for h in norm]) >= np.mean([len(h) for h in raw])


def _ragged_model(attention: bool):
    """An untrained model (60-word vocabularies) whose </s> bias makes sentences end at scattered
    steps, so that pruning has sentences to remove at many steps; with attention, its memory, mask
    and keys must leave the batch too. Returns the model and 24 random sources."""
    cfg = fill_section("model", {**tiny_config()["model"], "attention": attention, "init_range": 1.0})
    model = build_model(cfg, ["translate_en_de"], {"en": 60, "de": 60}, seed=7)
    with torch.no_grad():
        model.decoder_for("translate_en_de").out.bias[EOS_ID] += 2.0 if attention else 1.0
    rng = np.random.default_rng(0)
    sources = [rng.integers(4, 60, size=int(rng.integers(3, 12))).tolist() for _ in range(24)]
    return model.eval(), sources


@pytest.mark.parametrize("attention", [False, True])
@pytest.mark.parametrize("beam", [1, 4])
def test_finished_sentences_leave_the_batch_without_changing_any_output(attention, beam):
    """Pruning finished sentences is a speed-up only: the same hypotheses and scores as keeping them."""
    (model, sources), task = _ragged_model(attention), "translate_en_de"
    batch = make_sources(model, task, sources)
    if beam == 1:
        kept, kept_scores = greedy(model, task, batch, max_len=25, prune=False)
        pruned, pruned_scores = greedy(model, task, batch, max_len=25, prune=True)
    else:
        kept, kept_scores = beam_search(model, task, batch, beam, 1.0, 25, "power", prune=False)
        pruned, pruned_scores = beam_search(model, task, batch, beam, 1.0, 25, "power", prune=True)
    assert len({len(h) for h in kept}) > 3  # sentences end at different steps, so many steps prune some
    assert pruned == kept
    torch.testing.assert_close(pruned_scores, kept_scores, rtol=0, atol=1e-5)
