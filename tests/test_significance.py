"""Paired bootstrap: identical systems are never significant, a clearly better one is."""

from __future__ import annotations

import numpy as np
import pytest

from mtseq.errors import MtseqError
from mtseq.evaluate.significance import (
    f1_from_counts,
    paired_bootstrap_stats,
    paired_bootstrap_text,
    pool_seeds,
)

WORDS = "the a cat dog sat on mat ran away house big small red old new it was is".split()


def corpus(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, 9)) + " ." for _ in range(n)]


def corrupt(lines, share, seed):
    """Replace a share of the words of each line: higher share, worse system."""
    rng = np.random.default_rng(seed)
    out = []
    for line in lines:
        toks = line.split()
        for i in range(len(toks) - 1):
            if rng.random() < share:
                toks[i] = rng.choice(WORDS)
        out.append(" ".join(toks))
    return out


def test_text_identical_not_significant_better_significant():
    refs = corpus()
    base = corrupt(refs, 0.6, 1)
    res = paired_bootstrap_text(
        base, {"same": list(base), "better": corrupt(refs, 0.15, 2)}, [[r] for r in refs], "en", ("bleu", "chrf")
    )
    same, better = res["same"], res["better"]
    assert same["bleu"].p_value == 1.0 and not same["bleu"].significant()
    assert same["chrf"].p_value == 1.0 and same["bleu"].delta == 0
    assert better["bleu"].delta > 10 and better["bleu"].p_value < 0.05 and better["bleu"].significant()
    assert better["chrf"].p_value < 0.05
    assert "bs:1000" in better["bleu"].signature


def test_text_slightly_different_system_is_not_significant():
    refs = corpus(200)
    base = corrupt(refs, 0.5, 1)
    other = list(base)
    other[:3] = corrupt(refs[:3], 0.5, 9)  # three sentences differ by chance
    res = paired_bootstrap_text(base, {"other": other}, [[r] for r in refs], "en")
    assert res["other"]["bleu"].p_value > 0.05


def test_text_refuses_unpaired_systems():
    with pytest.raises(MtseqError, match="segments"):
        paired_bootstrap_text(["a ."], {"x": ["a .", "b ."]}, [["a ."]], "en")


def test_pooling_over_seeds_repeats_references():
    refs = corpus(40)
    by_seed_base = {s: corrupt(refs, 0.6, s) for s in (1, 2, 3)}
    by_seed_sys = {s: corrupt(refs, 0.1, 10 + s) for s in (1, 2, 3)}
    base, sys_ = pool_seeds(by_seed_base, [1, 2, 3]), pool_seeds(by_seed_sys, [1, 2, 3])
    assert len(base) == len(sys_) == 120 and base[40:80] == by_seed_base[2]
    res = paired_bootstrap_text(base, {"sys": sys_}, [[r] for r in refs] * 3, "en")
    assert res["sys"]["bleu"].p_value < 0.05 and res["sys"]["bleu"].n_segments == 120


def parse_counts(n, miss_rate, seed):
    """[matched, gold, test] per sentence for a parser that misses a share of brackets."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(4, 12, n)
    matched = gold - rng.binomial(gold, miss_rate)
    test = matched + rng.binomial(gold - matched, 0.8)
    return np.stack([matched, gold, test], axis=1).tolist()


def test_stats_identical_not_significant_better_significant():
    base = parse_counts(150, 0.4, 1)
    same = paired_bootstrap_stats(base, base)
    assert same.p_value == 1.0 and not same.significant()
    better = paired_bootstrap_stats(base, parse_counts(150, 0.1, 2))
    assert better.system > better.baseline and better.p_value < 0.05
    sums = np.asarray(base).sum(axis=0)
    assert better.baseline == pytest.approx(200 * sums[0] / (sums[1] + sums[2]))


def test_stats_bootstrap_is_seeded():
    base, other = parse_counts(80, 0.3, 1), parse_counts(80, 0.28, 2)
    a = paired_bootstrap_stats(base, other, seed=7)
    b = paired_bootstrap_stats(base, other, seed=7)
    assert a.p_value == b.p_value and 0 < a.p_value <= 1


def test_f1_from_counts_vectorised():
    sums = np.array([[[5, 10, 10], [0, 0, 0]]])
    np.testing.assert_allclose(f1_from_counts(sums), [[50.0, 0.0]])
    with pytest.raises(MtseqError):
        paired_bootstrap_stats([[1, 2, 3]], [[1, 2, 3], [1, 2, 3]])
