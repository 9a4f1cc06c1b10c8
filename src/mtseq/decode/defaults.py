"""Defaults of the ``decode`` section, for callers that pass a partial config."""

from __future__ import annotations

from mtseq.decode.beam import LENGTH_NORMS
from mtseq.errors import ConfigError

DECODE_DEFAULTS = {
    "beam": 5,
    "length_penalty": 1.0,  # alpha: hypotheses ranked by score / lp(length)
    "length_norm": "power",  # power: lp = length ** alpha; gnmt: ((5 + length) / 6) ** alpha
    "max_len": 80,
    "batch_size": 64,
}


def decode_config(cfg: dict | None) -> dict:
    """The ``decode`` section with defaults filled; names the key it refuses."""
    out = {**DECODE_DEFAULTS, **(cfg or {})}
    unknown = sorted(set(out) - set(DECODE_DEFAULTS))
    if unknown:
        raise ConfigError(f"decode.{unknown[0]}", "unknown key")
    for key in ("beam", "max_len", "batch_size"):
        if not isinstance(out[key], int) or out[key] < 1:
            raise ConfigError(f"decode.{key}", f"must be a positive integer, not {out[key]!r}")
    if out["length_norm"] not in LENGTH_NORMS:
        raise ConfigError("decode.length_norm", f"must be one of {', '.join(LENGTH_NORMS)}")
    return out
