"""The encoder-decoder: shapes, module sharing across tasks, init, source reversal, attention."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mtseq.errors import ConfigError, MtseqError
from mtseq.model import build_model, load_model, save_model
from mtseq.model.encoders import reverse_padded
from mtseq.tasks import get_task
from mtseq.train.batches import make_batch
from mtseq.train.examples import Ragged, TaskData

VOCAB = {"en": 40, "de": 41, "lin": 12}
TINY = {"layers": 2, "hidden": 16, "embed": 8, "dropout": 0.0, "init_range": 0.1}


def _data(task: str, n: int = 6, seed: int = 0, feature_dim: int = 5) -> TaskData:
    rng = np.random.default_rng(seed)
    t = get_task(task)
    tgt = [rng.integers(4, VOCAB[t.target], size=rng.integers(1, 7)).tolist() for _ in range(n)]
    if t.source == "img":
        feats = rng.normal(size=(3, feature_dim)).astype(np.float32)
        return TaskData(t, Ragged.from_lists(tgt), features=feats, image=np.arange(n) % 3)
    src = [rng.integers(4, VOCAB[t.source], size=rng.integers(1, 9)).tolist() for _ in range(n)]
    return TaskData(t, Ragged.from_lists(tgt), source=Ragged.from_lists(src))


def _batch(task: str, n: int = 6, seed: int = 0):
    return make_batch(_data(task, n, seed), np.arange(n))


def test_one_to_many_shares_the_english_encoder():
    tasks = ["translate_en_de", "parse_en", "autoencode_en"]
    model = build_model(TINY, tasks, VOCAB)
    assert set(model.encoders) == {"en"} and set(model.decoders) == {"de", "lin", "en"}
    enc = model.encoder_for("translate_en_de")
    assert model.encoder_for("parse_en") is enc and model.encoder_for("autoencode_en") is enc
    # the parse loss trains the very embedding and LSTM weights translation reads
    model("parse_en", _batch("parse_en")).backward()
    assert enc.embedding.weight.grad is not None and enc.lstm.weight_hh_l0.grad.abs().sum() > 0
    assert model.decoders["de"].out.weight.grad is None
    ids = {id(p) for p in enc.parameters()}
    assert len(ids) == len(list(enc.parameters()))
    assert sum(p.numel() for p in model.parameters()) == sum(
        p.numel() for m in [*model.encoders.values(), *model.decoders.values()] for p in m.parameters()
    )


def test_many_to_one_shares_the_english_decoder():
    tasks = ["translate_de_en", "caption_en", "autoencode_en"]
    model = build_model(TINY, tasks, VOCAB, feature_dim=5)
    assert set(model.encoders) == {"de", "img", "en"} and set(model.decoders) == {"en"}
    dec = model.decoder_for("translate_de_en")
    assert model.decoder_for("caption_en") is dec and model.decoder_for("autoencode_en") is dec
    model("caption_en", _batch("caption_en")).backward()
    assert dec.out.weight.grad is not None and model.encoders["img"].proj.weight.grad is not None
    assert model.encoders["de"].embedding.weight.grad is None


def test_many_to_many_shares_both_sides():
    tasks = ["translate_en_de", "translate_de_en", "autoencode_en", "autoencode_de", "skipthought_en"]
    model = build_model(TINY, tasks, VOCAB)
    assert model.encoder_for("translate_en_de") is model.encoder_for("autoencode_en")
    assert model.decoder_for("translate_en_de") is model.decoder_for("autoencode_de")
    assert model.encoder_for("skipthought_en") is model.encoder_for("autoencode_en")
    assert model.decoder_for("translate_de_en") is model.decoder_for("skipthought_en")
    assert len(model.encoders) == 2 and len(model.decoders) == 2


def test_shapes_and_loss():
    model = build_model(TINY, ["translate_en_de", "caption_de"], VOCAB, feature_dim=5)
    batch = _batch("translate_en_de")
    enc = model.encode("translate_en_de", batch)
    h, c = enc.state
    assert h.shape == c.shape == (2, 6, 16) and enc.memory is None
    img = model.encode("caption_de", _batch("caption_de"))
    assert img.state[0].shape == (2, 6, 16) and img.state[0].abs().max() <= 1
    nll = model("translate_en_de", batch)
    assert nll.dim() == 0 and nll.dtype == torch.float32
    # an untrained model is close to uniform: per-token loss near log(V)
    assert abs(nll.item() / batch.tgt_tokens - np.log(VOCAB["de"])) < 0.5
    logp, state = model.decoders["de"].step(torch.tensor([2, 2, 5]), (h[:, :3], c[:, :3]))
    assert logp.shape == (3, VOCAB["de"]) and torch.allclose(logp.exp().sum(-1), torch.ones(3))


def test_loss_ignores_padding():
    """A sentence's loss is the same alone and in a padded batch with longer ones."""
    model = build_model(TINY, ["translate_en_de"], VOCAB).eval()
    data = _data("translate_en_de", n=6)
    alone = sum(model("translate_en_de", make_batch(data, np.array([i]))).item() for i in range(6))
    together = model("translate_en_de", make_batch(data, np.arange(6))).item()
    assert together == pytest.approx(alone, rel=1e-5)


def test_uniform_init_in_range():
    r = 0.06
    model = build_model({**TINY, "init_range": r, "hidden": 64}, ["translate_en_de", "caption_en"], VOCAB, 5)
    values = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert values.abs().max() <= r
    assert values.abs().max() > 0.99 * r and abs(values.std().item() - r / np.sqrt(3)) < 0.002


def test_reverse_padded():
    src = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0], [4, 5, 6, 7]])
    out = reverse_padded(src, torch.tensor([3, 2, 4]))
    assert out.tolist() == [[7, 6, 5, 0], [9, 8, 0, 0], [7, 6, 5, 4]]


def test_source_reversal_feeds_the_encoder_reversed():
    fwd = build_model({**TINY, "reverse_source": False}, ["translate_en_de"], VOCAB).eval()
    rev = build_model({**TINY, "reverse_source": True}, ["translate_en_de"], VOCAB).eval()
    rev.load_state_dict(fwd.state_dict())
    batch = _batch("translate_en_de")
    flipped = make_batch(_data("translate_en_de"), np.arange(6))
    flipped.src = reverse_padded(batch.src, batch.src_len)
    a, b = rev.encode("translate_en_de", batch).state[0], fwd.encode("translate_en_de", flipped).state[0]
    assert torch.allclose(a, b, atol=1e-6)
    assert not torch.allclose(a, fwd.encode("translate_en_de", batch).state[0], atol=1e-4)


def test_final_state_is_padding_aware():
    model = build_model(TINY, ["translate_en_de"], VOCAB).eval()
    data = _data("translate_en_de", n=6)
    full = model.encode("translate_en_de", make_batch(data, np.arange(6))).state[1]
    for i in range(6):
        alone = model.encode("translate_en_de", make_batch(data, np.array([i]))).state[1]
        assert torch.allclose(full[:, i], alone[:, 0], atol=1e-6)


@pytest.mark.parametrize(
    "attention,score,feed",
    [(False, "general", False), (True, "general", False), (True, "dot", False), (True, "general", True)],
)
def test_attention_on_and_off_both_train(attention, score, feed):
    torch.manual_seed(0)
    cfg = {**TINY, "attention": attention, "attention_score": score, "dropout": 0.1, "input_feed": feed}
    model = build_model(cfg, ["translate_en_de", "caption_en"], VOCAB, feature_dim=5)
    has_attn = any("attention" in n for n, _ in model.named_parameters())
    assert has_attn == attention
    opt = torch.optim.Adam(model.parameters(), lr=0.03)
    batches = {t: _batch(t, n=8) for t in ("translate_en_de", "caption_en")}
    first = {t: model(t, b).item() for t, b in batches.items()}
    for _ in range(120):
        for t, b in batches.items():
            opt.zero_grad()
            (model(t, b) / b.size).backward()
            opt.step()
    model.eval()
    for t, b in batches.items():
        assert model(t, b).item() < 0.6 * first[t], t


def test_attention_ignores_padded_source_positions():
    model = build_model({**TINY, "attention": True}, ["translate_en_de"], VOCAB).eval()
    batch = _batch("translate_en_de")
    enc = model.encode("translate_en_de", batch)
    assert enc.memory.shape[:2] == batch.src.shape and enc.mask.sum().item() == batch.src_tokens
    dec = model.decoders["de"]
    base = dec.features(batch.tgt_in, enc)
    enc.memory = torch.where(enc.mask[..., None], enc.memory, torch.full_like(enc.memory, 9.0))
    assert torch.allclose(dec.features(batch.tgt_in, enc), base, atol=1e-6)


def test_the_scaled_score_is_the_general_one_over_the_root_of_the_width():
    from mtseq.model.attention import GlobalAttention

    torch.manual_seed(0)
    general, scaled = GlobalAttention(16, "general"), GlobalAttention(16, "general_scaled")
    scaled.load_state_dict(general.state_dict())
    q, mem, mask = torch.randn(2, 3, 16) * 4, torch.randn(2, 5, 16) * 4, torch.ones(2, 5, dtype=torch.bool)
    sharp, soft = general(q, mem, mask, return_weights=True)[1], scaled(q, mem, mask, return_weights=True)[1]
    expected = torch.softmax(torch.log(sharp) / 4, dim=-1)  # softmax(s / 4) from softmax(s)
    assert torch.allclose(soft, expected, atol=1e-5)
    assert soft.max(-1).values.mean() < sharp.max(-1).values.mean()


def test_input_feeding_reads_the_previous_attentional_vector():
    """Teacher forcing equals stepping with each step's state, and the fed vector changes the next step."""
    model = build_model({**TINY, "attention": True, "input_feed": True}, ["translate_en_de"], VOCAB).eval()
    batch = _batch("translate_en_de")
    dec = model.decoders["de"]
    assert dec.lstm.input_size == TINY["embed"] + TINY["hidden"]
    with torch.no_grad():
        enc = model.encode("translate_en_de", batch)
        forced = dec.out(dec.features(batch.tgt_in, enc))
        state, keys = dec.start_state(enc.state), dec.attention.keys(enc.memory)
        for t in range(batch.tgt_in.size(1)):
            logits, state = dec.step(batch.tgt_in[:, t], state, enc.memory, enc.mask, keys, log_probs=False)
            assert torch.allclose(logits, forced[:, t], atol=1e-5)
        h, c, feed = state
        other, _ = dec.step(batch.tgt_in[:, 0], (h, c, feed + 1), enc.memory, enc.mask, keys, log_probs=False)
        again, _ = dec.step(batch.tgt_in[:, 0], state, enc.memory, enc.mask, keys, log_probs=False)
        assert not torch.allclose(other, again, atol=1e-4)
    with pytest.raises(MtseqError, match="model.input_feed .* needs model.attention"):
        build_model({**TINY, "input_feed": True}, ["translate_en_de"], VOCAB)


def test_save_and_load_round_trip(tmp_path):
    model = build_model({**TINY, "attention": True}, ["parse_en", "caption_en"], VOCAB, feature_dim=5)
    save_model(tmp_path / "model.pt", model)
    loaded = load_model(tmp_path / "model.pt")
    for (n1, p1), (n2, p2) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert n1 == n2 and torch.equal(p1, p2)
    assert loaded.cfg == model.cfg and loaded.task_names == ["parse_en", "caption_en"]


def test_model_config_names_bad_keys():
    with pytest.raises(ConfigError, match="model.heads"):
        build_model({"heads": 4}, ["translate_en_de"], VOCAB)
    with pytest.raises(ConfigError, match="model.dropout"):
        build_model({"dropout": 1.5}, ["translate_en_de"], VOCAB)


def test_bidirectional_encoder_keeps_the_decoder_sizes_and_is_padding_aware():
    cfg = {**TINY, "bidirectional": True, "attention": True}
    model = build_model(cfg, ["translate_en_de"], VOCAB).eval()
    lstm = model.encoders["en"].lstm
    assert lstm.bidirectional and lstm.hidden_size == TINY["hidden"] // 2
    data = _data("translate_en_de", n=6)
    full = model.encode("translate_en_de", make_batch(data, np.arange(6)))
    assert full.state[0].shape == (TINY["layers"], 6, TINY["hidden"])
    assert full.memory.shape[-1] == TINY["hidden"]
    for i in range(6):  # the grouped path (as batched) equals each sentence alone
        alone = model.encode("translate_en_de", make_batch(data, np.array([i])))
        assert torch.allclose(full.state[1][:, i], alone.state[1][:, 0], atol=1e-6)
        n = int(data.source.length[i])
        assert torch.allclose(full.memory[i, :n], alone.memory[0, :n], atol=1e-6)
    enc = model.encoders["en"]
    enc.max_groups = 0  # the packed path gives the same states
    packed = model.encode("translate_en_de", make_batch(data, np.arange(6)))
    assert torch.allclose(packed.state[0], full.state[0], atol=1e-6)
    with pytest.raises(ValueError, match="odd"):
        build_model({**cfg, "hidden": 15}, ["translate_en_de"], VOCAB)


def test_label_smoothing_raises_the_training_loss_only_when_asked():
    model = build_model(TINY, ["translate_en_de"], VOCAB).eval()
    batch = _batch("translate_en_de")
    plain = model("translate_en_de", batch)
    assert torch.equal(model("translate_en_de", batch, label_smoothing=0.0), plain)
    assert model("translate_en_de", batch, label_smoothing=0.1) != plain
