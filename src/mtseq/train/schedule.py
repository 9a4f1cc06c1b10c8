"""The paper's learning-rate schedule, on the reference task's epoch clock."""

from __future__ import annotations

import math


def halvings(epoch: float, start: float, cycle: float) -> int:
    """How often the rate has been halved ``epoch`` reference epochs in.

    The paper: "after `start` epochs, halve every `cycle` epochs", so the
    first halving is at `start` itself (12 epochs, start 8, cycle 1: four).
    """
    if epoch < start:
        return 0
    return int(math.floor((epoch - start) / cycle + 1e-9)) + 1


def learning_rate(lr: float, ref_done: int, batches_per_epoch: int, start: float, cycle: float) -> float:
    """The rate for the update after ``ref_done`` reference updates."""
    return lr * 0.5 ** halvings(ref_done / batches_per_epoch, start, cycle)
