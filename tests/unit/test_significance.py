"""Sentence bootstrap of the seed-mean delta: metrics equal sacrebleu's, whole sentences are
resampled, the statistic is the tables' delta, the p value is calibrated under the null."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF

from mtseq.analysis.pvalues import setting_pvalues
from mtseq.analysis.runs import Run
from mtseq.errors import MtseqError
from mtseq.evaluate.significance import (
    DEFAULT_SAMPLES,
    PairedResult,
    TextScorer,
    bleu_from_stats,
    chrf_from_stats,
    f1_from_counts,
    paired_bootstrap,
    paired_bootstrap_text,
    resample_counts,
    seed_mean_delta_bootstrap,
)
from mtseq.evaluate.textmetrics import detokenize, group_references, ref_streams, text_scores

WORDS = "the a cat dog sat on mat ran away house big small red old new it was is ' s , n't".split()


def corpus(n=120, seed=0, length=9):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, length)) + " ." for _ in range(n)]


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


def awkward(hyps):
    """Edge-case segments: empty, one word (no higher-order n-grams), longer than any reference."""
    hyps = list(hyps)
    hyps[0], hyps[1], hyps[2] = "", "the", hyps[2] + " " + hyps[3] + " " + hyps[4]
    return hyps


def caption_refs(n=60, seed=3):
    """Multi-reference sets grouped by image id, 3 to 5 references per image, as read_references gives."""
    rng = np.random.default_rng(seed)
    per_image = rng.integers(3, 6, n)
    ids = np.repeat(rng.permutation(np.arange(100, 100 + n)), per_image)
    lines = corpus(len(ids), seed + 1, 7)
    return group_references(lines, ids.tolist())[1]


# ---------------------------------------------------------------- metrics equal sacrebleu's


@pytest.mark.parametrize("multi", [False, True], ids=["one-ref", "captions"])
def test_vectorised_corpus_scores_equal_sacrebleu(multi):
    refs = caption_refs() if multi else [[r] for r in corpus(150)]
    if multi:
        assert len({len(r) for r in refs}) > 1  # variable reference counts pad with None
    hyps = awkward(corrupt([r[0] for r in refs], 0.4, 5))
    d_hyps, d_refs = detokenize(hyps, "en"), ref_streams([detokenize(r, "en") for r in refs])
    bleu, chrf = TextScorer("bleu", refs, "en"), TextScorer("chrf", refs, "en")
    for scorer, expected in [
        (bleu, sacrebleu.corpus_bleu(d_hyps, d_refs).score),
        (chrf, sacrebleu.corpus_chrf(d_hyps, d_refs).score),
    ]:
        stats = scorer.stats(hyps)
        assert stats.shape[0] == len(refs)
        assert float(scorer.score(stats.sum(axis=0))) == pytest.approx(expected, abs=1e-9)
    reported = text_scores(hyps, refs, "en")["bleu"]
    assert float(bleu.score(bleu.stats(hyps).sum(axis=0))) == pytest.approx(reported, abs=1e-9)
    assert f"nrefs:{'var' if multi else 1}" in bleu.signature()


def random_bleu_sums(rng, count):
    """Summed BLEU statistics over tiny corpora: zero matches, empty higher orders, short and long outputs."""
    rows = []
    for _ in range(count):
        lens = rng.integers(0, 6, rng.integers(1, 4))
        tot = np.array([sum(max(int(x) - k, 0) for x in lens) for k in range(4)])
        cor = rng.binomial(tot, rng.choice([0.0, 0.1, 0.5, 1.0], 4))
        rows.append([int(lens.sum()), int(lens.sum() + rng.integers(-3, 6)), *cor, *tot])
    return np.maximum(np.array(rows), 0)


@pytest.mark.parametrize(
    "smooth,value,eff",
    [("exp", None, False), ("exp", None, True), ("none", None, False), ("floor", 0.1, True), ("add-k", 1, False)],
)
def test_bleu_formula_equals_sacrebleu_on_edge_cases(smooth, value, eff):
    sums = random_bleu_sums(np.random.default_rng(11), 400)
    ref = BLEU(smooth_method=smooth, smooth_value=value, effective_order=eff)
    expected = [ref._compute_score_from_stats(row.tolist()).score for row in sums]
    got = bleu_from_stats(sums, smooth, value, eff)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    # the edge cases were hit: no match at all, a zero-count order (smoothed), an empty order, brevity
    assert (sums[:, 2:6].sum(1) == 0).any() and ((sums[:, 2:6] == 0) & (sums[:, 6:] > 0)).any()
    assert (sums[:, 9] == 0).any() and (sums[:, 0] < sums[:, 1]).any()


@pytest.mark.parametrize("word_order,eps", [(0, False), (2, False), (2, True)])
def test_chrf_formula_equals_sacrebleu(word_order, eps):
    rng = np.random.default_rng(4)
    order = 6 + word_order
    hyp, ref = rng.integers(0, 8, (300, order)), rng.integers(0, 8, (300, order))
    match = np.minimum(hyp, ref) * rng.integers(0, 2, (300, order))
    sums = np.stack([hyp, ref, match], axis=-1).reshape(300, -1)
    m = CHRF(word_order=word_order, eps_smoothing=eps)
    expected = [m._compute_f_score(row.tolist()) for row in sums]
    np.testing.assert_allclose(chrf_from_stats(sums, 6, word_order, 2, eps), expected, rtol=0, atol=1e-9)


def test_f1_from_counts_vectorised():
    sums = np.array([[[5, 10, 10], [0, 0, 0]]])
    np.testing.assert_allclose(f1_from_counts(sums), [[50.0, 0.0]])


# ---------------------------------------------------------------- the bootstrap


def parse_runs(n, miss_rates, seed, difficulty=None):
    """Per-run [matched, gold, test] of one test set; ``difficulty`` (shared by all runs) couples them."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(4, 12, n)
    hard = rng.beta(2, 5, n) if difficulty is None else difficulty
    runs = []
    for miss in miss_rates:
        matched = gold - rng.binomial(gold, np.clip(miss + hard - 2 / 7, 0, 1))
        test = matched + rng.binomial(gold - matched, 0.6)
        runs.append(np.stack([matched, gold, test], axis=1).astype(float))
    return runs


def test_resamples_are_whole_sentences_shared_by_every_run():
    """Against a naive loop: one index draw per resample, applied to every seed of both sides."""
    base, cell = parse_runs(30, [0.3, 0.3, 0.3], 1), parse_runs(30, [0.2, 0.25], 2)
    b_mean, s_mean, d = seed_mean_delta_bootstrap(base, cell, f1_from_counts, n_samples=50, seed=3)
    idx = np.random.default_rng(3).integers(0, 30, size=(50, 30))
    naive = [
        np.mean([f1_from_counts(r[i].sum(0)) for r in cell]) - np.mean([f1_from_counts(r[i].sum(0)) for r in base])
        for i in idx
    ]
    np.testing.assert_allclose(d, naive, rtol=0, atol=1e-9)
    assert b_mean == pytest.approx(np.mean([f1_from_counts(r.sum(0)) for r in base]))
    assert s_mean == pytest.approx(np.mean([f1_from_counts(r.sum(0)) for r in cell]))
    counts = resample_counts(np.random.default_rng(0), 7, 30)
    assert counts.shape == (7, 30) and (counts.sum(1) == 30).all()


def test_identical_runs_give_p_one_and_a_planted_difference_is_found():
    base = parse_runs(200, [0.4, 0.4, 0.4], 1)
    same = paired_bootstrap(base, [r.copy() for r in base], n_samples=999)
    assert same.p_value == 1.0 and same.delta == 0 and same.ci_low == same.ci_high == 0
    better = paired_bootstrap(base, parse_runs(200, [0.2, 0.2], 2), n_samples=999)
    assert better.delta > 0 and better.p_value < 0.01 and better.significant()
    assert 0 < better.ci_low < better.delta < better.ci_high
    assert better.n_segments == 200 and better.n_samples == 999
    assert "seeds:2v3" in better.signature and "seed:12345" in better.signature


def test_bootstrap_is_seeded_and_chunking_holds_memory(monkeypatch):
    import mtseq.evaluate.significance as sig

    base, cell = parse_runs(80, [0.3, 0.3], 1), parse_runs(80, [0.28, 0.28, 0.3], 2)
    a, b = paired_bootstrap(base, cell, seed=7, n_samples=500), paired_bootstrap(base, cell, seed=7, n_samples=500)
    assert a == b and 0 < a.p_value <= 1
    monkeypatch.setattr(sig, "CHUNK_CELLS", 80 * 37)  # 37 resamples a chunk, the last one short
    c = paired_bootstrap(base, cell, seed=7, n_samples=500)
    assert c.baseline == a.baseline and 0 < c.p_value <= 1 and c.ci_low < c.delta < c.ci_high
    assert DEFAULT_SAMPLES == 10000


def test_bootstrap_refuses_malformed_statistics():
    with pytest.raises(MtseqError, match="sentences"):
        paired_bootstrap([[[1, 2, 3]]], [[[1, 2, 3], [1, 2, 3]]])
    with pytest.raises(MtseqError, match="no runs"):
        paired_bootstrap([], [[[1, 2, 3]]])
    with pytest.raises(MtseqError, match="equal non-empty"):
        paired_bootstrap([[[1, 2, 3]], [[1, 2, 3], [1, 2, 3]]], [[[1, 2, 3]]])


def text_sim_runs(refs, shares, seed0):
    return [corrupt([r[0] for r in refs], share, seed0 + s) for s, share in enumerate(shares)]


def test_text_statistic_is_the_tables_delta_with_different_seed_sets():
    """system/baseline are the means of the per-run reported BLEU, whatever each side's seed count."""
    refs = caption_refs(80)
    base = text_sim_runs(refs, [0.6, 0.6, 0.6, 0.6], 10)
    cell = text_sim_runs(refs, [0.2, 0.25], 20)
    res = paired_bootstrap_text(base, {"cell": cell, "twin": base}, refs, "en", ("bleu", "chrf"), n_samples=999)
    for metric in ("bleu", "chrf"):
        r = res["cell"][metric]
        assert r.baseline == pytest.approx(np.mean([text_scores(h, refs, "en")[metric] for h in base]), abs=1e-9)
        assert r.system == pytest.approx(np.mean([text_scores(h, refs, "en")[metric] for h in cell]), abs=1e-9)
        assert r.delta > 5 and r.p_value < 0.01 and r.ci_low > 0
        assert res["twin"][metric].p_value == 1.0
    assert "seeds:2v4" in res["cell"]["bleu"].signature and "BLEU" not in res["cell"]["chrf"].signature
    with pytest.raises(MtseqError, match="segments"):
        paired_bootstrap_text(base, {"x": [cell[0][:-1]]}, refs, "en")


# ---------------------------------------------------------------- calibration under the null


def bleu_runs(rng, lens, hard, n_runs, boost=0.0):
    """Per-run BLEU statistics of one test set: a run matches n-grams at a rate set by sentence difficulty."""
    out = []
    for _ in range(n_runs):
        hyp = np.maximum(lens + rng.integers(-2, 3, len(lens)), 1)
        tot = np.stack([np.maximum(hyp - k, 0) for k in range(4)], axis=1)
        rate = np.clip((0.75 - hard + boost)[:, None] * np.array([1.0, 0.6, 0.4, 0.3]), 0, 1)
        out.append(np.column_stack([hyp, lens, rng.binomial(tot, rate), tot]).astype(float))
    return out


def simulate(metric, n_sets, plant=0.0, seed=0, n=150, samples=999):
    """p values and CIs over simulated test sets; both sides drawn alike unless ``plant`` shifts the cell."""
    rng = np.random.default_rng(seed)
    results: list[PairedResult] = []
    for t in range(n_sets):
        hard = rng.beta(2, 5, n)
        if metric == "f1":
            base = parse_runs(n, [0.3] * 5, rng.integers(1 << 30), hard)
            cell = parse_runs(n, [0.3 - plant] * 3, rng.integers(1 << 30), hard)
            results.append(paired_bootstrap(base, cell, n_samples=samples, seed=t))
        else:
            lens = rng.integers(3, 30, n)
            base, cell = bleu_runs(rng, lens, hard, 5), bleu_runs(rng, lens, hard, 3, plant)
            results.append(paired_bootstrap(base, cell, bleu_from_stats, "bleu", samples, seed=t))
    return results


@pytest.mark.parametrize("metric", ["f1", "bleu"])
def test_null_rejection_rate_is_nominal(metric):
    """Same-distribution sides (3 cell vs 5 baseline runs): about 5% rejected at 0.05, CI covers 0 about 95%."""
    results = simulate(metric, 400)
    rate = np.mean([r.p_value < 0.05 for r in results])
    coverage = np.mean([r.ci_low <= 0 <= r.ci_high for r in results])
    assert 0.02 <= rate <= 0.08, rate
    assert 0.92 <= coverage <= 0.98, coverage


@pytest.mark.parametrize("metric,plant", [("f1", 0.04), ("bleu", 0.03)])
def test_power_with_a_planted_difference(metric, plant):
    """A cell better by about 3 F1 / 1.5 BLEU is found (p < 0.05, CI above 0) on most test sets."""
    results = simulate(metric, 60, plant=plant, seed=1)
    assert np.mean([r.p_value < 0.05 and r.ci_low > 0 for r in results]) >= 0.8


# ---------------------------------------------------------------- setting_pvalues over run directories


def make_run(root: Path, cell: str, seed: int, hyps=None, stats=None, ref_path=None) -> Run:
    run_dir = root / cell / f"seed{seed}"
    run_dir.mkdir(parents=True)
    if hyps is not None:
        (run_dir / "hyp.translate_en_de.test").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    if stats is not None:
        (run_dir / "parse_stats.test.json").write_text(json.dumps(stats), encoding="utf-8")
    ratios = {"translate_en_de": 1.0} if cell == "baseline" else {"translate_en_de": 1.0, "parse_en": 0.1}
    refs = {"translate_en_de": {"test": str(ref_path)}} if ref_path else {}
    return Run(run_dir, "s", cell, seed, "translate_en_de", ratios, {}, 1.0, {}, refs)


def test_setting_pvalues_uses_each_sides_own_seeds(tmp_path):
    refs = corpus(60, 1)
    ref_path = tmp_path / "ref.de"
    ref_path.write_text("\n".join(refs) + "\n", encoding="utf-8")
    base = {s: corrupt(refs, 0.6, s) for s in (1, 2, 3, 4)}
    cell = {s: corrupt(refs, 0.2, 10 + s) for s in (2, 5)}
    stats = {s: parse_runs(40, [0.3], s)[0].astype(int).tolist() for s in (1, 2, 5)}
    runs = [make_run(tmp_path, "baseline", s, base[s], None, ref_path) for s in base]
    runs += [make_run(tmp_path, "parse0.1", s, cell[s], stats[s], ref_path) for s in cell]
    runs.append(make_run(tmp_path, "parse0.1", 7, None, stats[1], ref_path))  # no translation output
    out = setting_pvalues(runs, n_samples=500)
    assert set(out) == {("parse0.1", "translate_en_de.test.bleu")}  # the baseline has no parse outputs
    res = out[("parse0.1", "translate_en_de.test.bleu")]
    ref_sets = [[r] for r in refs]
    assert res.baseline == pytest.approx(np.mean([text_scores(h, ref_sets, "de")["bleu"] for h in base.values()]))
    assert res.system == pytest.approx(np.mean([text_scores(h, ref_sets, "de")["bleu"] for h in cell.values()]))
    assert res.p_value < 0.05 and "seeds:2v4" in res.signature and not math.isnan(res.ci_low)


def test_setting_pvalues_parse_f1_and_malformed_inputs(tmp_path):
    good = parse_runs(40, [0.3, 0.3, 0.1], 1)
    runs = [make_run(tmp_path, "baseline", s, None, good[s - 1].astype(int).tolist()) for s in (1, 2)]
    runs[0].ratios["parse_en"] = runs[1].ratios["parse_en"] = 1.0
    runs.append(make_run(tmp_path, "parse0.1", 1, None, good[2].astype(int).tolist()))
    res = setting_pvalues(runs, n_samples=300)[("parse0.1", "parse_en.test.f1")]
    assert res.system == pytest.approx(float(f1_from_counts(good[2].sum(0))))
    (runs[2].run_dir / "parse_stats.test.json").write_text(json.dumps(good[2][:5].astype(int).tolist()))
    with pytest.raises(MtseqError, match="5 parse statistics, the baseline has 40"):
        setting_pvalues(runs, n_samples=10)
    (runs[2].run_dir / "parse_stats.test.json").write_text("[[1, 2]]")
    with pytest.raises(MtseqError, match=r"expected a list of \[matched, gold, test\]"):
        setting_pvalues(runs, n_samples=10)
    (runs[2].run_dir / "parse_stats.test.json").write_text("{oops")
    with pytest.raises(MtseqError, match="unreadable parse statistics"):
        setting_pvalues(runs, n_samples=10)
