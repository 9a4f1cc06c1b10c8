"""One row per trained and evaluated run directory: what a benchmark run is reported by.

The grid's tables (``mtseq aggregate``) compare cells over seeds; a real-data
benchmark (config/multi30k.yaml and its attention overlay) is read run by run:
test scores of beam and greedy decoding with sacreBLEU's signature, the
validation that chose the weights, epochs and wall time.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from mtseq.analysis.runs import read_json
from mtseq.errors import MtseqError

SCORES = ("bleu", "chrf", "bleu_tok", "bleu_greedy", "chrf_greedy", "bleu_tok_greedy")  # of the test set
COLUMNS = (
    "run", "task", "attention", *SCORES,
    "beam", "valid_bleu", "attn_edge_share", "best_valid_ppl", "best_epoch", "epochs", "stopped_early", "selected",
    "wall_time_s", "train_tokens_per_s", "eval_time_s", "params", "device", "bleu_signature",
)  # fmt: skip


def _read(path: Path) -> dict:
    """``analysis.runs.read_json``, with the hint a benchmark's reader needs for a missing file."""
    if not path.exists():
        raise MtseqError("file not found (train and evaluate this run first)", path)
    return read_json(path)


def run_row(run_dir: str | Path) -> dict:
    """The reference task's scores and the training facts of one run directory."""
    run_dir = Path(run_dir)
    train, metrics = _read(run_dir / "train.json"), _read(run_dir / "metrics.json")
    task = train.get("reference")
    scores = metrics.get("tasks", {}).get(task)
    if not isinstance(scores, dict) or "test" not in scores:
        raise MtseqError(f"no test scores of the reference task {task!r}", run_dir / "metrics.json")
    test, valid = scores["test"], scores.get("valid", {})
    bpe = train.get("batches_per_reference_epoch") or math.nan
    best = train.get("best_valid") or {}
    model = _model_section(run_dir)
    return {
        "run": str(run_dir),
        "task": task,
        "attention": bool(model.get("attention", False)),
        **{k: test.get(k, math.nan) for k in SCORES},
        "beam": metrics.get("decode", {}).get("beam"),
        "valid_bleu": valid.get("bleu", math.nan),
        "attn_edge_share": valid.get("attn_edge_share", math.nan),  # collapsed attention: most (evaluate.attention)
        "best_valid_ppl": best.get("ppl", math.nan),
        "best_epoch": best["ref_done"] / bpe if best else math.nan,
        "epochs": train.get("epochs", train.get("reference_updates", math.nan) / bpe),
        "stopped_early": train.get("stopped_early", False),
        "selected": train.get("selected", "last"),
        "wall_time_s": train.get("wall_time_s", math.nan),
        "train_tokens_per_s": train.get("train_tokens_per_s", math.nan),
        "eval_time_s": metrics.get("eval_time_s", math.nan),
        "params": train.get("params"),
        "device": train.get("device"),
        "bleu_signature": test.get("bleu_signature", ""),
    }


def _model_section(run_dir: Path) -> dict:
    """The model section the trainer recorded in the run's config.yaml."""
    from mtseq.config import read_config_file

    path = run_dir / "config.yaml"
    content = read_config_file(path) if path.is_file() else None
    model = content.get("model") if isinstance(content, dict) else None
    if not isinstance(model, dict):
        raise MtseqError("no model section (a run directory mtseq train wrote?)", path)
    return model


def run_table(run_dirs: list[str | Path]) -> pd.DataFrame:
    if not run_dirs:
        raise MtseqError("no run directories given")
    return pd.DataFrame([run_row(d) for d in run_dirs], columns=list(COLUMNS))


def _share(x: float) -> str:
    return "" if math.isnan(x) else f"{100 * x:.0f}%"


def markdown(table: pd.DataFrame) -> str:
    """The table a results page shows (scores to 2 decimals, times in minutes)."""
    lines = [
        "| run | attention | test BLEU (beam) | chrF | tok. BLEU | test BLEU (greedy) | valid BLEU "
        "| attention on a source edge (valid) | best valid ppl | best epoch / trained | train min "
        "| tgt+src tok/s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in table.itertuples(index=False):
        lines.append(
            f"| {r.run} | {'yes' if r.attention else 'no'} | {r.bleu:.2f} | {r.chrf:.2f} | {r.bleu_tok:.2f} "
            f"| {r.bleu_greedy:.2f} | {r.valid_bleu:.2f} | {_share(r.attn_edge_share)} "
            f"| {r.best_valid_ppl:.2f} | {r.best_epoch:.0f} / "
            f"{r.epochs:.0f}{' (early stop)' if r.stopped_early else ''} | {r.wall_time_s / 60:.1f} "
            f"| {r.train_tokens_per_s:,.0f} |"
        )
    signatures = sorted({s for s in table["bleu_signature"] if s})
    lines += ["", *(f"sacreBLEU signature: `{s}`" for s in signatures)]
    return "\n".join(lines) + "\n"
