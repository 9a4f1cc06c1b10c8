"""``mtseq grid``: show the grid of mixing ratios x seeds a config expands to."""

from __future__ import annotations

import json

from mtseq.config import load_config
from mtseq.grid import expand_grid, format_ratio, unique_run_dirs


def register(subparsers) -> None:
    p = subparsers.add_parser("grid", help="list the grid cells (setting, cell, seeds, run dirs) of a config")
    p.add_argument("--config", required=True, help="workflow config YAML (its 'grid' section is read)")
    p.add_argument("--results", default=None, help="results folder (default: the config's 'results' or 'results')")
    p.add_argument(
        "--format", choices=("table", "dirs", "json"), default="table", help="table (default), run dirs, or JSON"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    cfg = load_config(args.config)
    results = args.results or cfg.get("results", "results")
    cells = expand_grid(cfg.get("grid") or {})
    if args.format == "dirs":
        print("\n".join(unique_run_dirs(cells, results)))
        return 0
    if args.format == "json":
        rows = [
            {
                "setting": c.setting,
                "cell": c.cell,
                "ratios": c.ratios,
                "seeds": list(c.seeds),
                "run_dirs": c.run_dirs(results),
                "shared_from": c.home if c.shared else None,
            }
            for c in cells
        ]
        print(json.dumps(rows, indent=2))
        return 0
    header = ("setting", "cell", "ratios", "seeds", "runs")
    rows = [
        (
            c.setting,
            c.cell,
            " ".join(f"{t}={format_ratio(r)}" for t, r in c.ratios.items()),
            ",".join(map(str, c.seeds)),
            f"shared with {c.home}" if c.shared else str(len(c.seeds)),
        )
        for c in cells
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())
    print(f"{len(cells)} cells, {len(unique_run_dirs(cells, results))} runs")
    return 0
