"""results/seed_ledger.csv: every stage's decisions, rebuilt from the stage plans (so never duplicated).

One row per run a stage trains (``action`` train: stage 1 the grid, later
stages what the decision planned and why), one per curve fitted after a stage
(``fit``: alpha* and its interval's width), and the final ``stop`` with its
reason. Rebuilding the whole file from the plan files on every decision makes
re-running a stage (after a crash, or by hand) give the same rows, not more.
"""

from __future__ import annotations

from collections.abc import Mapping

from mtseq.grid import AUX_SEP, expand_grid, format_ratio

COLUMNS = [
    "stage",
    "action",
    "setting",
    "key",
    "cell",
    "ratio",
    "seed",
    "run_dir",
    "alpha_star",
    "alpha_low",
    "alpha_high",
    "width_decades",
    "runs_total",
    "reason",
]


def _grid_rows(config: Mapping) -> list[dict]:
    results = config.get("results", "results")
    rows, seen = [], set()
    for c in expand_grid(config.get("grid") or {}):
        for seed in c.seeds:
            run_dir = c.run_dir(seed, results)
            if run_dir in seen:
                continue  # a shared baseline trains once
            seen.add(run_dir)
            ratio = format_ratio(next(iter(c.aux.values()))) if len(c.aux) == 1 else ""
            rows.append(
                {"stage": 1, "action": "train", "setting": c.home or c.setting, "key": AUX_SEP.join(c.aux)}
                | {"cell": c.cell, "ratio": ratio, "seed": seed, "run_dir": run_dir, "reason": "grid"}
            )
    return rows


def ledger_rows(config: Mapping, plans: list[Mapping]) -> list[dict]:
    """Rows of the grid (stage 1) and of each decision in ``plans`` (stage order)."""
    rows = _grid_rows(config)
    for plan in plans:
        k = int(plan["stage"])
        for f in plan.get("fits", []):
            rows.append(
                {
                    "stage": k,
                    "action": "fit",
                    "setting": f["setting"],
                    "key": f["key"],
                    "runs_total": plan["runs_so_far"],
                }
                | {c: f[c] for c in ("alpha_star", "alpha_low", "alpha_high", "width_decades")}
                | {"reason": "done" if f["done"] else "interval too wide"}
            )
        if plan["action"] == "stop":
            rows.append({"stage": k, "action": "stop", "runs_total": plan["runs_so_far"], "reason": plan["reason"]})
        for r in plan["runs"]:
            rows.append(
                {c: r[c] for c in ("setting", "key", "cell", "seed", "run_dir", "reason")}
                | {"stage": k + 1, "action": "train", "ratio": format_ratio(r["ratio"]) if r["ratio"] else ""}
            )
    return [{c: row.get(c, "") for c in COLUMNS} for row in rows]


def write_ledger(path, rows: list[dict]) -> None:
    """Atomically: a reader sees the old ledger or the new one, never half of one."""
    import csv

    from mtseq.io import atomic_open

    with atomic_open(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
