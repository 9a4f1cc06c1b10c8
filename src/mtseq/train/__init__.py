"""Multi-task training: data, batching, task mixing, the loop, checkpoints and run directories.

Entry point: ``mtseq.train.run.train_run`` (what ``mtseq train`` calls).
"""

from mtseq.train.defaults import TRAIN_DEFAULTS, train_config

__all__ = ["TRAIN_DEFAULTS", "train_config"]
