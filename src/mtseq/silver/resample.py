"""Resample the agreed trees to the WSJ sentence-length distribution.

Two parsers agree far more often on short sentences, so the filtered pool is
skewed short; a parser trained on it would see too few long sentences.
Vinyals et al. (2015) therefore resampled their high-confidence corpus to
match the length distribution of the WSJ training trees, and so do we:
bucket sentences by length, give each bucket its reference share of the
target size, and draw from it with a seeded generator, without replacement
while the bucket lasts. The draw is a pure function of the pool, the
reference and the seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from nltk import Tree

from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs
from mtseq.trees.clean import clean_tree
from mtseq.trees.ptb import iter_trees, tree_to_line


def sentence_length(tree: Tree) -> int:
    """Words in the cleaned tree: traces are not words, so WSJ and parser output count alike."""
    cleaned = clean_tree(tree)
    return 0 if cleaned is None else len(cleaned.leaves())


def tree_lengths(paths: Sequence[str | Path]) -> np.ndarray:
    """The sentence length of every tree in ``paths`` (in order), streaming."""
    lengths = [sentence_length(tree) for path in paths for tree, _ in iter_trees(path)]
    return np.asarray(lengths, dtype=np.int64)


def length_histogram(lengths: np.ndarray, bucket_width: int, n_buckets: int) -> np.ndarray:
    """Counts per bucket ``[1..w], [w+1..2w], ...``; lengths beyond the last bucket are not counted."""
    ids = (lengths[lengths > 0] - 1) // bucket_width
    return np.bincount(ids[ids < n_buckets], minlength=n_buckets)[:n_buckets]


def allocate(probs: np.ndarray, size: int) -> np.ndarray:
    """Integer counts proportional to ``probs`` summing to ``size`` (largest remainders win ties in order)."""
    quotas = probs * size
    counts = np.floor(quotas).astype(np.int64)
    short = size - int(counts.sum())
    if short > 0:
        counts[np.argsort(-(quotas - counts), kind="stable")[:short]] += 1
    return counts


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    return float(0.5 * np.abs(p - q).sum())


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) in nats; infinite when p has mass where q has none."""
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def draw(
    lengths: np.ndarray,
    reference_lengths: np.ndarray,
    size: int | None,
    seed: int,
    bucket_width: int = 1,
    allow_duplicates: bool = True,
) -> tuple[np.ndarray, dict]:
    """``(copies, stats)``: how many times each pool sentence enters the sample, and how well it fits.

    ``size=None`` takes the largest sample that fits the reference without
    duplicates. Buckets the pool has no sentence for are left out and their
    reference share spread over the rest (reported as ``reference_mass_uncovered``).
    """
    if bucket_width < 1:
        raise MtseqError(f"bucket width must be at least 1, not {bucket_width}")
    if size is not None and size < 1:
        raise MtseqError(f"sample size must be at least 1, not {size}")
    longest = int(reference_lengths.max(initial=0))
    if longest == 0:
        raise MtseqError("the reference has no sentences")
    n_buckets = (longest - 1) // bucket_width + 1
    ref_counts = length_histogram(reference_lengths, bucket_width, n_buckets)
    ref_probs = ref_counts / ref_counts.sum()
    # bucket id per pool sentence; n_buckets collects what the reference never has (empty or too long)
    ids = np.where(lengths > 0, np.minimum((lengths - 1) // bucket_width, n_buckets), n_buckets)
    available = np.bincount(ids, minlength=n_buckets + 1)[:n_buckets]
    covered = (available > 0) & (ref_counts > 0)
    if not covered.any():
        raise MtseqError("no tree in the pool has a sentence length found in the reference")
    probs = np.where(covered, ref_probs, 0.0)
    probs /= probs.sum()
    if size is None:
        size = int(np.floor(np.min(available[covered] / probs[covered]) + 1e-9))
    targets = allocate(probs, size)

    rng = np.random.default_rng(seed)
    order = np.argsort(ids, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(ids, minlength=n_buckets + 1))])
    chosen = []
    for b in np.flatnonzero(targets):
        pool = order[starts[b] : starts[b + 1]]
        want = int(targets[b])
        chosen.append(rng.choice(pool, min(want, len(pool)), replace=False))
        if want > len(pool) and allow_duplicates:
            chosen.append(rng.choice(pool, want - len(pool), replace=True))
    copies = np.bincount(np.concatenate(chosen), minlength=len(lengths))

    achieved = length_histogram(np.repeat(lengths, copies), bucket_width, n_buckets)
    achieved_probs = achieved / achieved.sum()
    stats = {
        "seed": seed,
        "bucket_width": bucket_width,
        "allow_duplicates": allow_duplicates,
        "n_pool": int(len(lengths)),
        "n_reference": int(ref_counts.sum()),
        "size_target": int(size),
        "size_achieved": int(copies.sum()),
        "n_unique": int(np.count_nonzero(copies)),
        "n_duplicates": int(copies.sum() - np.count_nonzero(copies)),
        "reference_mass_uncovered": float(ref_probs[~covered].sum()),
        "total_variation": total_variation(ref_probs, achieved_probs),
        "kl_achieved_reference": kl_divergence(achieved_probs, ref_probs),
        "buckets": [
            {
                "lengths": [b * bucket_width + 1, (b + 1) * bucket_width],
                "reference": float(ref_probs[b]),
                "available": int(available[b]),
                "target": int(targets[b]),
                "achieved": int(achieved[b]),
            }
            for b in range(n_buckets)
            if ref_counts[b] or available[b]
        ],
    }
    return copies, stats


def resample_file(
    trees_path: str | Path | Sequence[str | Path],
    reference_paths: Sequence[str | Path],
    out_path: str | Path,
    size: int | None,
    seed: int,
    stats_path: str | Path | None = None,
    bucket_width: int = 1,
    allow_duplicates: bool = True,
) -> dict:
    """Draw ``size`` trees of ``trees_path`` matching the reference's lengths; trees and stats land together.

    ``trees_path`` may be several files (the agreed trees of each pool shard),
    read as one pool in order. Output keeps the pool's order (a sentence
    drawn twice appears twice in a row).
    """
    pool = [trees_path] if isinstance(trees_path, str | Path) else list(trees_path)
    lengths = tree_lengths(pool)
    if len(lengths) == 0:
        raise MtseqError("no trees in file", pool[0])
    reference = tree_lengths(reference_paths)
    copies, stats = draw(lengths, reference, size, seed, bucket_width, allow_duplicates)
    trees_desc = str(pool[0]) if len(pool) == 1 else [str(p) for p in pool]
    stats = {"trees": trees_desc, "reference": [str(p) for p in reference_paths], **stats}
    pool_trees = (tree for path in pool for tree, _ in iter_trees(path))
    with AtomicOutputs() as out:
        with open(out.path(out_path), "w", encoding="utf-8", newline="\n") as fh:
            for tree, k in zip(pool_trees, copies):
                if k:
                    fh.write((tree_to_line(tree) + "\n") * int(k))
        if stats_path is not None:
            out.write_json(stats_path, stats)
    return stats
