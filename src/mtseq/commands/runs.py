"""``mtseq runs``: a table of trained and evaluated run directories (a benchmark's report)."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "runs",
        help="one row per run directory: test BLEU/chrF (beam and greedy), chosen epoch, wall time",
        description="Reads each run's train.json, metrics.json and config.yaml and prints a Markdown table of "
        "the reference task's test scores (sacreBLEU with its signature, chrF, tokenised BLEU; greedy beside "
        "beam when decode.also_greedy), the validation that chose the weights, epochs and training time.",
    )
    p.add_argument("runs", nargs="+", help="run directories, e.g. results/multi30k/runs/one_to_many/baseline/seed1")
    p.add_argument("--out", default=None, metavar="CSV", help="also write every column as CSV")
    p.set_defaults(func=run)


def run(args) -> int:
    from mtseq.analysis.run_table import markdown, run_table
    from mtseq.io import atomic_open

    table = run_table(args.runs)
    print(markdown(table), end="")
    if args.out:
        with atomic_open(args.out) as fh:
            table.to_csv(fh, index=False, float_format="%.6g")
    return 0
