"""The grid of mixing ratios x seeds: one cell per (setting, ratios).

Both the Snakefile (which run directories to build) and aggregation (which
runs belong to the study, which one is the baseline) read the grid from
here, so the two can never disagree. Only the standard library is used:
the Snakefile imports this at every start.

Config shape (``config["grid"]``)::

    seeds: [1, 2, 3]
    extra_baseline_seeds: [4, 5]   # the baseline, compared with every cell, gets more runs
    settings:
      many_to_many:
        reference: translate_en_de
        combine: each            # each (default) | product
        auxiliary:
          autoencode_en+autoencode_de: [0.01, 0.1]   # a group shares one ratio
          skipthought_en: [0.01]

"each" varies one auxiliary key at a time; "product" crosses all keys
(two keys give the two-ratio grid behind a heatmap). The single-task
baseline (every auxiliary ratio 0) is always a cell, exactly once per
setting; 0 in a ratio list folds into it.

A baseline trains the reference task alone, so two settings with the same
reference task have the same baseline run, bit for bit (the setting names
no module and seeds no generator). It is trained once, in the directory of the first
such setting in the order one_to_many, many_to_one, many_to_many, and the
others' baseline cells point there (``Cell.home``): the default grid saves three of its 54 runs.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from mtseq.errors import ConfigError, short_repr
from mtseq.tasks import SETTINGS, TASKS, check_setting, get_task

BASELINE = "baseline"
MAX_SEED = 2**63 - 1  # numpy's and torch's generators take 64-bit seeds
MAX_CELLS = 100_000  # a grid that expands beyond this is a typo (a product of long lists), not a study
AUX_SEP = ";"  # between auxiliary keys in table columns ('+' already joins a group)
COMBINE_MODES = ("each", "product")

# Short names keep cell ids readable; a group of one kind across languages
# (autoencode_en+autoencode_de) is named by the kind alone ("ae").
KIND_SHORT = {
    "translate": "mt",
    "parse": "parse",
    "caption": "caption",
    "autoencode": "ae",
    "skipthought": "st",
    "skipthought_halves": "sth",
}
_TASK_SHORT = {
    "translate_en_de": "en_de",
    "translate_de_en": "de_en",
    "parse_en": "parse",
    "parse_silver_en": "hcparse",
    "caption_en": "caption",
}


def task_short(task: str) -> str:
    """Short name of one task: translate_en_de -> en_de, autoencode_de -> ae_de."""
    if task in _TASK_SHORT:
        return _TASK_SHORT[task]
    t = get_task(task)
    return f"{KIND_SHORT[t.kind]}_{t.source if t.kind != 'caption' else t.target}"


def key_tasks(key: str) -> tuple[str, ...]:
    """The tasks of an auxiliary key ('a+b' is a group sharing one ratio)."""
    return tuple(key.split("+"))


def key_short(key: str) -> str:
    """Short name of an auxiliary key, as it appears in cell ids.

    A group of one task kind is named by the kind ("ae"); a mixed group joins
    its members' short names with '-' ('+' separates keys in a cell id).
    """
    tasks = key_tasks(key)
    if len(tasks) == 1:
        return task_short(tasks[0])
    kinds = {TASKS[t].kind for t in tasks if t in TASKS}
    if len(kinds) == 1 and all(t in TASKS for t in tasks):
        return KIND_SHORT[kinds.pop()]
    return "-".join(task_short(t) for t in tasks)


def format_ratio(ratio: float) -> str:
    """Shortest exact decimal, never an exponent: 0.001, 0.00001, 1, 2.5."""
    value = float(ratio)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


@dataclass(frozen=True, eq=True)
class Cell:
    """One point of the grid: a setting and its auxiliary ratios (all seeds)."""

    setting: str
    cell: str
    reference: str
    aux: dict[str, float] = field(hash=False)  # auxiliary key -> ratio; empty for the baseline
    seeds: tuple[int, ...] = ()
    home: str | None = None  # setting whose directory holds a shared baseline's runs

    @property
    def shared(self) -> bool:
        """True for a baseline whose runs live in another setting's directory."""
        return self.home is not None and self.home != self.setting

    @property
    def is_baseline(self) -> bool:
        return not self.aux

    @property
    def ratios(self) -> dict[str, float]:
        """Every task trained in this cell with its mixing ratio; the reference at 1."""
        out = {self.reference: 1.0}
        for key, ratio in self.aux.items():
            for task in key_tasks(key):
                out[task] = ratio
        return out

    @property
    def tasks(self) -> list[str]:
        return list(self.ratios)

    def run_dir(self, seed: int, results: str = "results") -> str:
        return f"{results}/runs/{self.home or self.setting}/{self.cell}/seed{seed}"

    def run_dirs(self, results: str = "results") -> list[str]:
        return [self.run_dir(s, results) for s in self.seeds]


def aux_ratio(row: Mapping, key: str) -> float:
    """The ratio of an auxiliary key in a table row with ``ratio.<task>`` columns (its tasks share it)."""
    return float(row[f"ratio.{key_tasks(key)[0]}"])


def cell_id(aux: Mapping[str, float]) -> str:
    """Readable, filesystem-safe id: 'baseline', 'parse0.01', 'caption0.05+ae0.01'."""
    if not aux:
        return BASELINE
    return "+".join(f"{key_short(k)}{format_ratio(r)}" for k, r in aux.items())


_PART = re.compile(r"^([a-z_-]+?)(\d+(?:\.\d+)?)$")


def _canonical_shorts() -> dict[str, str]:
    """short name -> auxiliary key, for single tasks and same-kind language groups."""
    out = {task_short(t): t for t in TASKS}
    by_kind: dict[str, list[str]] = {}
    for name, t in TASKS.items():
        by_kind.setdefault(t.kind, []).append(name)
    for kind, names in by_kind.items():
        if len(names) > 1 and KIND_SHORT[kind] not in out:
            out[KIND_SHORT[kind]] = "+".join(names)
    return out


def parse_cell_id(cid: str, keys: Iterable[str] | None = None) -> dict[str, float]:
    """Invert :func:`cell_id`: {auxiliary key: ratio}.

    With ``keys`` (a setting's auxiliary keys) short names resolve to exactly
    those keys; without, to the catalogue's tasks and the canonical
    same-kind groups in catalogue order (``ae`` -> ``autoencode_en+autoencode_de``).
    """
    if cid == BASELINE:
        return {}
    if keys is not None:
        lookup = {key_short(k): k for k in keys}
    else:
        lookup = _canonical_shorts()
    out: dict[str, float] = {}
    for part in cid.split("+"):
        m = _PART.match(part)
        if not m:
            raise ValueError(f"not a cell id: {cid!r} (bad part {part!r})")
        short, ratio = m.groups()
        if short in lookup:
            key = lookup[short]
        elif keys is None and all(s in lookup for s in short.split("-")):
            key = "+".join(lookup[s] for s in short.split("-"))
        else:
            raise ValueError(f"cell id {cid!r}: unknown short name {short!r}")
        out[key] = float(ratio)
    return out


# -- expansion ----------------------------------------------------------------


def _seed_list(seeds, key: str, allow_empty: bool = False) -> tuple[int, ...]:
    if not isinstance(seeds, list) or not (seeds or allow_empty):
        raise ConfigError(key, "must be a non-empty list of integers")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED:
            raise ConfigError(key, f"seed {short_repr(s, 40)} is not an integer in 0 ... 2^63-1")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(key, "seeds must be unique")
    return tuple(seeds)


def _seeds(grid_cfg: Mapping) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(every cell's seeds, the baseline's): the baseline, which every cell is compared with, may
    have extra seeds; each cell still pairs with it on the shared ones."""
    seeds = _seed_list(grid_cfg.get("seeds", [1, 2, 3]), "grid.seeds")
    extra = _seed_list(grid_cfg.get("extra_baseline_seeds") or [], "grid.extra_baseline_seeds", True)
    if set(extra) & set(seeds):
        raise ConfigError("grid.extra_baseline_seeds", f"seed {sorted(set(extra) & set(seeds))[0]} is in grid.seeds")
    return seeds, seeds + extra


def _ratios(values, key: str) -> list[float]:
    """Validated, de-duplicated ratios in config order (0 kept: it means 'absent')."""
    if not isinstance(values, list) or not values:
        raise ConfigError(key, "must be a non-empty list of ratios")
    out: dict[float, None] = {}  # ordered and de-duplicated in linear time
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not _finite(v) or v < 0:
            raise ConfigError(key, f"ratio {short_repr(v, 40)} is not a finite number >= 0")
        out[float(v)] = None
    return list(out)


def _finite(v: int | float) -> bool:
    """math.isfinite without its OverflowError for an int beyond float range."""
    return abs(v) <= MAX_SEED if isinstance(v, int) else math.isfinite(v)


def _setting_cells(
    setting: str, scfg: Mapping, seeds: tuple[int, ...], base_seeds: tuple[int, ...] | None = None
) -> list[Cell]:
    base = f"grid.settings.{setting}"
    if not isinstance(scfg, Mapping):
        raise ConfigError(base, "must be a mapping with 'reference' and 'auxiliary'")
    unknown = set(scfg) - {"reference", "auxiliary", "combine"}
    if unknown:
        raise ConfigError(f"{base}.{sorted(unknown)[0]}", "unknown key")
    if "reference" not in scfg:
        raise ConfigError(f"{base}.reference", "missing")
    reference = scfg["reference"]
    get_task(str(reference), f"{base}.reference")
    combine = scfg.get("combine", "each")
    if combine not in COMBINE_MODES:
        raise ConfigError(f"{base}.combine", f"must be one of {', '.join(COMBINE_MODES)}, not {combine!r}")
    aux_cfg = scfg.get("auxiliary") or {}
    if not isinstance(aux_cfg, Mapping):
        raise ConfigError(f"{base}.auxiliary", "must map task (or 'a+b' group) to a list of ratios")

    lists: dict[str, list[float]] = {}
    seen = {reference: f"{base}.reference"}
    shorts: dict[str, str] = {}
    for key, values in aux_cfg.items():
        kkey = f"{base}.auxiliary.{key}"
        for task in key_tasks(str(key)):
            get_task(task, kkey)
            if task in seen:
                raise ConfigError(kkey, f"task '{task}' already appears at {seen[task]}")
            seen[task] = kkey
        short = key_short(key)
        if short in shorts:
            raise ConfigError(kkey, f"short name '{short}' collides with '{shorts[short]}'")
        shorts[short] = key
        lists[key] = _ratios(values, kkey)
    check_setting(setting, list(seen), base)

    n = 1 + (sum(map(len, lists.values())) if combine == "each" else math.prod(map(len, lists.values())))
    if n > MAX_CELLS:
        raise ConfigError(f"{base}.auxiliary", f"expands to {n:,} cells, more than {MAX_CELLS:,}")
    combos: list[dict[str, float]] = [{}]
    if combine == "each":
        combos += [{k: r} for k, rs in lists.items() for r in rs]
    else:
        keys = list(lists)
        combos += [dict(zip(keys, rs)) for rs in itertools.product(*(lists[k] for k in keys))]
    cells: dict[str, Cell] = {}
    for combo in combos:
        aux = {k: r for k, r in combo.items() if r > 0}
        cid = cell_id(aux)
        if cid not in cells:
            cells[cid] = Cell(setting, cid, reference, aux, seeds if aux else (base_seeds or seeds))
    return list(cells.values())


def expand_grid(grid_cfg: Mapping) -> list[Cell]:
    """Every cell of every setting (one_to_many, many_to_one, many_to_many), baseline first in each."""
    if not isinstance(grid_cfg, Mapping):
        raise ConfigError("grid", "must be a mapping with 'seeds' and 'settings'")
    seeds, base_seeds = _seeds(grid_cfg)
    settings = grid_cfg.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise ConfigError("grid.settings", "must map a setting name to its grid")
    # Settings in the paper's order, whatever the order of the config's keys (a config section
    # written back to a file has them sorted): tables, figures and shared-baseline homes follow it.
    order = sorted(settings, key=lambda s: SETTINGS.index(s) if s in SETTINGS else len(SETTINGS))
    cells: list[Cell] = []
    homes: dict[str, str] = {}
    for setting in order:
        for c in _setting_cells(str(setting), settings[setting], seeds, base_seeds):
            cells.append(replace(c, home=homes.setdefault(c.reference, c.setting)) if c.is_baseline else c)
    return cells


def run_dirs(grid_cfg: Mapping, results: str = "results") -> list[str]:
    """Every run directory to train, once each: results/runs/<setting>/<cell>/seed<k>."""
    return unique_run_dirs(expand_grid(grid_cfg), results)


def unique_run_dirs(cells: Iterable[Cell], results: str = "results") -> list[str]:
    """The cells' run directories in grid order, a shared baseline's once."""
    return list(dict.fromkeys(d for c in cells for d in c.run_dirs(results)))


def cell_outside_grid(config: Mapping, setting: str, cid: str, seeds: tuple = ()) -> Cell | None:
    """A cell of ``setting`` named by its id at ratios the grid need not have (``parse0.3``): the cells
    a confirmation or an adaptive stage trains; None when the setting or the id does not parse."""
    scfg = ((config.get("grid") or {}).get("settings") or {}).get(setting)
    if not scfg:
        return None
    try:
        aux = parse_cell_id(cid, list(scfg.get("auxiliary") or {}))
    except ValueError:
        return None
    return Cell(setting, cid, scfg["reference"], aux, tuple(seeds)) if aux else None


def find_cell(cells: Iterable[Cell], setting: str, cid: str) -> Cell | None:
    for c in cells:
        if c.setting == setting and c.cell == cid:
            return c
    return None


_RUN_DIR = re.compile(r"(?:^|/)runs/(?P<setting>[^/]+)/(?P<cell>[^/]+)/seed(?P<seed>\d+)/?$")


def parse_run_dir(path: str) -> tuple[str, str, int] | None:
    """(setting, cell, seed) from a run directory path, or None if it has another shape."""
    m = _RUN_DIR.search(str(path).replace("\\", "/"))
    if not m:
        return None
    return m["setting"], m["cell"], int(m["seed"])
