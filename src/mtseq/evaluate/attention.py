"""Does a run's attention align? Statistics of its teacher-forced attention on a split.

A Luong attention model can lock onto one end of the source, where an LSTM
has read the whole sentence (a bidirectional encoder has a summary at both),
with a saturated softmax; no gradient then reaches the other positions, and
the model translates from a sentence summary, like the attention-free one.
On Multi30k this decides seeds: docs/results/multi30k.md. These numbers make
it visible in every run's metrics.json:

- ``attn_edge_share``: share of target tokens whose strongest weight is on the
  encoder's first or last input position (aligning: the few words that align
  there; collapsed: nearly all);
- ``attn_max_weight``: mean strongest weight (1 = one-hot);
- ``attn_entropy`` and ``attn_uniform_entropy``: mean entropy of the weights
  and of uniform weights over the same sources, in nats;
- ``attn_order_corr``: correlation of a target token's relative position with
  that of its strongest source word, in the source's own order (aligning
  EN→DE models: high).
"""

from __future__ import annotations

import numpy as np
import torch

from mtseq.text.vocab import PAD_ID
from mtseq.train.batches import make_batch

KEYS = ("attn_edge_share", "attn_max_weight", "attn_entropy", "attn_uniform_entropy", "attn_order_corr")


def has_text_attention(model, task: str) -> bool:
    return model.decoder_for(task).attention is not None and model.tasks[task].source != "img"


@torch.no_grad()
def attention_stats(model, task: str, data, batch_size: int = 64) -> dict[str, float]:
    """The statistics above over every example of ``data`` (a text-source task's ``TaskData``)."""
    if not has_text_attention(model, task):
        raise ValueError(f"{task}: the model has no attention over a text source")
    model.eval()
    dec, reverse = model.decoder_for(task), bool(model.cfg["reverse_source"])
    edge, top, ent, uni, tgt_rel, src_rel = [], [], [], [], [], []
    for start in range(0, len(data), batch_size):
        batch = make_batch(data, np.arange(start, min(start + batch_size, len(data))))
        enc = model.encode(task, batch)
        w = dec.attention_weights(batch.tgt_in, enc).float()  # [B, T, S]
        real = batch.tgt_in != PAD_ID  # [B, T]
        n = enc.mask.sum(1).to(w.device)[:, None].expand_as(real)  # source lengths
        t_len = real.sum(1)[:, None].expand_as(real)
        pos = w.argmax(-1)
        t_idx = torch.arange(w.size(1), device=w.device)[None, :].expand_as(real)
        edge.append(((pos == 0) | (pos == n - 1))[real])
        top.append(w.max(-1).values[real])
        ent.append(-(w * torch.log(w.clamp_min(1e-30))).sum(-1)[real])
        uni.append(torch.log(n.float())[real])
        both = real & (n > 1) & (t_len > 1)
        order = n - 1 - pos if reverse else pos
        src_rel.append((order.float() / (n - 1).clamp_min(1))[both])
        tgt_rel.append((t_idx.float() / (t_len - 1).clamp_min(1))[both])
    s, t = torch.cat(src_rel).numpy(), torch.cat(tgt_rel).numpy()
    corr = float(np.corrcoef(s, t)[0, 1]) if len(s) > 1 and s.std() > 0 and t.std() > 0 else float("nan")
    return {
        "attn_edge_share": float(torch.cat(edge).float().mean()),
        "attn_max_weight": float(torch.cat(top).mean()),
        "attn_entropy": float(torch.cat(ent).mean()),
        "attn_uniform_entropy": float(torch.cat(uni).mean()),
        "attn_order_corr": corr,
    }
