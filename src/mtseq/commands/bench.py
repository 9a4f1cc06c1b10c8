"""``mtseq bench``: measured side by side with a bare baseline, in one process.

``train``: trainer tokens/s and overhead against a bare nn.LSTM loop, padding share, peak RSS;
``decode``: sentences/s of beam search and greedy against a bare greedy loop;
``pipeline``: ``snakemake -n`` of a big grid, per-job overhead of a rule, ``mtseq`` start-up.
Each prints its report and a Markdown table; ``--append-results`` adds the table, with the
machine, versions and exact command, to a results file (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", type=Path, default=None, help="also write every figure here")
    p.add_argument(
        "--append-results", type=Path, default=None, metavar="MD", help="append the table to this Markdown file"
    )


def _beams(text: str) -> tuple[int, ...]:
    try:
        beams = tuple(int(b) for b in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected beam sizes like 5,1, not {text!r}") from None
    if not beams or min(beams) < 1:
        raise argparse.ArgumentTypeError(f"beam sizes must be positive, not {text!r}")
    return beams


def _updates(text: str) -> int | str:
    """A number of updates, or ``full``: the config's own."""
    if text == "full":
        return text
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of updates or 'full', not {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"updates must be >= 0, not {n}")
    return n


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmarks against bare baselines (train, decode, pipeline)")
    what = p.add_subparsers(dest="bench", required=True, metavar="WHAT")

    t = what.add_parser("train", help="tokens/s, overhead and padding share of training, against a bare loop")
    t.add_argument("--config", type=Path, default=Path("config/config.yaml"), help="model and train sections")
    t.add_argument("--data", type=Path, default=None, help="corpus root; default: random in-memory batches")
    t.add_argument("--reference", default="translate_en_de")
    t.add_argument("--ratios", action="append", default=[], metavar="TASK=ALPHA")
    t.add_argument("--updates", type=int, default=200, help="reference-task updates to run")
    t.add_argument("--vocab", type=int, default=2000, help="vocabulary size of the in-memory data")
    t.add_argument("--examples", type=int, default=3000, help="examples per task of the in-memory data")
    t.add_argument("--threads", type=int, default=None, help="override train.threads")
    t.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None, help="override train.device")
    t.add_argument(
        "--rss-updates",
        type=_updates,
        default=0,
        metavar="N|full",
        help="also run `mtseq train` on --data for N reference updates (full: as configured) in a child "
        "process, for its peak RSS",
    )
    _common(t)
    t.set_defaults(func=run_train, parser=t)

    d = what.add_parser("decode", help="sentences/s of beam search and greedy, against a bare greedy loop")
    d.add_argument("--config", type=Path, default=Path("config/config.yaml"), help="model, train, decode sections")
    d.add_argument("--data", type=Path, default=None, help="corpus root; default: in-memory word-by-word data")
    d.add_argument("--split", default="test", help="split of --data to decode")
    d.add_argument("--task", default="translate_en_de", help="a text-to-text task")
    d.add_argument("--sentences", type=int, default=300, help="sentences to decode")
    d.add_argument("--beams", type=_beams, default=(5, 1), help="beam sizes, comma-separated (default 5,1)")
    d.add_argument("--train-updates", type=int, default=200, help="updates to train the model first (0: untrained)")
    d.add_argument("--repeat", type=int, default=3, help="timed passes per method (interleaved; best kept)")
    d.add_argument("--vocab", type=int, default=2000, help="vocabulary size of the in-memory data")
    d.add_argument("--examples", type=int, default=3000, help="training examples of the in-memory data")
    d.add_argument("--threads", type=int, default=None, help="override train.threads")
    d.add_argument("--device", choices=["auto", "cpu", "cuda"], default=None, help="override train.device")
    _common(d)
    d.set_defaults(func=run_decode, parser=d)

    w = what.add_parser("pipeline", help="snakemake -n of a big grid, per-job overhead, mtseq start-up")
    w.add_argument("--config", type=Path, default=Path("config/config.yaml"), help="base config (its grid is replaced)")
    w.add_argument("--snakefile", type=Path, default=Path("Snakefile"))
    w.add_argument("--ratios", type=int, default=170, help="ratios per setting (0.001 x 1.05^i), one seed")
    w.add_argument("--plan-repeat", type=int, default=3, help="times to plan (fresh work directory each)")
    w.add_argument("--cores", type=int, default=2, help="--cores of the planning run")
    w.add_argument("--jobs", type=int, default=20, help="jobs of the generated no-op Snakefile")
    w.add_argument("--startup-repeat", type=int, default=5, help="runs of each start-up command")
    _common(w)
    w.set_defaults(func=run_pipeline, parser=w)


def _override(config: dict, args: argparse.Namespace) -> dict:
    train = dict(config.get("train", {}))
    if args.threads:
        train["threads"] = args.threads
    if args.device:
        train["device"] = args.device
    return {**config, "train": train}


def _finish(args: argparse.Namespace, title: str, result: dict, report: str, table: str, notes: str = "") -> None:
    """Print the report and the Markdown section; write the JSON and append the section where asked."""
    from mtseq.bench.results import append_results, command_line, machine, section
    from mtseq.io import write_json

    info = result.setdefault("machine", machine())
    result["command"] = command_line(args.parser, args)
    text = section(title, result["command"], table, info, notes)
    print(report)
    print()
    print(text, end="")
    if args.json:
        write_json(args.json, result)
    if args.append_results:
        append_results(args.append_results, text)


def run_train(args: argparse.Namespace) -> None:
    from mtseq.bench.results import machine
    from mtseq.bench.train import bench_train, format_report, to_markdown
    from mtseq.config import load_config
    from mtseq.train.mixing import parse_ratios

    info = machine()  # the load average before the run
    config = _override(load_config(args.config), args)
    result = bench_train(
        config,
        args.data,
        args.reference,
        parse_ratios(args.ratios),
        args.updates,
        args.vocab,
        args.examples,
        rss_updates=-1 if args.rss_updates == "full" else args.rss_updates,
    )
    result["machine"] = info
    _finish(args, "`mtseq bench train`", result, format_report(result), to_markdown(result))


def run_decode(args: argparse.Namespace) -> None:
    from mtseq.bench.decode import bench_decode, format_report, to_markdown
    from mtseq.bench.results import machine
    from mtseq.config import load_config

    info = machine()
    config = _override(load_config(args.config), args)
    result = bench_decode(
        config,
        args.data,
        args.task,
        args.sentences,
        args.beams,
        args.train_updates,
        args.repeat,
        args.vocab,
        args.examples,
        args.split,
    )
    result["machine"] = info
    _finish(args, "`mtseq bench decode`", result, format_report(result), to_markdown(result))


def run_pipeline(args: argparse.Namespace) -> None:
    from mtseq.bench.pipeline import bench_pipeline, format_report, to_markdown
    from mtseq.bench.results import machine
    from mtseq.config import load_config

    info = machine()
    result = bench_pipeline(
        load_config(args.config),
        args.snakefile,
        args.ratios,
        args.plan_repeat,
        args.jobs,
        args.startup_repeat,
        args.cores,
    )
    result["machine"] = info
    _finish(args, "`mtseq bench pipeline`", result, format_report(result), to_markdown(result))
