"""Which curves `mtseq optimum` fits, and so which files it writes: read by the Snakefile at every start.

Standard library only (like ``grid``): the workflow imports this to name the
rule's outputs, and ``optimum`` uses the same function to decide what to fit,
so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mtseq.analysis.grid import Cell, expand_grid


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
