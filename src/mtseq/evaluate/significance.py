"""Paired bootstrap resampling of a grid cell against the single-task baseline.

BLEU and chrF go through sacrebleu's own paired bootstrap
(``sacrebleu.significance.PairedTest(test_type="bs")``, the Moses
``bootstrap-hypothesis-difference-significance.pl`` procedure) so that the
p values match what ``sacrebleu --paired-bs`` prints. Its seed is
sacrebleu's ``SACREBLEU_SEED`` (default 12345) and is part of the returned
signature. Metrics that decompose into per-sentence sufficient statistics
(parse F1 from matched / gold / test bracket counts) use
:func:`paired_bootstrap_stats`, the same test statistic on a seeded numpy
Generator.

Seeds are pooled: a cell trained with seeds 1..k and the baseline trained
with the same seeds each contribute the concatenation of their k test
outputs (seed order), the references repeated k times, and one paired test
compares the two pools. Resampling a sentence index then draws the same
sentence from the same seed in both systems. This compares the systems
averaged over training seeds with one test instead of k tests to combine;
it does not model between-seed variance beyond what the pooled sentences
show, which is why the tables also give a t-interval over seeds.

One correction to the Moses statistic: two systems with exactly equal
scores get p = 1. The Moses/sacrebleu count (resampled centred differences
strictly greater than the observed one) is 0 there, which would report
identical systems as different at p = 1/(n+1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mtseq.errors import MtseqError
from mtseq.evaluate.textmetrics import detokenize, ref_streams

DEFAULT_SAMPLES = 1000
DEFAULT_SEED = 12345


@dataclass(frozen=True)
class PairedResult:
    """One system against the baseline on one metric."""

    metric: str
    baseline: float
    system: float
    p_value: float
    n_segments: int
    n_samples: int
    signature: str = ""

    @property
    def delta(self) -> float:
        return self.system - self.baseline

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value < alpha


def pool_seeds(outputs_by_seed: Mapping[int, Sequence], seeds: Sequence[int]) -> list:
    """Concatenate per-seed outputs (hypotheses or statistics) in the given seed order."""
    pooled: list = []
    for s in seeds:
        pooled.extend(outputs_by_seed[s])
    return pooled


def _p_value(sample_diffs: np.ndarray, observed: float) -> float:
    """Moses/sacrebleu two-sided p: centred |resampled diff| beyond |observed diff|."""
    if observed == 0.0:
        return 1.0
    centred = sample_diffs - sample_diffs.mean()
    return float((np.sum(centred > observed) + 1) / (len(sample_diffs) + 1))


_SACREBLEU_METRICS = {"bleu": "BLEU", "chrf": "chrF2"}


def paired_bootstrap_text(
    baseline: Sequence[str],
    systems: Mapping[str, Sequence[str]],
    refs: Sequence[Sequence[str]],
    lang: str,
    metrics: Sequence[str] = ("bleu",),
    n_samples: int = DEFAULT_SAMPLES,
) -> dict[str, dict[str, PairedResult]]:
    """sacrebleu paired bootstrap of each system against the baseline.

    Inputs are Moses-tokenised and are detokenised first, like the reported
    BLEU; ``refs[i]`` holds the references of segment i (pool them with
    :func:`pool_seeds` when systems are pooled over seeds). Returns
    ``{system: {metric: PairedResult}}`` with metric in ``bleu``/``chrf``.
    """
    from sacrebleu.metrics import BLEU, CHRF
    from sacrebleu.significance import PairedTest

    for name, hyps in systems.items():
        if len(hyps) != len(baseline):
            raise MtseqError(f"system {name!r} has {len(hyps)} segments, the baseline {len(baseline)}")
    if len(refs) != len(baseline):
        raise MtseqError(f"{len(refs)} reference sets for {len(baseline)} segments")
    if not systems:
        return {}
    unknown = set(metrics) - set(_SACREBLEU_METRICS)
    if unknown:
        raise MtseqError(f"no sacrebleu paired test for metric(s) {sorted(unknown)}")
    factories = {"bleu": BLEU, "chrf": CHRF}
    named = [("__baseline__", detokenize(baseline, lang))]
    named += [(name, detokenize(h, lang)) for name, h in systems.items()]
    streams = ref_streams([detokenize(r, lang) for r in refs])
    test = PairedTest(
        named,
        {_SACREBLEU_METRICS[m]: factories[m]() for m in metrics},
        streams,
        test_type="bs",
        n_samples=n_samples,
    )
    signatures, scores = test()
    out: dict[str, dict[str, PairedResult]] = {name: {} for name in systems}
    for m in metrics:
        key = _SACREBLEU_METRICS[m]
        base = scores[key][0].score
        for i, name in enumerate(systems, 1):
            res = scores[key][i]
            p = 1.0 if res.score == base else float(res.p_value)
            out[name][m] = PairedResult(m, base, res.score, p, len(baseline), n_samples, str(signatures[key]))
    return out


def f1_from_counts(sums: np.ndarray) -> np.ndarray:
    """Labelled-bracket F1 (x100) from summed [matched, gold, test] counts (last axis)."""
    sums = np.asarray(sums, dtype=float)
    matched, gold, test = sums[..., 0], sums[..., 1], sums[..., 2]
    denom = gold + test
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 200.0 * matched / np.where(denom > 0, denom, 1), 0.0)


def paired_bootstrap_stats(
    baseline: Sequence[Sequence[float]],
    system: Sequence[Sequence[float]],
    score: Callable[[np.ndarray], np.ndarray] = f1_from_counts,
    metric: str = "f1",
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
) -> PairedResult:
    """Paired bootstrap over per-sentence sufficient statistics.

    ``baseline[i]`` and ``system[i]`` are the statistics of sentence i (e.g.
    [matched, gold, test] brackets); ``score`` maps summed statistics
    (vectorised over leading axes) to the corpus metric. Same test statistic
    as sacrebleu's paired bootstrap, so p values of both kinds read alike.
    """
    base = np.asarray(baseline, dtype=float)
    sys_ = np.asarray(system, dtype=float)
    if base.ndim != 2 or base.shape != sys_.shape or len(base) == 0:
        raise MtseqError(
            f"paired statistics must be two equal non-empty [n, k] arrays, got {base.shape} and {sys_.shape}"
        )
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(base), size=(n_samples, len(base)))
    # counts[j, i]: how often sentence i is drawn in resample j; sums = counts @ stats
    counts = np.zeros((n_samples, len(base)))
    np.add.at(counts, (np.arange(n_samples)[:, None], idx), 1.0)
    base_scores = score(counts @ base)
    sys_scores = score(counts @ sys_)
    observed_base = float(score(base.sum(axis=0)))
    observed_sys = float(score(sys_.sum(axis=0)))
    p = _p_value(np.abs(sys_scores - base_scores), abs(observed_sys - observed_base))
    sig = f"paired-bs|n:{n_samples}|seed:{seed}|metric:{metric}"
    return PairedResult(metric, observed_base, observed_sys, p, len(base), n_samples, sig)
