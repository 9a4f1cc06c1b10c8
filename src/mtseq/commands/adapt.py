"""``mtseq adapt``: after stage k of an adaptive study, plan stage k+1 (or stop) and rebuild the seed ledger.

Reads the runs of stages 1..k (the grid and the plans results/adaptive/stage<j>.json, j < k),
writes results/adaptive/stage<k>.json and results/seed_ledger.csv. Deterministic: the same runs
and config give the same plan, so re-running a stage rewrites identical files.
"""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "adapt", help="adaptive seed allocation: plan the next stage's runs from the runs so far, or stop"
    )
    p.add_argument("--config", required=True, help="workflow config YAML (its grid, grid.adaptive and optimum)")
    p.add_argument("--results", default=None, help="results folder (default: the config's)")
    p.add_argument("--stage", type=int, required=True, help="the stage just trained (1 = the configured grid)")
    p.set_defaults(func=run)


def run(args) -> int:
    from dataclasses import asdict

    from mtseq.analysis.adaptive_files import (
        extend_cells,
        ledger_path,
        plan_path,
        plans_before,
        read_plan,
        stage_run_dirs,
    )
    from mtseq.analysis.adaptive_ledger import ledger_rows, write_ledger
    from mtseq.analysis.adaptive_study import stage_decision
    from mtseq.analysis.aggregate import summary_table, with_shared_baselines
    from mtseq.analysis.optimum import _json_safe
    from mtseq.analysis.runs import load_runs
    from mtseq.config import load_config
    from mtseq.errors import MtseqError
    from mtseq.grid import expand_grid
    from mtseq.io import write_json

    if args.stage < 1:
        raise MtseqError(f"--stage must be at least 1, not {args.stage}")
    cfg = load_config(args.config)
    results = Path(args.results or cfg.get("results", "results"))
    cfg = {**cfg, "results": str(results)}
    plans = plans_before(results, args.stage)
    cells = extend_cells(expand_grid(cfg.get("grid") or {}), plans)
    runs = with_shared_baselines(load_runs(stage_run_dirs(cfg, plans)), cells)
    decision, fits = stage_decision(summary_table(runs, cells), cfg, args.stage, plans)
    plan = _json_safe({**asdict(decision), "fits": fits, "runs_so_far": len(stage_run_dirs(cfg, plans))})
    later = []  # stages decided after this one (a stage re-decided by hand): kept, so the ledger stays whole
    while plan["action"] == "train" and plan_path(results, args.stage + len(later) + 1).is_file():
        later.append(read_plan(plan_path(results, args.stage + len(later) + 1)))
        if later[-1]["action"] != "train":
            break
    # the ledger first: a plan on disk implies its ledger
    write_ledger(ledger_path(results), ledger_rows(cfg, [*plans, plan, *later]))
    write_json(plan_path(results, args.stage), plan)
    print(f"stage {args.stage}: {decision.action} ({decision.reason}); {len(decision.runs)} runs planned")
    return 0
