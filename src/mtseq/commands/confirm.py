"""``mtseq confirm``: the gain predicted at alpha* against fresh-seed runs, scored on test."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "confirm", help="observed test gain at the fitted best ratio on fresh seeds vs the predicted interval"
    )
    p.add_argument("--optimum", required=True, help="optimum.csv from 'mtseq optimum'")
    p.add_argument("--fit-summary", required=True, help="the summary.csv the fit used (its seeds are refused)")
    fresh = p.add_mutually_exclusive_group(required=True)
    fresh.add_argument("--summary", help="summary.csv of fresh runs (baseline and alpha* cells)")
    fresh.add_argument("--runs", nargs="+", metavar="DIR", help="fresh run directories (results/runs/<setting>/...)")
    p.add_argument("--out", required=True, help="output folder: confirm.csv and confirm/<setting>.json")
    p.set_defaults(func=run)


def run(args) -> int:
    from mtseq.analysis.aggregate import write_csv
    from mtseq.analysis.confirm import confirm
    from mtseq.analysis.optimum import REQUIRED, _json_safe
    from mtseq.errors import MtseqError
    from mtseq.io import read_csv, write_json

    optimum = read_csv(args.optimum)
    need = ["setting", "key", "alpha_star", "report_metric", "gain_test", "gain_test_low", "gain_test_high"]
    missing = [c for c in need if c not in optimum.columns]
    if missing:
        raise MtseqError(f"missing column(s) {', '.join(missing)}", args.optimum)
    frames = {}
    if args.runs:
        from mtseq.analysis.aggregate import summary_table
        from mtseq.analysis.runs import load_runs

        frames["summary"] = summary_table(load_runs(args.runs), [])
    for name in ("fit_summary", "summary") if not args.runs else ("fit_summary",):
        path = getattr(args, name)
        frames[name] = read_csv(path)
        absent = [c for c in REQUIRED if c not in frames[name].columns]
        if absent:
            raise MtseqError(f"missing column(s) {', '.join(absent)}", path)
    table = confirm(optimum, frames["summary"], frames["fit_summary"])
    out = Path(args.out)
    paths = []
    for setting, rows in table.groupby("setting", sort=False):
        path = out / "confirm" / f"{setting}.json"
        write_json(path, _json_safe({"setting": setting, "rows": rows.to_dict(orient="records")}))
        paths.append(path)
    write_csv(table, out / "confirm.csv")
    for path in [*paths, out / "confirm.csv"]:
        print(path)
    return 0
