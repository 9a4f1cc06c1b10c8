"""How much of a batch is padding: length-bucketed batches (the trainer's) against random ones.

Padded positions cost arithmetic on the target side (the decoder runs over the whole padded
width) and, when the encoder packs or runs padded, on the source side too. The trainer's
batches are replayed exactly: the k-th batch of a task is a pure function of (seed, task, k).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from mtseq.train.batches import BatchIterator, task_key
from mtseq.train.examples import TaskData

RANDOM_STREAM = 7  # seed-sequence stream of the unbucketed comparison batches


def padding_counts(data: TaskData, batches: Iterable[np.ndarray]) -> dict[str, int]:
    """Padded and total positions of the source [B, max len] and target [B, max len + 1] tensors."""
    src_len, tgt_len = data.source_length, data.target.length + 1  # <s> y, and y </s>
    out = {"src_pad": 0, "src_total": 0, "tgt_pad": 0, "tgt_total": 0, "batches": 0}
    for idx in batches:
        out["batches"] += 1
        t = tgt_len[idx]
        out["tgt_total"] += len(idx) * int(t.max())
        out["tgt_pad"] += len(idx) * int(t.max()) - int(t.sum())
        if data.source is not None:  # an image source is one feature vector: nothing to pad
            s = src_len[idx]
            out["src_total"] += len(idx) * int(s.max())
            out["src_pad"] += len(idx) * int(s.max()) - int(s.sum())
    return out


def bucketed_batches(data: TaskData, batch_size: int, seed: int, count: int) -> list[np.ndarray]:
    """The first ``count`` batches the trainer draws for this task (same iterator, same seed)."""
    it = BatchIterator(data, batch_size, seed)
    return [it.next_indices() for _ in range(count)]


def random_batches(data: TaskData, batch_size: int, seed: int, count: int) -> list[np.ndarray]:
    """``count`` batches of shuffled examples without length sorting: epoch after epoch of a permutation."""
    rng = np.random.default_rng([seed, RANDOM_STREAM, task_key(data.task.name)])
    out: list[np.ndarray] = []
    while len(out) < count:
        order = rng.permutation(len(data))
        out += [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return out[:count]


def _shares(c: dict[str, int]) -> dict:
    def share(pad: int, total: int) -> float | None:
        return pad / total if total else None

    return {
        "source": share(c["src_pad"], c["src_total"]),
        "target": share(c["tgt_pad"], c["tgt_total"]),
        "all": share(c["src_pad"] + c["tgt_pad"], c["src_total"] + c["tgt_total"]),
        "batches": c["batches"],
        "positions": c["src_total"] + c["tgt_total"],
    }


def padding_report(train: dict[str, TaskData], counts: dict[str, int], batch_size: int, seed: int) -> dict:
    """Padding shares over ``counts[task]`` batches of every task, bucketed (as trained) and random."""
    out = {}
    for name, make in (("bucketed", bucketed_batches), ("random", random_batches)):
        total = dict.fromkeys(("src_pad", "src_total", "tgt_pad", "tgt_total", "batches"), 0)
        for task, n in counts.items():
            if n:
                c = padding_counts(train[task], make(train[task], batch_size, seed, n))
                total = {k: total[k] + c[k] for k in total}
        out[name] = _shares(total)
    return out
