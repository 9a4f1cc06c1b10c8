"""Length-bucketed minibatches and a resumable per-task batch iterator.

An epoch's batch list is a pure function of (seed, task, epoch): shuffle,
sort by length inside pools of ``pool`` batches (so padding is small),
then shuffle the batch order. The iterator's whole state is therefore its
(epoch, index) position, and the k-th batch of a task is the same in every
run with that seed, whatever the other tasks and their ratios are.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import torch

from mtseq.text.vocab import BOS_ID, EOS_ID, PAD_ID
from mtseq.train.examples import Ragged, TaskData

BATCH_STREAM = 1  # seed-sequence stream ids keep the run's random draws independent


def task_key(name: str) -> int:
    """A stable integer for a task name (Python's hash() changes between processes)."""
    return zlib.crc32(name.encode("utf-8"))


@dataclass
class Batch:
    tgt_in: torch.Tensor  # [B, T+1] <s> y
    tgt_out: torch.Tensor  # [n_tgt] y </s> at the non-padding positions, flattened
    tgt_index: torch.Tensor  # [n_tgt] those positions in tgt_in.view(-1)
    src: torch.Tensor | None = None  # [B, S] token ids
    src_len: torch.Tensor | None = None  # [B], kept on the CPU (packing needs it there)
    feats: torch.Tensor | None = None  # [B, D] image features
    size: int = 0
    src_tokens: int = 0
    tgt_tokens: int = 0

    def to(self, device: torch.device, non_blocking: bool = False) -> Batch:
        """Copy to ``device``: the integer tensors travel as one (pinned, asynchronous) transfer."""
        if device.type == "cpu":
            return self
        longs = [self.tgt_in, self.tgt_out, self.tgt_index] + ([self.src] if self.src is not None else [])
        flat = torch.cat([t.reshape(-1) for t in longs])
        if non_blocking:
            flat = flat.pin_memory()
        parts = flat.to(device, non_blocking=non_blocking).split([t.numel() for t in longs])
        moved = [p.view(t.shape) for p, t in zip(parts, longs)]
        feats = None
        if self.feats is not None:
            feats = (self.feats.pin_memory() if non_blocking else self.feats).to(device, non_blocking=non_blocking)
        return Batch(
            moved[0],
            moved[1],
            moved[2],
            moved[3] if self.src is not None else None,
            self.src_len,
            feats,
            self.size,
            self.src_tokens,
            self.tgt_tokens,
        )


def _pad(seqs: Ragged, idx: np.ndarray, width: int, shift: int = 0, fill: int = PAD_ID) -> np.ndarray:
    """Rows ``idx`` of ``seqs`` as a [len(idx), width] int64 matrix, each starting at column ``shift``."""
    length = seqs.length[idx]
    cols = np.arange(width - shift)
    mask = cols[None, :] < length[:, None]
    pos = np.where(mask, seqs.off[idx][:, None] + cols[None, :], 0)
    out = np.full((len(idx), width), fill, dtype=np.int64)
    out[:, shift:] = np.where(mask, seqs.flat[pos] if len(seqs.flat) else 0, fill)
    return out


def make_batch(data: TaskData, idx: np.ndarray) -> Batch:
    """The padded tensors for examples ``idx`` of ``data`` (CPU)."""
    tgt_len = data.target.length[idx]
    width = int(tgt_len.max()) + 1
    tgt_in = _pad(data.target, idx, width, shift=1)
    tgt_in[:, 0] = BOS_ID
    tgt_out = _pad(data.target, idx, width)
    tgt_out[np.arange(len(idx)), tgt_len] = EOS_ID
    real = np.arange(width)[None, :] <= tgt_len[:, None]
    tgt_index = np.flatnonzero(real.reshape(-1))
    batch = Batch(
        tgt_in=torch.from_numpy(tgt_in),
        tgt_out=torch.from_numpy(tgt_out.reshape(-1)[tgt_index]),
        tgt_index=torch.from_numpy(tgt_index),
        size=len(idx),
        tgt_tokens=int(len(tgt_index)),
    )
    if data.source is not None:
        src_len = data.source.length[idx]
        batch.src = torch.from_numpy(_pad(data.source, idx, int(src_len.max())))
        batch.src_len = torch.from_numpy(src_len)
        batch.src_tokens = int(src_len.sum())
    else:
        batch.feats = torch.from_numpy(data.features[data.image[idx]])
        batch.src_tokens = 0
    return batch


def epoch_plan(data: TaskData, batch_size: int, seed: int, epoch: int, pool: int = 50) -> list[np.ndarray]:
    """The example indices of every batch of one epoch, in training order."""
    rng = np.random.default_rng([seed, BATCH_STREAM, task_key(data.task.name), epoch])
    order = rng.permutation(len(data))
    src_len, tgt_len = data.source_length, data.target.length
    batches = []
    step = pool * batch_size
    for start in range(0, len(order), step):
        chunk = order[start : start + step]
        chunk = chunk[np.lexsort((tgt_len[chunk], src_len[chunk]))]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


class BatchIterator:
    """Endless batches of one task, epoch after epoch; resumable from ``position``."""

    def __init__(self, data: TaskData, batch_size: int, seed: int, pool: int = 50):
        if len(data) == 0:
            raise ValueError(f"task {data.task.name} has no training examples")
        self.data, self.batch_size, self.seed, self.pool = data, batch_size, seed, pool
        self.epoch, self.index = 0, 0
        self._plan: list[np.ndarray] | None = None
        self._plan_epoch = -1

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.data) // self.batch_size)

    @property
    def position(self) -> tuple[int, int]:
        return self.epoch, self.index

    def seek(self, position) -> None:
        self.epoch, self.index = int(position[0]), int(position[1])

    def next_indices(self) -> np.ndarray:
        if self.index >= self.batches_per_epoch:
            self.epoch, self.index = self.epoch + 1, 0
        if self._plan_epoch != self.epoch:
            self._plan = epoch_plan(self.data, self.batch_size, self.seed, self.epoch, self.pool)
            self._plan_epoch = self.epoch
        idx = self._plan[self.index]
        self.index += 1
        return idx

    def next(self) -> Batch:
        return make_batch(self.data, self.next_indices())


def eval_batches(data: TaskData, batch_size: int):
    """All examples once, sorted by length (order does not matter for a summed loss)."""
    order = np.lexsort((data.target.length, data.source_length))
    for start in range(0, len(order), batch_size):
        yield make_batch(data, order[start : start + batch_size])
