"""The paper's reported points, drawn beside ours in the sensitivity plots.

A points table is YAML (a list of mappings) or CSV with the columns
``setting, task, aux, ratio, bleu``: ``aux`` labels the auxiliary series
(free text, shown in the legend), empty for the single-task system, whose
ratio is 0. The paper's BLEU is
tokenised multi-bleu on WMT, ours is detokenised sacrebleu on our corpus,
so plots put the paper on its own clearly labelled axis.

``PAPER_POINTS`` holds Luong et al. (2016)'s test BLEU (means of two runs).
The many-to-many rows are read as DE->EN because they sit against the 17.8
single-task DE->EN system; the paper lists no single-task row for them.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import yaml

from mtseq.errors import MtseqError
from mtseq.io import check_input_file

COLUMNS = ("setting", "task", "aux", "ratio", "bleu")


def _rows(setting: str, task: str, aux: str, pairs: list[tuple[float, float]]) -> list[dict]:
    return [{"setting": setting, "task": task, "aux": aux, "ratio": r, "bleu": b} for r, b in pairs]


PAPER_POINTS: list[dict] = [
    *_rows("one_to_many", "translate_en_de", "", [(0, 14.3)]),
    *_rows("one_to_many", "translate_en_de", "PTB parsing", [(1, 14.7), (0.1, 15.1), (0.01, 15.8)]),
    *_rows("one_to_many", "translate_en_de", "high-confidence parsing", [(1, 15.0), (0.1, 15.2), (0.05, 14.8)]),
    *_rows("many_to_one", "translate_de_en", "", [(0, 17.8)]),
    *_rows("many_to_one", "translate_de_en", "captioning", [(1, 16.7), (0.1, 18.0), (0.05, 18.5), (0.01, 18.1)]),
    *_rows("many_to_many", "translate_de_en", "autoencoders", [(1, 16.0), (0.1, 17.7), (0.05, 18.3)]),
    *_rows("many_to_many", "translate_de_en", "skip-thought", [(1, 17.3), (0.1, 17.8), (0.01, 17.8)]),
]


def _check(rows: list[dict], path: Path) -> list[dict]:
    out = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise MtseqError(f"entry {i} is not a mapping", path)
        missing = [c for c in ("setting", "ratio", "bleu") if row.get(c) in (None, "")]
        if missing:
            raise MtseqError(f"entry {i} lacks {', '.join(missing)}", path)
        try:
            ratio, bleu = float(row["ratio"]), float(row["bleu"])
        except (TypeError, ValueError):
            raise MtseqError(f"entry {i}: ratio and bleu must be numbers", path) from None
        if not (math.isfinite(ratio) and ratio >= 0 and math.isfinite(bleu)):
            raise MtseqError(f"entry {i}: ratio must be >= 0 and bleu finite", path)
        out.append(
            {
                "setting": str(row["setting"]),
                "task": str(row.get("task") or ""),
                "aux": str(row.get("aux") or ""),
                "ratio": ratio,
                "bleu": bleu,
            }
        )
    return out


def load_paper_points(path: str | Path) -> list[dict]:
    """Read a points table (.yaml/.yml or .csv); refuse malformed entries with the file."""
    path = Path(path)
    check_input_file(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
    else:
        try:
            rows = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise MtseqError(f"invalid YAML ({err})".replace("\n", " "), path) from None
        if isinstance(rows, dict) and "points" in rows:
            rows = rows["points"]
        if not isinstance(rows, list):
            raise MtseqError("expected a list of points (or a mapping with 'points')", path)
    return _check(rows, path)


def paper_yaml() -> str:
    """PAPER_POINTS as the YAML file ``mtseq plot --paper`` reads."""
    head = "# Luong et al. (2016), test BLEU (tokenised, multi-bleu), mean of two runs; ratio 0 = single task.\n"
    return head + yaml.safe_dump({"points": PAPER_POINTS}, sort_keys=False, default_flow_style=None)
