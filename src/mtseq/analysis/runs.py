"""Reading finished run directories: the contract between evaluation and aggregation.

A run directory ``results/runs/<setting>/<cell>/seed<k>/`` holds

- ``train.json``: ``{"setting", "cell", "seed", "reference", "ratios": {task: alpha},
  "reference_updates": N, "updates": {task: count}, "wall_time_s": float, ...}``
- ``metrics.json``: ``{"setting", "cell", "seed", "ratios", "tasks": {task: {split:
  {metric: value}}}, "references"?: {task: {split: REF}}}``, where REF is a path
  (one reference a line, aligned with the hypotheses) or ``{"text": path,
  "image_ids": path}`` (captions, grouped by image into multi-reference sets)
- ``hyp.<task>.<split>``: tokenised hypotheses, one a line (captions: one per
  image, ascending image id), used for paired significance tests
- ``parse_stats.<split>.json``: ``[[matched, gold, test], ...]`` per sentence

Both JSON files are required; a missing or corrupt one is refused with its
path, because a table silently missing a run would bias every mean.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from mtseq.errors import MtseqError
from mtseq.grid import parse_run_dir
from mtseq.io import check_input_file


def hyp_path(run_dir: str | Path, task: str, split: str = "test") -> Path:
    return Path(run_dir) / f"hyp.{task}.{split}"


def parse_stats_path(run_dir: str | Path, split: str = "test") -> Path:
    return Path(run_dir) / f"parse_stats.{split}.json"


def read_json(path: str | Path) -> dict:
    """A JSON object from a file, or an MtseqError naming the file."""
    path = Path(path)
    check_input_file(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MtseqError(f"corrupt JSON ({err})", path) from None
    if not isinstance(obj, dict):
        raise MtseqError(f"expected a JSON object, found {type(obj).__name__}", path)
    return obj


@dataclass
class Run:
    """One finished training run with its evaluation."""

    run_dir: Path
    setting: str
    cell: str
    seed: int
    reference: str
    ratios: dict[str, float]
    updates: dict[str, int]
    wall_time_s: float
    metrics: dict[str, dict[str, dict]]  # task -> split -> metric -> value
    references: dict = field(default_factory=dict)  # task -> split -> REF (see module doc)

    def flat_metrics(self) -> dict[str, object]:
        """{"<task>.<split>.<metric>": value} for every reported value."""
        return {
            f"{task}.{split}.{name}": value
            for task, splits in self.metrics.items()
            for split, values in splits.items()
            for name, value in values.items()
        }


def _identity(run_dir: Path, train: dict, metrics: dict) -> tuple[str, str, int]:
    """(setting, cell, seed), checked across the path and both files."""
    from_path = parse_run_dir(str(run_dir))
    found: dict[str, set] = {"setting": set(), "cell": set(), "seed": set()}
    for src, name in ((train, "train.json"), (metrics, "metrics.json")):
        for key in found:
            if key not in src:
                continue
            if key == "seed" and (isinstance(src[key], bool) or not isinstance(src[key], int)):
                raise MtseqError(f"seed must be an integer, not {src[key]!r}", run_dir / name)
            found[key].add(src[key] if key == "seed" else str(src[key]))
    if from_path is not None:
        for key, value in zip(("setting", "cell", "seed"), from_path):
            found[key].add(value)
    out = []
    for key, values in found.items():
        if len(values) != 1:
            what = "missing" if not values else f"inconsistent ({sorted(values, key=str)})"
            raise MtseqError(f"run {key} {what} between the directory name, train.json and metrics.json", run_dir)
        out.append(values.pop())
    return out[0], out[1], out[2]


def _numbers(obj, what: str, path: Path) -> dict[str, float]:
    """A {task: number} mapping, or an MtseqError naming the file."""
    if obj is None:
        return {}
    if not isinstance(obj, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in obj.values()
    ):
        raise MtseqError(f"'{what}' must map task -> number", path)
    return {str(k): float(v) for k, v in obj.items()}


def load_run(run_dir: str | Path) -> Run:
    """Read and check one run directory."""
    run_dir = Path(run_dir)
    train_path, metrics_path = run_dir / "train.json", run_dir / "metrics.json"
    train, metrics = read_json(train_path), read_json(metrics_path)
    setting, cell, seed = _identity(run_dir, train, metrics)
    tasks = metrics.get("tasks")
    if not isinstance(tasks, dict) or not all(
        isinstance(s, dict) and all(isinstance(v, dict) for v in s.values()) for s in tasks.values()
    ):
        raise MtseqError("'tasks' must map task -> split -> {metric: value}", metrics_path)
    ratios = _numbers(train.get("ratios", metrics.get("ratios")), "ratios", train_path)
    if not ratios:
        raise MtseqError("'ratios' missing", train_path)
    updates = _numbers(train.get("updates") or {}, "updates", train_path)
    reference = train.get("reference") or next(iter(ratios))
    wall = train.get("wall_time_s", math.nan)
    if wall is not None and (isinstance(wall, bool) or not isinstance(wall, int | float)):
        raise MtseqError(f"wall_time_s must be a number, not {wall!r}", train_path)
    return Run(
        run_dir=run_dir,
        setting=setting,
        cell=cell,
        seed=seed,
        reference=str(reference),
        ratios=ratios,
        updates={k: int(v) for k, v in updates.items()},
        wall_time_s=float(wall) if wall is not None else math.nan,
        metrics=tasks,
        references=metrics.get("references") or {},
    )


def load_runs(run_dirs: list[str | Path]) -> list[Run]:
    """Every run, refusing an empty list and the same (setting, cell, seed) twice."""
    if not run_dirs:
        raise MtseqError("no run directories to aggregate (empty grid and no --runs)")
    runs = [load_run(d) for d in run_dirs]
    seen: dict[tuple, Path] = {}
    for r in runs:
        key = (r.setting, r.cell, r.seed)
        if key in seen:
            raise MtseqError(f"same run {key} also in {seen[key]}", r.run_dir)
        seen[key] = r.run_dir
    return runs
