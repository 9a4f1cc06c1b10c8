"""Test-set uncertainty of a grid cell's delta against the single-task baseline.

What is tested: a cell trained with seeds c_1..c_k and the baseline trained
with seeds b_1..b_m (the sets may differ) are compared on the statistic the
tables report, ``delta = mean_s metric(cell run s) - mean_s metric(baseline
run s)``, each metric a corpus score over the whole test set. The bootstrap
resamples whole test sentences: one draw of n sentence indices (with
replacement) is applied to every run of both sides, each run's corpus metric
is recomputed on that resample and the seed means are differenced. A
sentence thereby keeps all its outputs together, across seeds and sides.

What the null is: the *same trained models* score equally in expectation on
another test set drawn from the same distribution. This is test-set
uncertainty only; it says nothing about what retraining with other seeds
would give (seed variance is inferred elsewhere, from per-run scores).

The p value is two-sided by the shift method, ``p = (1 + #{|d*_b -
mean(d*)| >= |d_obs|}) / (B + 1)``: the bootstrap distribution centred on 0
stands in for the null distribution of delta. Identical outputs give
d_obs = 0 and p = 1. The interval is the 95% percentile interval of d*.
(The Moses / ``sacrebleu --paired-bs`` count, "centred difference > observed
difference", is one-sided and rejects about twice too often as two-sided.)

Metrics are computed from per-sentence sufficient statistics so that a
resample is a matrix product: BLEU and chrF from sacrebleu's own segment
statistics (the corpus scores equal ``sacrebleu.corpus_bleu``/``corpus_chrf``
exactly), parse F1 from [matched, gold, test] bracket counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mtseq.errors import MtseqError
from mtseq.evaluate.textmetrics import References, detokenize

DEFAULT_SAMPLES = 10000
DEFAULT_SEED = 12345
# Cells of the resample-count matrix held at once (chunk rows x n sentences): 2M x 8 bytes = 16 MB.
CHUNK_CELLS = 2_000_000

Score = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PairedResult:
    """One cell against the baseline on one metric: seed-mean scores, p value and CI of the delta."""

    metric: str
    baseline: float
    system: float
    p_value: float
    n_segments: int
    n_samples: int
    signature: str = ""
    ci_low: float = math.nan
    ci_high: float = math.nan

    @property
    def delta(self) -> float:
        return self.system - self.baseline

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value < alpha


# ---------------------------------------------------------------- metrics from summed statistics


def f1_from_counts(sums: np.ndarray) -> np.ndarray:
    """Labelled-bracket F1 (x100) from summed [matched, gold, test] counts (last axis)."""
    sums = np.asarray(sums, dtype=float)
    matched, gold, test = sums[..., 0], sums[..., 1], sums[..., 2]
    denom = gold + test
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 200.0 * matched / np.where(denom > 0, denom, 1), 0.0)


_MY_LOG_ZERO = -9999999999.0  # sacrebleu.utils.my_log(0)


def bleu_from_stats(
    sums: np.ndarray,
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = False,
    max_ngram_order: int = 4,
) -> np.ndarray:
    """``sacrebleu.metrics.BLEU.compute_bleu`` vectorised over the leading axes.

    ``sums[..., :]`` = [hyp_len, ref_len, correct_1..N, total_1..N] summed over
    sentences. Mirrors sacrebleu operation by operation (the stop at the first
    order without n-grams, the doubling 'exp' smoothing, my_log(0)) so that the
    score equals sacrebleu's corpus BLEU.
    """
    from sacrebleu.metrics import BLEU

    if smooth_method not in BLEU.SMOOTH_DEFAULTS:
        raise MtseqError(f"unknown BLEU smoothing {smooth_method!r}")
    if smooth_value is None:
        smooth_value = BLEU.SMOOTH_DEFAULTS[smooth_method]
    sums = np.asarray(sums, dtype=float)
    n = max_ngram_order
    if sums.shape[-1] != 2 + 2 * n:
        raise MtseqError(f"BLEU statistics need {2 + 2 * n} columns, got {sums.shape[-1]}")
    sys_len, ref_len = sums[..., 0], sums[..., 1]
    correct, total = sums[..., 2 : 2 + n].copy(), sums[..., 2 + n :].copy()
    no_match = ~np.any(correct != 0, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        bp = np.where(sys_len < ref_len, np.where(sys_len > 0, np.exp(1 - ref_len / sys_len), 0.0), 1.0)
        if smooth_method == "add-k":
            correct[..., 1:] += smooth_value
            total[..., 1:] += smooth_value
        alive = np.cumprod(total != 0, axis=-1).astype(bool)  # sacrebleu breaks at the first empty order
        zero = alive & (correct == 0)
        safe_total = np.where(alive, total, 1.0)
        prec = np.where(alive, 100.0 * correct / safe_total, 0.0)
        if smooth_method == "exp":
            mteval = 2.0 ** np.cumsum(zero, axis=-1)
            prec = np.where(zero, 100.0 / (mteval * safe_total), prec)
        elif smooth_method == "floor":
            prec = np.where(zero, 100.0 * smooth_value / safe_total, prec)
        logs = np.where(prec == 0, _MY_LOG_ZERO, np.log(np.where(prec == 0, 1.0, prec)))
        if effective_order:
            eff = alive.sum(axis=-1)
            logs = np.where(alive, logs, 0.0)
        else:
            eff = np.full(sys_len.shape, n)
        # sacrebleu sums the logs left to right
        acc = logs[..., 0]
        for k in range(1, n):
            acc = acc + logs[..., k]
        score = bp * np.exp(acc / np.maximum(eff, 1))
    return np.where(no_match, 0.0, score)


def chrf_from_stats(
    sums: np.ndarray, char_order: int = 6, word_order: int = 0, beta: int = 2, eps_smoothing: bool = False
) -> np.ndarray:
    """``sacrebleu.metrics.CHRF._compute_f_score`` vectorised over the leading axes.

    ``sums[..., :]`` = [n_hyp, n_ref, n_match] per order, char orders then word orders.
    """
    order = char_order + word_order
    sums = np.asarray(sums, dtype=float)
    if sums.shape[-1] != 3 * order:
        raise MtseqError(f"chrF statistics need {3 * order} columns, got {sums.shape[-1]}")
    st = sums.reshape(sums.shape[:-1] + (order, 3))
    n_hyp, n_ref, n_match = st[..., 0], st[..., 1], st[..., 2]
    eps, factor = 1e-16, beta**2
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(n_hyp > 0, n_match / np.where(n_hyp > 0, n_hyp, 1), eps)
        rec = np.where(n_ref > 0, n_match / np.where(n_ref > 0, n_ref, 1), eps)
        if eps_smoothing:
            denom = factor * prec + rec
            f = np.where(denom > 0, (1 + factor) * prec * rec / np.where(denom > 0, denom, 1), eps)
            acc = f[..., 0]
            for k in range(1, order):
                acc = acc + f[..., k]
            return 100 * acc / order
        valid = (n_hyp > 0) & (n_ref > 0)
        p_acc, r_acc = np.zeros(prec.shape[:-1]), np.zeros(prec.shape[:-1])
        for k in range(order):
            p_acc = p_acc + np.where(valid[..., k], prec[..., k], 0.0)
            r_acc = r_acc + np.where(valid[..., k], rec[..., k], 0.0)
        eff = valid.sum(axis=-1)
        avg_p = np.where(eff > 0, p_acc / np.maximum(eff, 1), 0.0)
        avg_r = np.where(eff > 0, r_acc / np.maximum(eff, 1), 0.0)
        num = (1 + factor) * avg_p * avg_r
        den = factor * avg_p + avg_r
        return np.where(avg_p + avg_r != 0, 100 * (num / np.where(den != 0, den, 1)), 0.0)


# ---------------------------------------------------------------- per-sentence statistics of text


def _sacrebleu_metric(metric: str, references: list[list[str | None]]):
    """sacrebleu's metric with its default settings (those of the reported scores), references cached."""
    from sacrebleu.metrics import BLEU, CHRF

    if metric == "bleu":
        return BLEU(references=references)
    if metric == "chrf":
        return CHRF(references=references)
    raise MtseqError(f"no per-sentence statistics for metric {metric!r} (known: bleu, chrf)")


class TextScorer:
    """Per-sentence sufficient statistics of one metric against fixed references.

    References are Moses-tokenised, ``refs[i]`` every reference of segment i
    (several for a captioned image); they are detokenised and cached once,
    and each hypothesis file is detokenised like the reported scores.
    """

    def __init__(self, metric: str, refs: Sequence[Sequence[str]], lang: str):
        prepared = References(refs, lang)
        self.metric, self.lang, self.n = metric, lang, len(refs)
        self._m = _sacrebleu_metric(metric, prepared.detokenised)

    def stats(self, hyps: Sequence[str]) -> np.ndarray:
        """[n, k] statistics of the Moses-tokenised hypotheses ``hyps``."""
        if len(hyps) != self.n:
            raise MtseqError(f"{len(hyps)} hypotheses but {self.n} reference sets")
        rows = self._m._extract_corpus_statistics(detokenize(hyps, self.lang), None)
        return np.asarray(rows, dtype=float).reshape(self.n, -1)

    def score(self, sums: np.ndarray) -> np.ndarray:
        """The corpus metric of summed statistics, with this scorer's sacrebleu settings."""
        m = self._m
        if self.metric == "bleu":
            return bleu_from_stats(sums, m.smooth_method, m.smooth_value, m.effective_order, m.max_ngram_order)
        return chrf_from_stats(sums, m.char_order, m.word_order, m.beta, m.eps_smoothing)

    def signature(self) -> str:
        return str(self._m.get_signature())


# ---------------------------------------------------------------- the bootstrap


def _stack(runs: Sequence[Sequence[Sequence[float]]], side: str) -> np.ndarray:
    """Runs of one side -> [n, seeds, k] float array; refuses ragged or empty input."""
    if len(runs) == 0:
        raise MtseqError(f"the {side} has no runs to compare")
    arrays = [np.asarray(r, dtype=float) for r in runs]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1 or arrays[0].ndim != 2 or len(arrays[0]) == 0:
        raise MtseqError(f"the {side}'s runs must be equal non-empty [n, k] arrays, got shapes {sorted(shapes)}")
    return np.stack(arrays, axis=1)


def resample_counts(rng: np.random.Generator, rows: int, n: int) -> np.ndarray:
    """[rows, n] float counts: how often each of n sentences is drawn in each of ``rows`` resamples."""
    idx = rng.integers(0, n, size=(rows, n))
    idx += (np.arange(rows) * n)[:, None]
    return np.bincount(idx.ravel(), minlength=rows * n).reshape(rows, n).astype(float)


def seed_mean_delta_bootstrap(
    baseline: Sequence[Sequence[Sequence[float]]],
    system: Sequence[Sequence[Sequence[float]]],
    score: Score = f1_from_counts,
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float, np.ndarray]:
    """(seed-mean baseline, seed-mean system, B bootstrap deltas) by resampling whole sentences.

    ``baseline[s][i]`` / ``system[s][i]`` are the statistics of sentence i in
    run s of each side; ``score`` maps summed statistics (leading axes
    vectorised) to the corpus metric. Resamples are drawn in chunks so memory
    stays at about CHUNK_CELLS floats whatever B.
    """
    base, sys_ = _stack(baseline, "baseline"), _stack(system, "system")
    if base.shape[0] != sys_.shape[0] or base.shape[2] != sys_.shape[2]:
        raise MtseqError(
            f"the system has {sys_.shape[0]} sentences x {sys_.shape[2]} statistics, "
            f"the baseline {base.shape[0]} x {base.shape[2]}"
        )
    if n_samples < 1:
        raise MtseqError(f"bootstrap samples must be positive, got {n_samples}")
    n, n_base, k = base.shape
    both = np.concatenate([base, sys_], axis=1).reshape(n, -1)  # [n, (seeds_b + seeds_s) * k]

    def deltas(sums: np.ndarray) -> np.ndarray:
        scores = score(sums.reshape(sums.shape[0], -1, k))
        return scores[:, n_base:].mean(axis=1) - scores[:, :n_base].mean(axis=1)

    full = score(both.sum(axis=0).reshape(-1, k))
    base_mean, sys_mean = float(full[:n_base].mean()), float(full[n_base:].mean())
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_samples, CHUNK_CELLS // n))
    out = np.empty(n_samples)
    for start in range(0, n_samples, chunk):
        rows = min(chunk, n_samples - start)
        out[start : start + rows] = deltas(resample_counts(rng, rows, n) @ both)
    return base_mean, sys_mean, out


def two_sided_p(sample_deltas: np.ndarray, observed: float) -> float:
    """Shift-method p: share of centred bootstrap deltas at least as extreme as the observed one."""
    centred = np.abs(sample_deltas - sample_deltas.mean())
    return float((np.sum(centred >= abs(observed)) + 1) / (len(sample_deltas) + 1))


def paired_bootstrap(
    baseline: Sequence[Sequence[Sequence[float]]],
    system: Sequence[Sequence[Sequence[float]]],
    score: Score = f1_from_counts,
    metric: str = "f1",
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    metric_signature: str = "",
) -> PairedResult:
    """Sentence bootstrap of the seed-mean delta (module docstring): p value and 95% CI."""
    base_mean, sys_mean, d = seed_mean_delta_bootstrap(baseline, system, score, n_samples, seed)
    observed = sys_mean - base_mean
    p = two_sided_p(d, observed)
    lo, hi = np.percentile(d, [2.5, 97.5])
    sig = (
        f"sentence-bs|delta:seed-mean|seeds:{len(system)}v{len(baseline)}|n:{n_samples}|seed:{seed}"
        f"|p:two-sided-shift|ci:95-percentile|metric:{metric}"
    )
    if metric_signature:
        sig += f"|{metric_signature}"
    n = len(np.asarray(baseline[0]))
    return PairedResult(metric, base_mean, sys_mean, p, n, n_samples, sig, float(lo), float(hi))


def paired_bootstrap_text(
    baseline: Sequence[Sequence[str]],
    systems: Mapping[str, Sequence[Sequence[str]]],
    refs: Sequence[Sequence[str]],
    lang: str,
    metrics: Sequence[str] = ("bleu",),
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, dict[str, PairedResult]]:
    """Each system's runs against the baseline's runs, on BLEU and/or chrF.

    ``baseline`` and each ``systems[name]`` are lists of runs (one per seed),
    each the Moses-tokenised hypotheses of every segment; ``refs[i]`` holds
    the references of segment i. Returns ``{system: {metric: PairedResult}}``.
    """
    for name, runs in {"the baseline": baseline, **{f"system {k!r}": v for k, v in systems.items()}}.items():
        if not runs:
            raise MtseqError(f"{name} has no runs to compare")
        for hyps in runs:
            if len(hyps) != len(refs):
                raise MtseqError(f"{name} has a run with {len(hyps)} segments for {len(refs)} reference sets")
    out: dict[str, dict[str, PairedResult]] = {name: {} for name in systems}
    if not systems:
        return out
    for metric in metrics:
        scorer = TextScorer(metric, refs, lang)
        base = [scorer.stats(h) for h in baseline]
        for name, runs in systems.items():
            out[name][metric] = paired_bootstrap(
                base, [scorer.stats(h) for h in runs], scorer.score, metric, n_samples, seed, scorer.signature()
            )
    return out
