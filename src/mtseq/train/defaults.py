"""Defaults of the ``train`` section, for callers that pass a partial config.

The workflow's JSON schema fills the same defaults; keeping them here too
lets tests, benchmarks and library users call the trainer with a dict.
"""

from __future__ import annotations

import copy

from mtseq.errors import ConfigError

TRAIN_DEFAULTS = {
    "reference_epochs": 8,
    "updates": None,  # reference-task updates N; overrides reference_epochs when set
    "batch_size": 64,
    "max_len": 50,
    "optimizer": "sgd",
    "lr": 0.7,
    "lr_halving": {"start": 5, "cycle": 1},
    "clip_norm": 5.0,
    "loss_norm": "sentences",  # sentences (paper: summed token loss / batch size) | tokens (per-token mean)
    "mixing": {"strategy": "constant", "cap": None, "temperature": 1.0, "schedule": None},
    "validate_every": 0,
    "checkpoint_every": 200,
    "keep_checkpoints": 2,
    "device": "auto",
    "bf16": True,
    "threads": 1,
}


def _merge(base: dict, over: dict, key: str) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if k not in base:
            raise ConfigError(f"{key}.{k}", "unknown key")
        out[k] = _merge(base[k], v, f"{key}.{k}") if isinstance(base[k], dict) and isinstance(v, dict) else v
    return out


def train_config(cfg: dict | None) -> dict:
    """The ``train`` section with defaults filled and the values the trainer relies on checked."""
    out = _merge(TRAIN_DEFAULTS, cfg or {}, "train")
    if out["optimizer"] not in ("sgd", "adam"):
        raise ConfigError("train.optimizer", f"must be sgd or adam, not {out['optimizer']!r}")
    if out["loss_norm"] not in ("sentences", "tokens"):
        raise ConfigError("train.loss_norm", f"must be sentences or tokens, not {out['loss_norm']!r}")
    if out["device"] not in ("auto", "cpu", "cuda"):
        raise ConfigError("train.device", f"must be auto, cpu or cuda, not {out['device']!r}")
    for k in ("batch_size", "checkpoint_every", "threads", "keep_checkpoints"):
        if not isinstance(out[k], int) or out[k] < 1:
            raise ConfigError(f"train.{k}", f"must be a positive integer, not {out[k]!r}")
    if out["updates"] is not None and (not isinstance(out["updates"], int) or out["updates"] < 1):
        raise ConfigError("train.updates", "must be a positive integer or null")
    if float(out["lr_halving"]["cycle"]) <= 0:
        raise ConfigError("train.lr_halving.cycle", "must be positive")
    return out
