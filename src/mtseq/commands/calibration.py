"""``mtseq calibration``: simulate A/A grids and check the seed-level tests keep their error rates and power."""

from __future__ import annotations

FPR_RANGE = (0.025, 0.075)
TARGET_POWER = 0.8


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "calibration",
        help="false-positive rate, family-wise rate and power of the seed-level tests on simulated grids",
        description="Simulate grids from per-seed score distributions (given, or estimated from a finished "
        "grid's summary.csv) and run the tests behind sensitivity.csv on them. Exits 1 when a check fails.",
    )
    p.add_argument("--summary", default=None, help="summary.csv of a finished grid: estimate the design from it")
    p.add_argument("--setting", default=None, help="setting to estimate from (default: the summary's first)")
    p.add_argument("--metric", default=None, help="metric column (default: the setting's reference test metric)")
    p.add_argument("--cells", type=int, default=None, help="non-baseline cells per grid (default 5)")
    p.add_argument("--seeds", type=int, default=None, help="seeds per cell (default 3)")
    p.add_argument("--extra-baseline-seeds", type=int, default=None, help="baseline seeds beyond --seeds (default 0)")
    p.add_argument("--seed-sd", type=float, default=None, help="sd of the seed effect shared by a seed's runs (1.0)")
    p.add_argument("--resid-sd", type=float, default=None, help="sd of a run around cell + seed effects (1.0)")
    p.add_argument("--grids", type=int, default=2000, help="simulated grids per scenario (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulation's numpy Generator (default 0)")
    p.add_argument(
        "--real-aa",
        nargs="+",
        default=None,
        metavar="SUMMARY",
        help="instead of simulating: split the real baseline runs of these summary.csv files (pooled by seed) "
        "into disjoint halves of seeds and test every split (A/A on real score distributions)",
    )
    p.add_argument("--json", default=None, metavar="PATH", help="also write the figures as JSON")
    p.set_defaults(func=run)


def _design(args):
    from dataclasses import replace

    from mtseq.analysis.calibration import Design, design_from_summary
    from mtseq.errors import MtseqError

    source = "flags"
    design = Design()
    if args.summary:
        summary = _read_summary(args.summary)
        missing = [c for c in ("setting", "cell", "reference", "seed") if c not in summary.columns]
        if missing:
            raise MtseqError(f"missing column(s) {', '.join(missing)}", args.summary)
        design, setting, metric = design_from_summary(summary, args.setting, args.metric)
        source = f"{args.summary}: {setting} / {metric}"
    flags = {
        "cells": args.cells,
        "seeds": args.seeds,
        "extra_baseline_seeds": args.extra_baseline_seeds,
        "seed_sd": args.seed_sd,
        "resid_sd": args.resid_sd,
    }
    return replace(design, **{k: v for k, v in flags.items() if v is not None}).check(), source


def checks(result: dict) -> list[tuple[str, bool]]:
    """What the figures must satisfy.

    With one cell at the MDE, power is 80% exactly in expectation (Holm's first step is Bonferroni's
    level), so the simulation can only show it within Monte Carlo error; with every cell shifted, Holm
    rejects more than Bonferroni and must reach 80%.
    """
    lo, hi = FPR_RANGE
    return [
        (f"raw false-positive rate in [{lo:.1%}, {hi:.1%}]", lo <= result["false_positive_rate"] <= hi),
        ("family-wise rate (Holm) at most 5% + 3 MC SE", result["familywise_rate"] <= 0.05 + 3 * _se(result, 0.05)),
        (f"power, every cell at the MDE, at least {TARGET_POWER:.0%}", result["power_every_cell"] >= TARGET_POWER),
        (
            f"power, one cell at the MDE, {TARGET_POWER:.0%} within 3 MC SE",
            result["power_one_cell"] + 3 * result["power_one_cell_se"] >= TARGET_POWER,
        ),
    ]


def _se(result: dict, rate: float) -> float:
    return (rate * (1 - rate) / result["grids"]) ** 0.5


def _read_summary(path):
    from mtseq.io import read_csv

    return read_csv(path)


def run_real_aa(args) -> int:
    from mtseq.analysis.calibration import real_aa
    from mtseq.errors import MtseqError
    from mtseq.io import write_json

    summaries = [_read_summary(p) for p in args.real_aa]
    settings = [args.setting] if args.setting else list(dict.fromkeys(s for df in summaries for s in df["setting"]))
    results = []
    for setting in settings:
        try:
            res = real_aa(summaries, setting, args.metric)
        except MtseqError as err:  # a setting without enough baseline runs: say so, test the others
            print(f"{setting}: {err}")
            continue
        results.append(res)
        print(
            f"{setting} / {res['metric']}: {len(res['seeds'])} baseline runs (seeds {res['seeds']}), "
            f"{res['splits']} splits into disjoint halves: {res['rejected_at_0.05']} with p < 0.05 "
            f"({res['rate']:.1%}), median p {res['median_p']:.2f}"
        )
    if args.json:
        write_json(args.json, {"real_aa": results})
    return 0


def run(args) -> int:
    from mtseq.analysis.calibration import calibrate
    from mtseq.errors import MtseqError
    from mtseq.io import write_json

    if args.real_aa:
        return run_real_aa(args)
    if args.grids < 1:
        raise MtseqError(f"--grids must be at least 1, not {args.grids}")
    design, source = _design(args)
    result = calibrate(design, grids=args.grids, seed=args.seed)
    result["source"] = source
    result["checks"] = {name: ok for name, ok in checks(result)}
    d = result["design"]
    print(f"design ({source}): {d['cells']} cells x {d['seeds']} seeds, baseline +{d['extra_baseline_seeds']} seeds,")
    print(f"  seed sd {d['seed_sd']:.3g}, residual sd {d['resid_sd']:.3g}")
    print(f"  {args.grids} grids per scenario, generator seed {args.seed}")
    rows = [
        ("comparisons (A/A)", f"{result['comparisons']}"),
        ("raw p < 0.05 (A/A)", f"{result['false_positive_rate']:.2%} ± {result['false_positive_rate_se']:.2%}"),
        ("any Holm p < 0.05 in a grid (A/A)", f"{result['familywise_rate']:.2%}"),
        ("block model chosen (A/A)", f"{result['block_model_share']:.1%}"),
        ("MDE at 80% power (design)", f"{result['mde80']:.3g}"),
        ("MDE as the tables report it (A/A mean)", f"{result['reported_mde80_mean']:.3g}"),
        ("power, one cell at the MDE (Holm)", f"{result['power_one_cell']:.1%} ± {result['power_one_cell_se']:.1%}"),
        ("power, every cell at the MDE (Holm)", f"{result['power_every_cell']:.1%}"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    failed = [name for name, ok in result["checks"].items() if not ok]
    for name, ok in result["checks"].items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    if args.json:
        write_json(args.json, result)
    return 1 if failed else 0
