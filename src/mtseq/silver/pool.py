"""The sentences to parse for the silver corpus: tokenised English, deduplicated, length-capped, sharded.

Parsing is the expensive step (two parsers over millions of sentences), so
the pool is cut into shards that parse as separate jobs (one GPU each on a
cluster). Sentences longer than ``max_words`` are left out: a parser's
encoder has a length limit (benepar refuses the whole batch), and the WSJ
length distribution the corpus is resampled to has almost nothing that long.
Duplicates (news text repeats itself) are parsed once. Two streaming passes:
the first keeps an 8-byte hash per line, the second writes the shards.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs, check_input_file


def _lines(path: Path):
    with open(path, encoding="utf-8", newline="\n") as fh:
        for i, line in enumerate(fh, 1):
            yield i, line.rstrip("\n").removesuffix("\r")


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def build_pool(
    inputs: Sequence[str | Path],
    outputs: Sequence[str | Path],
    max_words: int = 70,
    size: int | None = None,
    seed: int = 1,
    stats_path: str | Path | None = None,
) -> dict:
    """Write the distinct sentences of ``inputs`` with 1..``max_words`` words round-robin into ``outputs``.

    ``size`` draws that many of them (seeded, in input order); None keeps all.
    """
    if not outputs:
        raise MtseqError("give at least one output shard")
    if max_words < 1:
        raise MtseqError(f"max words must be at least 1, not {max_words}")
    if size is not None and size < 1:
        raise MtseqError(f"pool size must be at least 1, not {size}")
    paths = [Path(p) for p in inputs]
    hashes, ok = array("Q"), array("b")
    n_long = n_empty = 0
    for path in paths:
        check_input_file(path)
        try:
            for _, line in _lines(path):
                words = len(line.split())
                good = 0 < words <= max_words
                n_long += words > max_words
                n_empty += words == 0
                hashes.append(_hash(line) if good else 0)
                ok.append(good)
        except UnicodeDecodeError as err:
            raise MtseqError(f"invalid UTF-8 ({err.reason})", path) from None
    h, keep = np.frombuffer(hashes, dtype=np.uint64), np.frombuffer(ok, dtype=np.int8).astype(bool)
    candidates = np.flatnonzero(keep)
    _, first = np.unique(h[candidates], return_index=True)
    distinct = np.sort(candidates[first])
    if len(distinct) == 0:
        raise MtseqError(f"no sentence of 1-{max_words} words in {', '.join(map(str, paths))}")
    chosen = distinct
    if size is not None and size < len(distinct):
        chosen = np.sort(np.random.default_rng(seed).choice(distinct, size, replace=False))
    if len(chosen) < len(outputs):
        raise MtseqError(f"the pool has {len(chosen)} sentences, fewer than its {len(outputs)} shards")
    selected = np.zeros(len(h), dtype=bool)
    selected[chosen] = True
    per_shard = [0] * len(outputs)
    with AtomicOutputs() as out:
        handles = [open(out.path(p), "w", encoding="utf-8", newline="\n") for p in outputs]
        try:
            k = row = 0
            for path in paths:
                for _, line in _lines(path):
                    if selected[row]:
                        handles[k].write(" ".join(line.split()) + "\n")
                        per_shard[k] += 1
                        k = (k + 1) % len(handles)
                    row += 1
        finally:
            for fh in handles:
                fh.close()
        stats = {
            "inputs": [str(p) for p in paths],
            "max_words": max_words,
            "seed": seed,
            "n_lines": len(h),
            "n_empty": n_empty,
            "n_too_long": n_long,
            "n_duplicates": int(len(candidates) - len(distinct)),
            "n_distinct": int(len(distinct)),
            "n_pool": int(len(chosen)),
            "shards": per_shard,
        }
        if stats_path is not None:
            out.write_json(stats_path, stats)
    return stats
