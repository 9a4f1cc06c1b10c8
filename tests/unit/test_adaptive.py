"""Adaptive seed allocation: the per-curve decision, the stage decision, the ledger, and the saving in runs."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import yaml

from mtseq.analysis.adaptive import Decision, curve_status, decide, next_seeds, vertex_gradient
from mtseq.analysis.adaptive_files import DEFAULTS, extend_cells, options, read_plan, stage_run_dirs
from mtseq.analysis.adaptive_ledger import ledger_rows, write_ledger
from mtseq.analysis.adaptive_sim import Planted, compare
from mtseq.analysis.adaptive_study import stage_decision
from mtseq.analysis.curves import cell_means
from mtseq.config import schema_defaults
from mtseq.errors import MtseqError
from mtseq.grid import expand_grid

X5 = np.log10([0.01, 0.0316, 0.1, 0.316, 1.0])


def test_options_fill_the_schemas_defaults_under_what_is_given():
    given = {"grid": {"adaptive": {"enabled": True, "max_runs": 12}}}
    opts = options(given)
    assert opts["enabled"] is True and opts["max_runs"] == 12
    assert {k: v for k, v in opts.items() if k not in ("enabled", "max_runs")} == {
        k: v for k, v in schema_defaults("grid.adaptive").items() if k not in ("enabled", "max_runs")
    }
    assert options({}) == DEFAULTS and DEFAULTS["enabled"] is False


def _means(mu, seeds=3, noise=0.3, seed=0):
    rng = np.random.default_rng(seed)
    values = np.asarray(mu)[:, None] + rng.normal(0, noise, (len(mu), seeds))
    return cell_means(values, [f"c{i}" for i in range(len(mu) - 1)], X5[: len(mu) - 1])


def test_a_narrow_interval_is_done_and_asks_for_nothing():
    s = curve_status(_means([10, 11, 12, 13, 12, 11]), -1.0, -1.2, -0.8, True, DEFAULTS)
    assert s.done and s.cells == []


def test_seeds_go_where_they_move_the_vertex_most_and_not_to_a_separated_baseline():
    # an interior peak at c2 (0.1): the quadratic's vertex is pinned by the ends (delta method), the
    # middle cells add little; the baseline is far worse (separated), so it gets nothing
    means = _means([5.0, 8.0, 11.5, 12.0, 11.5, 8.0], noise=0.2)
    grad = vertex_gradient(means, True)
    assert abs(grad[0]) > abs(grad[1]) > abs(grad[2]) and abs(grad[4]) > abs(grad[3])
    s = curve_status(means, -1.0, -1.4, -0.6, True, DEFAULTS)
    assert not s.done and s.cells[0] == ("c2", "incumbent")
    assert {c for c, _ in s.cells} == {"c0", "c2", "c4"}
    assert all(why.startswith("narrows the alpha* interval") for _, why in s.cells[1:])


def test_without_an_interior_vertex_the_cells_in_and_around_the_interval_get_seeds():
    means = _means([5.0, 8.0, 9.0, 10.0, 11.0, 12.0], noise=0.2)  # rising: the best ratio is the largest
    assert vertex_gradient(means, True) is None
    s = curve_status(means, 0.0, -0.6, 0.0, True, DEFAULTS)
    assert s.cells == [("c4", "incumbent"), ("c3", "pins the alpha* interval"), ("c2", "pins the alpha* interval")]


def test_cells_not_separated_from_the_incumbent_get_seeds_and_so_does_a_close_baseline():
    mu = [12.0, 11.9, 12.0, 12.1, 12.0, 11.9]  # flat: nothing is separated
    s = curve_status(_means(mu, noise=1.0), -1.0, -2.0, 0.0, True, DEFAULTS)
    assert {c for c, _ in s.cells} == {"baseline", "c0", "c1", "c2", "c3", "c4"}
    assert s.cells[-1][0] == "baseline"  # the baseline comes last in priority


def test_lower_is_better_flips_the_incumbent():
    mu = [20.0, 20.0, 12.0, 19.0, 20.0, 20.0]
    s = curve_status(_means(mu, noise=0.2), -1.5, -1.8, -0.9, False, DEFAULTS)
    assert s.cells[0] == ("c1", "incumbent")


def test_a_new_ratio_goes_in_the_widest_gap_that_meets_the_interval():
    means = cell_means(
        np.array([[10, 10.2], [11, 11.3], [12, 12.1], [11, 11.2]]), ["a", "b", "c"], np.log10([0.01, 0.1, 1])
    )
    s = curve_status(means, -0.5, -0.9, 0.0, True, {**DEFAULTS, "add_ratios": True})
    assert s.new_ratio == 0.32  # midpoint of 0.1 .. 1, two significant digits
    assert curve_status(means, -0.5, -0.9, 0.0, True, DEFAULTS).new_ratio is None  # off by default


def test_next_seeds_are_fresh_and_skip_the_confirmation_seeds():
    assert next_seeds({1, 2}, {3, 4}, 2) == [5, 6]
    assert next_seeds(set(), set(), 1) == [1]


def _units(n, per=2):
    return [{"runs": [{"run_dir": f"u{i}/s{j}"} for j in range(per)]} for i in range(n)]


def test_decide_stops_with_a_reason_and_trims_a_stage_to_the_budget():
    wide = curve_status(_means([12.0] * 6, noise=1.0), -1.0, -2.0, 0.0, True, DEFAULTS)
    done = curve_status(_means([12.0] * 6), -1.0, -1.1, -0.9, True, DEFAULTS)
    opts = {**DEFAULTS, "max_runs": 20, "max_stages": 3}
    assert decide(1, {}, [], 10, opts).reason.startswith("no ratio curve")
    assert decide(1, {("s", "k"): done}, [], 10, opts).reason.startswith("every alpha* interval spans <= 0.5")
    assert decide(3, {("s", "k"): wide}, _units(3), 10, opts).reason.startswith("max_stages")
    d = decide(1, {("s", "k"): wide}, _units(9), 14, opts)  # 6 runs left: three whole cells
    assert d.action == "train" and len(d.runs) == 6 and d.runs[0]["run_dir"] == "u0/s0"
    d = decide(1, {("s", "k"): wide}, _units(9), 17, opts)  # 3 left: one cell, too few to compare
    assert d == Decision(1, "stop", "run budget spent (17 of max_runs 20)")


GRID = {
    "seeds": [1, 2],
    "adaptive": {"enabled": True, "max_runs": 40},
    "settings": {"one_to_many": {"reference": "translate_en_de", "auxiliary": {"parse_en": [0.01, 0.1, 1]}}},
}


def _summary(seeds=(1, 2), cells=None, noise=1.5) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    truth = cells or {"baseline": (0.0, 12.0), "parse0.01": (0.01, 12.5), "parse0.1": (0.1, 13.0), "parse1": (1, 12.6)}
    rows = []
    for cell, (ratio, mu) in truth.items():
        for seed in seeds:
            rows.append(
                {"setting": "one_to_many", "cell": cell, "reference": "translate_en_de", "seed": seed}
                | {"aux": "" if cell == "baseline" else "parse_en", "ratio.parse_en": ratio}
                | {"translate_en_de.valid.bleu": mu + 0.3 * seed + rng.normal(0, noise)}
            )
    return pd.DataFrame(rows)


def test_stage_decision_is_deterministic_and_plans_fresh_paired_seeds():
    config = {"results": "res", "grid": GRID, "optimum": {"draws": 400, "confirm": {"seeds": [3]}}}
    first, fits = stage_decision(_summary(), config, 1, [])
    again, fits2 = stage_decision(_summary(), config, 1, [])
    assert first == again and fits == fits2
    assert first.action == "train" and fits[0]["width_decades"] > 0.5
    assert {r["seed"] for r in first.runs} == {4, 5}  # 3 is a confirmation seed: never used for fitting
    assert all(r["run_dir"] == f"res/runs/one_to_many/{r['cell']}/seed{r['seed']}" for r in first.runs)
    cells = [r["cell"] for r in first.runs]
    assert len(cells) == 2 * len(set(cells)) >= 4  # whole cells, both new seeds each


def test_the_ledger_is_rebuilt_from_the_plans_so_a_rerun_stage_adds_no_rows(tmp_path):
    config = {"results": str(tmp_path), "grid": GRID, "optimum": {"draws": 400}}
    decision, fits = stage_decision(_summary(), config, 1, [])
    plan = {"stage": 1, "action": decision.action, "reason": decision.reason, "runs": decision.runs}
    plan |= {"fits": fits, "runs_so_far": 8}
    rows = ledger_rows(config, [plan])
    assert [r["action"] for r in rows[:8]] == ["train"] * 8 and rows[0]["reason"] == "grid"
    assert rows[8]["action"] == "fit" and rows[9]["stage"] == 2
    path = tmp_path / "seed_ledger.csv"
    write_ledger(path, rows)
    text = path.read_text()
    write_ledger(path, ledger_rows(config, [plan]))  # the same stage decided again
    assert path.read_text() == text
    cells = extend_cells(expand_grid(GRID), [plan])
    assert len(stage_run_dirs(config, [plan])) == 8 + len(decision.runs)
    assert max(len(c.seeds) for c in cells) == 4


def test_a_damaged_plan_is_one_line(tmp_path):
    bad = tmp_path / "stage1.json"
    bad.write_text("{not json")
    with pytest.raises(MtseqError, match="unreadable stage plan"):
        read_plan(bad)
    bad.write_text('{"action": "go", "runs": []}')
    with pytest.raises(MtseqError, match="not a stage plan"):
        read_plan(bad)


def test_adaptive_design_reaches_the_target_width_with_fewer_runs_than_the_full_grid():
    """Planted curve (5 ratios, the default run's noise, optimum at 0.03): paired simulated studies."""
    start = time.perf_counter()
    p = Planted(ratios=(0.01, 0.0316, 0.1, 0.316, 1.0), x0=-1.5, noise_sd=1.1, seed_sd=0.4, curvature=1.0)
    s = compare(p, studies=60, max_seeds=16, draws=300, seed=2027)  # the benchmark's first 60 studies
    print(s, f"{time.perf_counter() - start:.0f} s")
    assert s.both_reached >= 20
    assert s.saving_runs > 0, s  # same width (<= half a decade), fewer runs


def test_adapt_names_a_missing_earlier_stage_in_one_line(tmp_path, capsys):
    from mtseq.cli import main

    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"grid": GRID}))
    assert main(["adapt", "--config", str(config), "--results", str(tmp_path / "r"), "--stage", "2"]) == 2
    err = capsys.readouterr().err
    assert "stage1.json" in err and "stage plan not found" in err and len(err.strip().splitlines()) == 1
    assert main(["adapt", "--config", str(config), "--stage", "0"]) == 2
    assert "--stage must be at least 1" in capsys.readouterr().err
