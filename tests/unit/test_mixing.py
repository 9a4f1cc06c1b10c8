"""Task mixing: the paper's constant ratios, T5-style rates, schedules, and the stop rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mtseq.errors import ConfigError
from mtseq.train.mixing import Mixer, parse_ratios, simulate

SIZES = {"translate_en_de": 3000, "parse_en": 20000, "autoencode_en": 4000}


def _within(count: int, mean: float, alpha: float, n: int) -> bool:
    """Task i's draws before the N-th reference draw: mean α·N, variance α(1+α)·N (negative binomial)."""
    return abs(count - mean) <= 3 * math.sqrt(alpha * (1 + alpha) * n)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_constant_mixing_matches_alpha_times_n(seed):
    n = 2000
    mixer = Mixer("translate_en_de", {"parse_en": 0.1, "autoencode_en": 0.5}, SIZES, None, seed, n)
    counts = simulate(mixer)
    assert counts["translate_en_de"] == n
    assert _within(counts["parse_en"], 0.1 * n, 0.1, n), counts
    assert _within(counts["autoencode_en"], 0.5 * n, 0.5, n), counts
    assert mixer.expected_updates() == pytest.approx({"translate_en_de": n, "parse_en": 200, "autoencode_en": 1000})
    assert mixer.probabilities(0) == pytest.approx(
        {"translate_en_de": 1 / 1.6, "parse_en": 0.1 / 1.6, "autoencode_en": 0.5 / 1.6}
    )


def test_draws_depend_only_on_seed_and_update():
    a = Mixer("translate_en_de", {"parse_en": 0.3}, SIZES, None, 7, 100)
    b = Mixer("translate_en_de", {"parse_en": 0.3}, SIZES, None, 7, 100)
    c = Mixer("translate_en_de", {"parse_en": 0.3}, SIZES, None, 8, 100)
    draws = [a.draw(u, 0) for u in range(1, 300)]
    assert draws == [b.draw(u, 0) for u in range(1, 300)]
    assert draws != [c.draw(u, 0) for u in range(1, 300)]
    # out of order (as after a resume) gives the same answers
    assert [a.draw(u, 0) for u in range(299, 0, -1)] == draws[::-1]


def test_baseline_runs_exactly_n_reference_updates():
    for ratios in ({}, {"parse_en": 0.0}):
        mixer = Mixer("translate_en_de", ratios, SIZES, None, 1, 123)
        assert mixer.tasks == ["translate_en_de"]
        assert simulate(mixer) == {"translate_en_de": 123}
        assert mixer.expected_updates() == {"translate_en_de": 123.0}


def test_proportional_mixing_with_cap():
    mixer = Mixer(
        "translate_en_de",
        {"parse_en": 1, "autoencode_en": 1},
        SIZES,
        {"strategy": "proportional", "cap": 5000},
        1,
        1000,
    )
    exp = mixer.expected_updates()
    # rates ∝ min(n, K): 3000 : 5000 : 4000
    assert exp == pytest.approx({"translate_en_de": 1000, "parse_en": 5000 / 3, "autoencode_en": 4000 / 3})
    counts = simulate(mixer)
    assert counts["translate_en_de"] == 1000
    assert abs(counts["parse_en"] / counts["autoencode_en"] - 5 / 4) < 0.15
    nocap = Mixer("translate_en_de", {"parse_en": 1}, SIZES, {"strategy": "proportional"}, 1, 300)
    assert nocap.expected_updates()["parse_en"] == pytest.approx(300 * 20000 / 3000)


def test_ratio_scales_the_strategy_rate():
    mixer = Mixer("translate_en_de", {"parse_en": 0.1}, SIZES, {"strategy": "proportional", "cap": None}, 1, 300)
    assert mixer.expected_updates()["parse_en"] == pytest.approx(300 * 0.1 * 20000 / 3000)


def test_temperature_mixing():
    mixer = Mixer("translate_en_de", {"parse_en": 1}, SIZES, {"strategy": "temperature", "temperature": 2.0}, 3, 2000)
    rate = math.sqrt(20000 / 3000)
    assert mixer.expected_updates()["parse_en"] == pytest.approx(2000 * rate)
    counts = simulate(mixer)
    assert _within(counts["parse_en"], 2000 * rate, rate, 2000)
    flat = Mixer("translate_en_de", {"parse_en": 1}, SIZES, {"strategy": "temperature", "temperature": 1e9}, 3, 10)
    assert flat.expected_updates()["parse_en"] == pytest.approx(10, rel=1e-6)


def test_piecewise_schedule():
    schedule = [{"until": 100, "ratios": {"parse_en": 1.0}}, {"until": 300, "ratios": {"parse_en": 0.0}}]
    mixer = Mixer("translate_en_de", {"parse_en": 0.1}, SIZES, {"schedule": schedule}, 1, 1000)
    assert mixer.ratios_at(0)["parse_en"] == 1.0 and mixer.ratios_at(99)["parse_en"] == 1.0
    assert mixer.ratios_at(100)["parse_en"] == 0.0 and mixer.ratios_at(300)["parse_en"] == 0.1
    assert mixer.expected_updates()["parse_en"] == pytest.approx(100 * 1.0 + 700 * 0.1)
    # the realised draws follow the phases: no parse updates while its ratio is 0
    counts, ref, update, phase2 = {"translate_en_de": 0, "parse_en": 0}, 0, 0, 0
    while ref < 1000:
        update += 1
        task = mixer.draw(update, ref)
        counts[task] += 1
        if task == "parse_en" and 100 <= ref < 300:
            phase2 += 1
        ref += task == "translate_en_de"
    assert phase2 == 0
    assert _within(counts["parse_en"], 170, 0.3, 1000)


def test_linear_schedule():
    schedule = {"type": "linear", "start": {"parse_en": 1.0}, "end": {"parse_en": 0.0}}
    mixer = Mixer("translate_en_de", {"parse_en": 0.5}, SIZES, {"schedule": schedule}, 1, 1000)
    assert mixer.ratios_at(0)["parse_en"] == 1.0
    assert mixer.ratios_at(500)["parse_en"] == pytest.approx(0.5)
    assert mixer.ratios_at(1000)["parse_en"] == pytest.approx(0.0)
    assert mixer.expected_updates()["parse_en"] == pytest.approx(sum(1 - r / 1000 for r in range(1000)))
    counts = simulate(mixer)
    assert abs(counts["parse_en"] - 500.5) < 3 * math.sqrt(500 * 1.5)
    early = Mixer("translate_en_de", {"parse_en": 0.5}, SIZES, {"schedule": {**schedule, "until": 10}}, 1, 100)
    assert early.ratios_at(50)["parse_en"] == 0.0


def test_schedule_and_ratio_errors_name_the_key():
    with pytest.raises(ConfigError, match=r"schedule\[1\]\.until"):
        Mixer("translate_en_de", {"parse_en": 0.1}, SIZES, {"schedule": [{"until": 5}, {"until": 5}]}, 1, 10)
    with pytest.raises(ConfigError, match="not in this run"):
        Mixer("translate_en_de", {"parse_en": 0.1}, SIZES, {"schedule": [{"until": 5, "ratios": {"x": 1}}]}, 1, 10)
    with pytest.raises(ConfigError, match="reference task"):
        bad = {"type": "linear", "start": {"translate_en_de": 1}, "end": {"translate_en_de": 2}}
        Mixer("translate_en_de", {"parse_en": 0.1}, SIZES, {"schedule": bad}, 1, 10)
    assert parse_ratios(["parse_en=0.01", "autoencode_en=0.1,caption_en=0"]) == {
        "parse_en": 0.01,
        "autoencode_en": 0.1,
        "caption_en": 0.0,
    }
    for bad in (["parse_en"], ["parse_en=x"], ["parse_en=-1"], ["a=1", "a=2"]):
        with pytest.raises(ConfigError, match="--ratios"):
            parse_ratios(bad)


def test_expected_matches_realised_on_average():
    """Across seeds the mean realised count is α·N (the estimator is unbiased)."""
    n, alpha = 200, 0.05
    counts = [simulate(Mixer("translate_en_de", {"parse_en": alpha}, SIZES, None, s, n))["parse_en"] for s in range(60)]
    se = math.sqrt(alpha * (1 + alpha) * n / len(counts))
    assert abs(np.mean(counts) - alpha * n) < 3 * se
