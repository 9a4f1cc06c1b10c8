"""Which curves `mtseq optimum` fits, and so which files it writes: read by the Snakefile at every start.

Standard library only (like ``grid``): the workflow imports this to name the
rule's outputs, and ``optimum`` uses the same function to decide what to fit,
so the two cannot disagree.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from mtseq.errors import MtseqError
from mtseq.grid import BASELINE, Cell, cell_id, cell_outside_grid, expand_grid, find_cell, key_tasks


def curve_keys(cells: Iterable[Cell]) -> list[tuple[str, str]]:
    """(setting, auxiliary key) with at least two cells that vary that key alone (a ``combine: each`` grid).

    A ``product`` grid of two keys has no such cells: its surface is ``surface_keys``'.
    """
    count: dict[tuple[str, str], int] = {}
    for c in cells:
        if len(c.aux) == 1:
            key = (c.setting, next(iter(c.aux)))
            count[key] = count.get(key, 0) + 1
    return [k for k, n in count.items() if n >= 2]


def surface_keys(cells: Iterable[Cell]) -> list[tuple[str, tuple[str, str]]]:
    """(setting, (key1, key2)) where cells vary exactly two auxiliary keys, each over at least two ratios."""
    ratios: dict[tuple[str, tuple[str, ...]], tuple[set, set]] = {}
    for c in cells:
        if len(c.aux) == 2:
            keys = tuple(c.aux)
            r1, r2 = ratios.setdefault((c.setting, keys), (set(), set()))
            r1.add(c.aux[keys[0]])
            r2.add(c.aux[keys[1]])
    by_setting: dict[str, list] = {}
    for (setting, keys), (r1, r2) in ratios.items():
        if len(r1) >= 2 and len(r2) >= 2:
            by_setting.setdefault(setting, []).append(keys)
    return [(s, ks[0]) for s, ks in by_setting.items() if len(ks) == 1]


def optimum_files(config: Mapping) -> dict[str, list[str]]:
    """results/optimum/<setting>.json and results/plots/optimum_<setting>.png per fitted setting."""
    results = config.get("results", "results")
    cells = expand_grid(config.get("grid") or {})
    settings = list(dict.fromkeys([s for s, _ in curve_keys(cells)] + [s for s, _ in surface_keys(cells)]))
    return {
        "json": [f"{results}/optimum/{s}.json" for s in settings],
        "plots": [f"{results}/plots/optimum_{s}.png" for s in settings],
    }


# -- confirmation runs (optimum.confirm.seeds): fresh seeds at alpha* and at the baseline --------


def confirm_seeds(config: Mapping) -> list[int]:
    return list(((config.get("optimum") or {}).get("confirm") or {}).get("seeds") or [])


def confirm_ratio(alpha: float) -> float:
    """alpha* as trained in a confirmation: two significant digits (0.2951 -> 0.3), a readable cell id."""
    return float(f"{alpha:.2g}")


def confirm_cell(config: Mapping, setting: str, cid: str) -> Cell | None:
    """A confirmation cell outside the grid (e.g. parse0.3), when confirmation runs are configured."""
    seeds = tuple(confirm_seeds(config))
    return cell_outside_grid(config, setting, cid, seeds) if seeds else None


def confirm_run_dirs(config: Mapping, optimum_csv: str | Path) -> list[str]:
    """Run directories to train for the confirmation, from optimum.csv's alpha* per (setting, key).

    Every setting trains its own fresh baseline runs (no sharing between settings), so each
    confirmation compares runs paired by seed within its own directory.
    """
    results = config.get("results", "results")
    seeds = confirm_seeds(config)
    cells = expand_grid(config.get("grid") or {})
    path = Path(optimum_csv)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise MtseqError(f"cannot read ({err})", path) from None
    dirs: list[str] = []
    for row in rows:
        key = row.get("key", "")
        if ";" in key or not row.get("alpha_star"):
            continue
        setting = row["setting"]
        if find_cell(cells, setting, BASELINE) is None or not all(key_tasks(key)):
            continue
        cid = cell_id({key: confirm_ratio(float(row["alpha_star"]))})
        for c in (BASELINE, cid):
            dirs += [f"{results}/runs/{setting}/{c}/seed{s}" for s in seeds]
    return list(dict.fromkeys(dirs))
