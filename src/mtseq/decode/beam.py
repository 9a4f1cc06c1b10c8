"""Batched beam search and greedy decoding for any task of a model.

All sentences of a batch and all their beams advance together as one
[B*K] decoder batch; a finished hypothesis stays in its beam, extended by
padding, and a sentence whose hypotheses have all finished leaves the
batch, so a step costs what its live sentences cost. Hypotheses are ranked by ``score / lp(length)`` at the end:
``lp = length ** alpha`` (``power``) or ``((5 + length) / 6) ** alpha`` (``gnmt``,
Wu et al. 2016); alpha = 0 ranks by raw log-probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from mtseq.model import MultiTaskModel
from mtseq.text.vocab import BOS_ID, EOS_ID, PAD_ID, UNK_ID

LENGTH_NORMS = ("power", "gnmt")


@dataclass
class Sources:
    """A decoding batch's sources, shaped like a training batch's source side."""

    src: torch.Tensor | None = None
    src_len: torch.Tensor | None = None
    feats: torch.Tensor | None = None

    @property
    def size(self) -> int:
        return int(self.feats.size(0) if self.feats is not None else self.src.size(0))


def make_sources(model: MultiTaskModel, task: str, sources, device=None) -> Sources:
    """Token-id lists (text) or a float array [n, dim] (images) -> padded tensors on ``device``."""
    device = device or next(model.parameters()).device
    if model.tasks[task].source == "img":
        feats = torch.as_tensor(np.asarray(sources, dtype=np.float32))
        return Sources(feats=feats.to(device))
    seqs = [list(s) or [UNK_ID] for s in sources]
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    src = torch.full((len(seqs), int(lengths.max())), PAD_ID, dtype=torch.long)
    for i, s in enumerate(seqs):
        src[i, : len(s)] = torch.as_tensor(s, dtype=torch.long)
    return Sources(src=src.to(device), src_len=lengths)


def _step(dec, tokens, state, memory, mask, keys, log_probs=True):
    """Log-probabilities (or logits) of the next token; <pad> and <s> are never generated."""
    logp, state = dec.step(tokens, state, memory, mask, keys, log_probs=log_probs)
    logp[:, PAD_ID] = float("-inf")
    logp[:, BOS_ID] = float("-inf")
    return logp, state


def _start(model: MultiTaskModel, task: str, sources: Sources, k: int):
    """Encode once, then repeat every source's state k times (beam-major within a sentence)."""
    enc = model.encode(task, sources)
    dec = model.decoder_for(task)
    state = tuple(s.repeat_interleave(k, dim=1) for s in dec.start_state(enc.state))
    memory = mask = keys = None
    if dec.attention is not None:
        memory = enc.memory.repeat_interleave(k, dim=0)
        mask = enc.mask.repeat_interleave(k, dim=0)
        keys = dec.attention.keys(memory)
    return dec, state, memory, mask, keys


def _trim(rows: torch.Tensor) -> list[list[int]]:
    """Cut each row after its first </s> (kept) and drop padding."""
    out = []
    for row in rows.tolist():
        seq = []
        for t in row:
            if t == PAD_ID:
                break
            seq.append(t)
            if t == EOS_ID:
                break
        out.append(seq)
    return out


def length_penalty(lengths: torch.Tensor, alpha: float, norm: str = "power") -> torch.Tensor:
    lengths = lengths.to(torch.float32).clamp(min=1)
    if norm == "gnmt":
        return ((5.0 + lengths) / 6.0) ** alpha
    if norm != "power":
        raise ValueError(f"length normalisation must be one of {LENGTH_NORMS}, not {norm!r}")
    return lengths**alpha


def _keep(rows: torch.Tensor, state, memory, mask, keys, per_row: int = 1):
    """The decoder inputs of the batch rows ``rows`` (each row spans ``per_row`` beams); a ``state`` of
    None is left to the caller (beam search selects it once, reordered and pruned together)."""
    flat = rows if per_row == 1 else (rows[:, None] * per_row + torch.arange(per_row, device=rows.device)).view(-1)
    if state is not None:
        state = tuple(s.index_select(1, flat) for s in state)
    if memory is not None:
        memory, mask, keys = memory.index_select(0, flat), mask.index_select(0, flat), keys.index_select(0, flat)
    return state, memory, mask, keys


@torch.no_grad()
def greedy(model: MultiTaskModel, task: str, sources: Sources, max_len: int, scores: bool = True, prune: bool = True):
    """Most probable next token at each step; returns (</s>-terminated id lists, summed log-probs).

    With ``scores=False`` the argmax is taken on the logits (the same token) and no softmax is
    computed: the summed log-probs come back as zeros, and decoding is about 8% faster.
    ``prune``: a finished sentence leaves the decoder batch, so a batch costs what its live rows
    cost (the output is the same; ``prune=False`` keeps it to the end, for the side-by-side benchmark).
    """
    model.eval()
    b = sources.size
    dec, state, memory, mask, keys = _start(model, task, sources, 1)
    device = state[0].device
    tokens = torch.full((b,), BOS_ID, dtype=torch.long, device=device)
    alive = torch.arange(b, device=device)  # the original rows still decoding
    finished = torch.zeros(b, dtype=torch.bool, device=device)
    total = torch.zeros(b, device=device)
    out = torch.full((b, max_len), PAD_ID, dtype=torch.long, device=device)
    for t in range(max_len):
        logp, state = _step(dec, tokens, state, memory, mask, keys, log_probs=scores)
        if scores:
            best, tokens = logp.max(dim=-1)
            total.index_add_(0, alive, torch.where(finished, 0.0, best))
        else:
            tokens = logp.argmax(dim=-1)
        tokens = tokens.masked_fill(finished, PAD_ID)
        out[alive, t] = tokens
        finished |= tokens == EOS_ID
        if bool(finished.all()):
            break
        if prune and bool(finished.any()):
            live = (~finished).nonzero().squeeze(1)
            state, memory, mask, keys = _keep(live, state, memory, mask, keys)
            alive, tokens, finished = alive[live], tokens[live], finished[live]
    return _trim(out), total.cpu()


def _beam_candidates(dec, tokens, state, memory, mask, keys, k: int):
    """Each hypothesis's k best continuations: (log-probs [N, c], tokens [N, c], new state), c = min(k, V).

    The k best of a sentence's k x V continuations are among its hypotheses' own k best, so the
    search ranks k x k candidates, not k x V: no [N, V] mask, sum and top-k at every step. (The
    log-softmax stays: its one fused kernel costs less than a log-sum-exp of the logits, which
    torch computes in four passes.)
    """
    logp, state = _step(dec, tokens, state, memory, mask, keys)
    vals, toks = logp.topk(min(k, logp.size(-1)), dim=-1)
    return vals, toks, state


def _pad_only(vals: torch.Tensor) -> torch.Tensor:
    """A finished hypothesis's candidates: <pad> at log-prob 0, then nothing (-inf)."""
    out = torch.full_like(vals[:1], float("-inf"))
    out[0, 0] = 0.0
    return out


@torch.no_grad()
def beam_search(
    model: MultiTaskModel,
    task: str,
    sources: Sources,
    beam: int,
    alpha: float,
    max_len: int,
    norm: str,
    prune: bool = True,
):
    """Best hypothesis per source by normalised score; returns (</s>-terminated id lists, raw log-probs).

    ``prune``: a sentence whose k hypotheses have all ended leaves the decoder batch (its beams
    would only be extended by padding, in the same order); ``prune=False`` keeps it, for the
    side-by-side benchmark.
    """
    model.eval()
    b, k = sources.size, beam
    dec, state, memory, mask, keys = _start(model, task, sources, k)
    device = state[0].device
    tokens = torch.full((b * k,), BOS_ID, dtype=torch.long, device=device)
    scores = torch.full((b, k), float("-inf"), device=device)
    scores[:, 0] = 0.0
    finished = torch.zeros(b, k, dtype=torch.bool, device=device)
    lengths = torch.zeros(b, k, dtype=torch.long, device=device)
    alive = torch.arange(b, device=device)  # the original sentences still decoding
    final_scores, final_lengths = scores.clone(), lengths.clone()  # every sentence's, kept when it leaves
    stay = torch.arange(k, device=device).expand(b, k)  # the back-pointer of a sentence that has left
    token_hist, back_hist = [], []
    for _ in range(max_len):
        n = alive.numel()
        vals, toks, state = _beam_candidates(dec, tokens, state, memory, mask, keys, k)
        # a finished hypothesis has one continuation, <pad> at no cost, and keeps its place
        vals = torch.where(finished.view(-1, 1), _pad_only(vals), vals)
        toks = toks.masked_fill(finished.view(-1, 1), PAD_ID)
        c = vals.size(1)
        top, idx = (scores.view(-1, 1) + vals).view(n, k * c).topk(k, dim=1)
        back, tok = idx // c, toks.view(n, k * c).gather(1, idx)
        was_finished = finished.gather(1, back)
        lengths = lengths.gather(1, back) + (~was_finished).long()
        finished = was_finished | (tok == EOS_ID)
        scores = top
        full_tok = torch.full((b, k), PAD_ID, dtype=torch.long, device=device)
        full_tok[alive], full_back = tok, stay.clone()
        full_back[alive] = back
        token_hist.append(full_tok)
        back_hist.append(full_back)
        final_scores[alive], final_lengths[alive] = scores, lengths
        done = finished.all(dim=1)
        if bool(done.all()):
            break
        rows = back + (torch.arange(n, device=device) * k)[:, None]  # each new hypothesis's parent row
        if prune and bool(done.any()):  # the reordering and the leaving in one selection of the state
            live = (~done).nonzero().squeeze(1)
            _, memory, mask, keys = _keep(live, None, memory, mask, keys, per_row=k)
            alive, scores, lengths, finished = alive[live], scores[live], lengths[live], finished[live]
            rows, tok = rows[live], tok[live]
        flat = rows.view(-1)
        state = tuple(s.index_select(1, flat) for s in state)
        tokens = tok.view(-1)
    ranked = final_scores / length_penalty(final_lengths, alpha, norm)
    best = ranked.argmax(dim=1)
    pick = best[:, None]
    out = []
    for tok, back in zip(reversed(token_hist), reversed(back_hist)):
        out.append(tok.gather(1, pick))
        pick = back.gather(1, pick)
    seqs = torch.cat(out[::-1], dim=1)
    return _trim(seqs), final_scores.gather(1, best[:, None]).squeeze(1).cpu()


def decode_batch(model, task, sources: Sources, beam=5, alpha=1.0, max_len=80, norm="power", scores=True, prune=True):
    """Beam search, or the greedy fast path for beam 1 (``scores=False``: no log-probs needed)."""
    if beam <= 1:
        return greedy(model, task, sources, max_len, scores, prune)
    return beam_search(model, task, sources, beam, alpha, max_len, norm, prune)


def translate(
    model: MultiTaskModel,
    task: str,
    sources,
    beam: int,
    length_penalty: float,
    max_len: int,
    batch_size: int,
    norm: str,
    prune: bool = True,
) -> list[list[int]]:
    """Decode every source of ``task``: token-id lists, or a float array [n, dim] for image tasks.

    The settings are the config's ``decode`` section (``mtseq.config.fill_section("decode", ...)``
    fills its defaults); they have none here, so the schema is the one place a default is spelled.

    Returns one id list per source, in input order, without the final </s>.
    Sources are decoded in batches of similar length.
    """
    image = model.tasks[task].source == "img"
    n = len(sources)
    order = np.arange(n) if image else np.argsort([-len(s) for s in sources], kind="stable")
    results: list[list[int] | None] = [None] * n
    for start in range(0, n, batch_size):
        chunk = order[start : start + batch_size]
        items = np.asarray(sources)[chunk] if image else [sources[i] for i in chunk]
        sources_ = make_sources(model, task, items)
        hyps, _ = decode_batch(model, task, sources_, beam, length_penalty, max_len, norm, False, prune)
        for i, hyp in zip(chunk, hyps):
            results[i] = [t for t in hyp if t != EOS_ID]
    return results
