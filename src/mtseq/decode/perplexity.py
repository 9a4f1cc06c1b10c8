"""Teacher-forced perplexity: exp(summed token cross-entropy / target tokens incl. </s>)."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import torch

from mtseq.layout import Layout
from mtseq.model import MultiTaskModel
from mtseq.train.batches import eval_batches
from mtseq.train.examples import TaskData, load_task, load_vocabs


@torch.no_grad()
def perplexity(model: MultiTaskModel, task: str, data: TaskData, batch_size: int, autocast: bool = False) -> float:
    """Perplexity of ``model`` on every example of ``data`` (dropout off; training mode restored)."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    ctx = torch.autocast("cuda", dtype=torch.bfloat16) if autocast and device.type == "cuda" else None
    nll = torch.zeros((), dtype=torch.float64, device=device)
    tokens = 0
    try:
        with ctx or contextlib.nullcontext():
            for batch in eval_batches(data, batch_size):
                nll += model(task, batch.to(device, non_blocking=device.type == "cuda")).double()
                tokens += batch.tgt_tokens
    finally:
        model.train(was_training)
    return math.exp(nll.item() / max(tokens, 1))


def split_perplexity(
    model: MultiTaskModel, task: str, data_dir: str | Path, split: str = "valid", *, batch_size: int
) -> float:
    """Perplexity on one split of a corpus in the standard layout (vocabularies from ``data_dir``)."""
    layout = Layout(data_dir)
    t = model.tasks[task]
    vocabs = load_vocabs(layout, [t.source, t.target])
    return perplexity(model, task, load_task(layout, t, split, vocabs), batch_size)
