"""Greedy against beam search on trained runs: how much test BLEU the grid gives up by decoding greedily.

The default grid decodes 3,000-sentence valid and test sets greedily (``decode.beam: 1``). This
re-decodes the reference task's test set of finished runs with beam k, on copies of the runs (the
grid's hypotheses and metrics stay as they are), and prints per-run BLEU, the paired difference and
the decoding time of both.

    python benchmarks/greedy_vs_beam.py --data data/synthetic --beam 4 results/runs/one_to_many/*/seed*
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from mtseq.config import fill_section
from mtseq.evaluate.run import RunEvaluator


def decode_test(run: Path, data: Path, beam: int) -> tuple[float, float]:
    """(test BLEU of the reference task, seconds) with beam ``beam`` on a copy of ``run``."""
    with tempfile.TemporaryDirectory(prefix="mtseq-beam-") as tmp:
        for name in ("model.pt", "train.json"):
            shutil.copy(run / name, Path(tmp) / name)
        ev = RunEvaluator(Path(tmp), data, fill_section("decode", {"beam": beam, "max_len": 80}))
        start = time.perf_counter()
        scores = ev.task_split(ev.info["reference"], "test")
        return float(scores["bleu"]), time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--beam", type=int, default=4)
    args = ap.parse_args()
    rows = []
    print(f"| run | greedy BLEU | beam {args.beam} BLEU | beam - greedy | greedy s | beam s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for run in args.runs:
        g, gs = decode_test(run, args.data, 1)
        b, bs = decode_test(run, args.data, args.beam)
        rows.append((g, b, gs, bs))
        print(f"| {run} | {g:.2f} | {b:.2f} | {b - g:+.2f} | {gs:.1f} | {bs:.1f} |")
    diffs = [b - g for g, b, _, _ in rows]
    sd = statistics.stdev(diffs) if len(diffs) > 1 else float("nan")
    print(
        f"\n{len(rows)} runs: beam {args.beam} - greedy = {statistics.mean(diffs):+.2f} BLEU (sd {sd:.2f}); "
        f"decoding {sum(r[2] for r in rows):.0f} s greedy, {sum(r[3] for r in rows):.0f} s beam"
    )


if __name__ == "__main__":
    main()
