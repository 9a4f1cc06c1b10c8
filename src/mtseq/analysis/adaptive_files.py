"""Adaptive seed allocation (``grid.adaptive``): options, stage plan files and the runs they name.

Light to import (the schema's defaults, no pandas): the Snakefile
imports this at every start to resolve the runs a stage plans, and
``mtseq adapt`` / ``mtseq aggregate`` read the same files through the same
functions, so the workflow and the tables cannot disagree about which runs
belong to the study.

Stage 1 is the configured grid. ``results/adaptive/stage<k>.json`` is the
decision taken on the runs of stages 1..k: either the runs stage k+1 trains
(``action: train``) or ``action: stop`` with the reason. The plan files are
the source of truth; ``results/seed_ledger.csv`` is rebuilt from them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from mtseq.config import schema_defaults
from mtseq.errors import MtseqError
from mtseq.grid import Cell, cell_outside_grid, expand_grid, find_cell, unique_run_dirs

# grid.adaptive's defaults, spelled in the schema alone
DEFAULTS = schema_defaults("grid.adaptive")


def options(config: Mapping) -> dict:
    """``grid.adaptive`` with defaults filled (absent: disabled)."""
    given = (config.get("grid") or {}).get("adaptive") or {}
    return {**DEFAULTS, **given}


def enabled(config: Mapping) -> bool:
    return bool(options(config)["enabled"])


def plan_path(results: str | Path, stage: int) -> Path:
    return Path(results) / "adaptive" / f"stage{int(stage)}.json"


def ledger_path(results: str | Path) -> Path:
    return Path(results) / "seed_ledger.csv"


def read_plan(path: str | Path) -> dict:
    """A stage's decision; a damaged file is one line naming it."""
    path = Path(path)
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MtseqError("stage plan not found (run the earlier stages first)", path) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MtseqError(f"unreadable stage plan ({err})", path) from None
    if (
        not isinstance(plan, dict)
        or plan.get("action") not in ("train", "stop")
        or not isinstance(plan.get("runs"), list)
    ):
        raise MtseqError("not a stage plan (needs 'action' train|stop and 'runs')", path)
    return plan


def plans_before(results: str | Path, stage: int) -> list[dict]:
    """The decisions after stages 1..stage-1, each of which must say 'train' (else stage would not exist)."""
    plans = [read_plan(plan_path(results, k)) for k in range(1, int(stage))]
    for k, plan in enumerate(plans, start=1):
        if plan["action"] != "train":
            raise MtseqError(f"stage {k} decided to stop; there is no stage {stage}", plan_path(results, k))
    return plans


def plan_run_dirs(plan: Mapping) -> list[str]:
    return [r["run_dir"] for r in plan["runs"]]


def stage_run_dirs(config: Mapping, plans: list[Mapping]) -> list[str]:
    """Every run of the grid (stage 1) and of the planned stages, once each, in order."""
    results = config.get("results", "results")
    dirs = unique_run_dirs(expand_grid(config.get("grid") or {}), results)
    for plan in plans:
        dirs += plan_run_dirs(plan)
    return list(dict.fromkeys(dirs))


def adaptive_cell(config: Mapping, setting: str, cid: str) -> Cell | None:
    """A cell an adaptive stage added inside an alpha* interval (e.g. parse0.32), when adaptive is on."""
    return cell_outside_grid(config, setting, cid) if enabled(config) else None


def extend_cells(cells: list[Cell], plans: list[Mapping]) -> list[Cell]:
    """The grid's cells with every planned seed added and every planned new ratio as a cell of its own.

    Aggregation and the fit read cells' seeds (a shared baseline's runs are
    copied to the settings that share it for the seeds the cell lists), so
    the planned runs must be on the cells.
    """
    out = list(cells)
    for plan in plans:
        for r in plan["runs"]:
            found = find_cell(out, r["setting"], r["cell"])
            if found is None:
                aux = {r["key"]: float(r["ratio"])}
                ref = next(c.reference for c in out if c.setting == r["setting"])
                out.append(Cell(r["setting"], r["cell"], ref, aux, (int(r["seed"]),)))
            elif int(r["seed"]) not in found.seeds:
                out[out.index(found)] = replace(found, seeds=found.seeds + (int(r["seed"]),))
    return out


def planned_plans(config: Mapping, results: str | Path) -> list[dict]:
    """The 'train' decisions found on disk, in stage order, up to the first missing or 'stop' one."""
    plans, k = [], 1
    while plan_path(results, k).is_file():
        plan = read_plan(plan_path(results, k))
        if plan["action"] != "train":
            break
        plans.append(plan)
        k += 1
    return plans


def with_adaptive_stages(config: Mapping, cells: list[Cell], results: str | Path) -> list[Cell]:
    """``cells`` extended by the adaptive stages planned under ``results`` (unchanged when adaptive is off)."""
    return extend_cells(cells, planned_plans(config, results)) if enabled(config) else cells
