"""Significance of every grid cell against its setting's baseline.

Which tests run: for each setting and each task with test outputs in both
a cell and the baseline, the task's main metric on the test split -
BLEU (sacrebleu paired bootstrap) for translation and captioning from
``hyp.<task>.test``, parse F1 from ``parse_stats.test.json``. Perplexity
has no per-sentence outputs here and gets no p value. In practice only the
reference task qualifies: the single-task baseline has no auxiliary outputs.

Seeds are pooled as documented in :mod:`mtseq.evaluate.significance`,
over the seeds that the cell and the baseline both have.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from mtseq.analysis.grid import BASELINE
from mtseq.analysis.runs import Run, hyp_path, parse_stats_path
from mtseq.analysis.stats import main_metric
from mtseq.errors import MtseqError
from mtseq.evaluate.significance import (
    DEFAULT_SAMPLES,
    PairedResult,
    paired_bootstrap_stats,
    paired_bootstrap_text,
    pool_seeds,
)
from mtseq.evaluate.textmetrics import read_references, task_lang, task_references
from mtseq.io import read_lines
from mtseq.tasks import get_task

SPLIT = "test"


def _references(run: Run, task: str, data_root: str | Path | None) -> list[list[str]]:
    """Reference sets: as recorded in metrics.json, else from the corpus layout."""
    ref = run.references.get(task, {}).get(SPLIT)
    if isinstance(ref, str):
        return read_references(ref)
    if isinstance(ref, dict) and "text" in ref:
        return read_references(ref["text"], ref.get("image_ids"))
    if ref is not None:
        raise MtseqError(
            f"references.{task}.{SPLIT} must be a path or {{text, image_ids}}", run.run_dir / "metrics.json"
        )
    if data_root is None:
        raise MtseqError(
            f"no references for {task} ({SPLIT}): not recorded in metrics.json and no data root given",
            run.run_dir / "metrics.json",
        )
    return task_references(task, data_root, SPLIT)


def _read_hyps(run: Run, task: str, n_refs: int) -> list[str]:
    path = hyp_path(run.run_dir, task, SPLIT)
    hyps = read_lines(path, allow_empty_file=True)
    if len(hyps) != n_refs:
        raise MtseqError(f"{len(hyps)} hypotheses but {n_refs} reference sets", path)
    return hyps


def _read_stats(run: Run) -> list[list[float]]:
    path = parse_stats_path(run.run_dir, SPLIT)
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MtseqError(f"unreadable parse statistics ({err})", path) from None
    if not isinstance(stats, list) or not all(isinstance(s, list) and len(s) == 3 for s in stats):
        raise MtseqError("expected a list of [matched, gold, test]", path)
    return stats


def _has_output(run: Run, task: str) -> bool:
    kind = get_task(task).kind
    if kind in ("translate", "caption"):
        return hyp_path(run.run_dir, task, SPLIT).is_file()
    if kind == "parse":
        return parse_stats_path(run.run_dir, SPLIT).is_file()
    return False


def setting_pvalues(
    runs: list[Run], data_root: str | Path | None = None, n_samples: int = DEFAULT_SAMPLES
) -> dict[tuple[str, str], PairedResult]:
    """{(cell, "<task>.test.<metric>"): result} for the runs of one setting."""
    by_cell: dict[str, dict[int, Run]] = defaultdict(dict)
    for r in runs:
        by_cell[r.cell][r.seed] = r
    baseline = by_cell.get(BASELINE)
    if not baseline:
        return {}
    tasks = sorted({t for r in runs for t in r.ratios})
    out: dict[tuple[str, str], PairedResult] = {}
    for task in tasks:
        base_seeds = [s for s, r in sorted(baseline.items()) if _has_output(r, task)]
        if not base_seeds:
            continue
        # group cells by the seeds they share with the baseline: one test per group
        groups: dict[tuple[int, ...], list[str]] = defaultdict(list)
        for cell, seeds in by_cell.items():
            if cell == BASELINE:
                continue
            common = tuple(s for s in base_seeds if s in seeds and _has_output(seeds[s], task))
            if common:
                groups[common].append(cell)
        if groups:
            out.update(_task_pvalues(task, baseline, by_cell, groups, data_root, n_samples))
    return out


def _task_pvalues(
    task: str,
    baseline: dict[int, Run],
    by_cell: dict[str, dict[int, Run]],
    groups: dict[tuple[int, ...], list[str]],
    data_root: str | Path | None,
    n_samples: int,
) -> dict[tuple[str, str], PairedResult]:
    """One paired test per group of cells sharing the same seeds with the baseline."""
    metric = main_metric(task)
    column = f"{task}.{SPLIT}.{metric}"
    kind = get_task(task).kind
    out = {}
    if kind == "parse":
        for seeds, cells in groups.items():
            base = pool_seeds({s: _read_stats(baseline[s]) for s in seeds}, seeds)
            for cell in cells:
                sys_ = pool_seeds({s: _read_stats(by_cell[cell][s]) for s in seeds}, seeds)
                if len(sys_) != len(base):
                    raise MtseqError(
                        f"{len(sys_)} parse statistics, the baseline has {len(base)}", by_cell[cell][seeds[0]].run_dir
                    )
                out[(cell, column)] = paired_bootstrap_stats(base, sys_, metric=metric, n_samples=n_samples)
        return out
    refs = _references(baseline[next(iter(groups))[0]], task, data_root)
    lang = task_lang(task)
    for seeds, cells in groups.items():
        base = pool_seeds({s: _read_hyps(baseline[s], task, len(refs)) for s in seeds}, seeds)
        systems = {
            cell: pool_seeds({s: _read_hyps(by_cell[cell][s], task, len(refs)) for s in seeds}, seeds) for cell in cells
        }
        results = paired_bootstrap_text(base, systems, refs * len(seeds), lang, (metric,), n_samples)
        for cell, res in results.items():
            out[(cell, column)] = res[metric]
    return out
