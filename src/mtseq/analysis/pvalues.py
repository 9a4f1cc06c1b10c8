"""Test-set uncertainty of every grid cell's delta against its setting's baseline.

Which tests run: for each setting and each task with test outputs in both
a cell and the baseline, the task's main metric on the test split -
BLEU for translation and captioning from ``hyp.<task>.test`` (Moses-
tokenised, detokenised before scoring like the reported BLEU), parse F1
from ``parse_stats.test.json``. Perplexity has no per-sentence outputs here
and gets no p value. In practice only the reference task qualifies: the
single-task baseline has no auxiliary outputs.

What each test does (:mod:`mtseq.evaluate.significance`): every run of the
cell and every run of the baseline that has outputs takes part, each side
with its own seeds (the baseline may have more); whole test sentences are
resampled and the statistic is the delta the tables report, mean over the
cell's runs minus mean over the baseline's runs of the corpus metric. Its
null is "the same trained models on another test set drawn from the same
distribution": a p value and interval of test-set uncertainty only, not of
seed variance.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from mtseq.analysis.runs import Run, hyp_path, parse_stats_path
from mtseq.analysis.stats import main_metric
from mtseq.errors import MtseqError
from mtseq.evaluate.significance import (
    DEFAULT_SAMPLES,
    PairedResult,
    TextScorer,
    f1_from_counts,
    paired_bootstrap,
)
from mtseq.evaluate.textmetrics import read_references, task_lang, task_references
from mtseq.grid import BASELINE
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


def _read_stats(run: Run) -> np.ndarray:
    path = parse_stats_path(run.run_dir, SPLIT)
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MtseqError(f"unreadable parse statistics ({err})", path) from None
    if not isinstance(stats, list) or not all(isinstance(s, list) and len(s) == 3 for s in stats):
        raise MtseqError("expected a list of [matched, gold, test]", path)
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for s in stats for x in s):
        raise MtseqError("parse statistics must be numbers [matched, gold, test]", path)
    if not stats:
        raise MtseqError("no parse statistics (empty list)", path)
    return np.asarray(stats, dtype=float).reshape(len(stats), 3)


def _has_output(run: Run, task: str) -> bool:
    kind = get_task(task).kind
    if kind in ("translate", "caption"):
        return hyp_path(run.run_dir, task, SPLIT).is_file()
    if kind == "parse":
        return parse_stats_path(run.run_dir, SPLIT).is_file()
    return False


def _check_outputs(runs: list[Run], task: str) -> None:
    """Once any run has the task's test outputs, every run whose metrics.json reports the task's test metric
    must have them too: the bootstrap would otherwise drop that run, or its whole cell, without a word."""
    if not any(_has_output(r, task) for r in runs):
        return
    metric = main_metric(task)
    for r in runs:
        if not _has_output(r, task) and metric in r.metrics.get(task, {}).get(SPLIT, {}):
            kind = get_task(task).kind
            path = parse_stats_path(r.run_dir, SPLIT) if kind == "parse" else hyp_path(r.run_dir, task, SPLIT)
            raise MtseqError(
                f"test outputs missing: metrics.json reports {task} {SPLIT} {metric} but this file is absent "
                "(evaluate the run again)",
                path,
            )


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
        _check_outputs(runs, task)
        base_runs = [r for _, r in sorted(baseline.items()) if _has_output(r, task)]
        cells = {
            cell: [r for _, r in sorted(seeds.items()) if _has_output(r, task)]
            for cell, seeds in by_cell.items()
            if cell != BASELINE
        }
        cells = {cell: rs for cell, rs in cells.items() if rs}
        if base_runs and cells:
            out.update(_task_pvalues(task, base_runs, cells, data_root, n_samples))
    return out


def _task_pvalues(
    task: str,
    base_runs: list[Run],
    cells: dict[str, list[Run]],
    data_root: str | Path | None,
    n_samples: int,
) -> dict[tuple[str, str], PairedResult]:
    """One sentence bootstrap per cell: all its runs with outputs against all the baseline's."""
    metric = main_metric(task)
    column = f"{task}.{SPLIT}.{metric}"
    out = {}
    if get_task(task).kind == "parse":
        base = [_read_stats(r) for r in base_runs]
        n = len(base[0])
        for run, stats in zip(base_runs, base):
            if len(stats) != n:
                raise MtseqError(f"{len(stats)} parse statistics, the baseline has {n}", run.run_dir)
        for cell, rs in cells.items():
            sys_ = [_read_stats(r) for r in rs]
            for run, stats in zip(rs, sys_):
                if len(stats) != n:
                    raise MtseqError(f"{len(stats)} parse statistics, the baseline has {n}", run.run_dir)
            out[(cell, column)] = paired_bootstrap(base, sys_, f1_from_counts, metric, n_samples)
        return out
    refs = _references(base_runs[0], task, data_root)
    scorer = TextScorer(metric, refs, task_lang(task))
    base = [scorer.stats(_read_hyps(r, task, len(refs))) for r in base_runs]
    for cell, rs in cells.items():
        sys_ = [scorer.stats(_read_hyps(r, task, len(refs))) for r in rs]
        out[(cell, column)] = paired_bootstrap(
            base, sys_, scorer.score, metric, n_samples, metric_signature=scorer.signature()
        )
    return out
