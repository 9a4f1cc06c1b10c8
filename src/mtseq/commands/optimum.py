"""``mtseq optimum``: a grid's ratio curves -> optimum.csv, optimum_metrics.json, optimum/<setting>.json, plots.

Reads only ``<results>/summary.csv`` (a DVC output), so it works on a grid fetched with ``dvc pull``.
"""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "optimum", help="fit metric vs log ratio per setting: best ratio with its interval, robust region, plots"
    )
    p.add_argument("--config", required=True, help="workflow config YAML (its grid and 'optimum' section)")
    p.add_argument("--results", default=None, help="results folder with summary.csv (default: the config's)")
    p.add_argument("--plots", default=None, help="folder for the figures (default: <results>/plots)")
    p.set_defaults(func=run)


def run(args) -> int:
    from mtseq.analysis.adaptive_files import with_adaptive_stages
    from mtseq.analysis.aggregate import write_csv
    from mtseq.analysis.optimum import check_summary, dvc_metrics, optimum_table, setting_json, study_optimum
    from mtseq.analysis.optimum_plots import plot_optimum
    from mtseq.config import load_config
    from mtseq.grid import expand_grid
    from mtseq.io import read_csv, write_json

    cfg = load_config(args.config)
    results = Path(args.results or cfg.get("results", "results"))
    options = dict(cfg.get("optimum") or {})
    summary = read_csv(results / "summary.csv")
    check_summary(summary, results / "summary.csv")
    cells = with_adaptive_stages(cfg, expand_grid(cfg.get("grid") or {}), results)  # grid.adaptive's runs
    found = study_optimum(summary, cells, options)
    paths = []
    for setting in dict.fromkeys(o.setting for o in found):
        doc = setting_json(setting, found, options)
        path = results / "optimum" / f"{setting}.json"
        write_json(path, doc)
        paths.append(path)
        paths += plot_optimum(doc, Path(args.plots) if args.plots else results / "plots")
    write_csv(optimum_table(found), results / "optimum.csv")
    write_json(results / "optimum_metrics.json", dvc_metrics(found))
    paths += [results / "optimum.csv", results / "optimum_metrics.json"]
    for path in paths:
        print(path)
    return 0
