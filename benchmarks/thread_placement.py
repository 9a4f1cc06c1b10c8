"""Two one-thread trainings at once, or one two-thread training: which gets more grid through a machine?

The grid is many independent trainings, so what counts is tokens per second of the whole machine,
not of one job. This runs the trainer (``mtseq bench train``, the real ``Trainer`` loop on the default
model) both ways, interleaved over rounds on the same machine: (a) one job with ``--threads N``,
(b) N jobs with ``--threads 1`` started together. Machine throughput is the sum of the jobs' trainer
tokens/s; with N jobs each also reports its own.

    python benchmarks/thread_placement.py --data data/synthetic --updates 300 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def run_jobs(n_jobs: int, threads: int, args, tmp: Path) -> list[float]:
    """Start ``n_jobs`` benchmark processes together; the trainer tokens/s of each."""
    procs, outs = [], []
    for i in range(n_jobs):
        out = tmp / f"job{n_jobs}x{threads}_{i}.json"
        cmd = [sys.executable, "-m", "mtseq.cli", "bench", "train", "--updates", str(args.updates)]
        cmd += ["--threads", str(threads), "--json", str(out)] + (["--data", str(args.data)] if args.data else [])
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        outs.append(out)
    for p in procs:
        if p.wait() != 0:
            raise SystemExit(f"mtseq bench train failed (exit {p.returncode})")
    return [json.loads(o.read_text())["ours"]["tokens_per_s"] for o in outs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="corpus root (default: the benchmark's in-memory data)")
    ap.add_argument("--updates", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cores", type=int, default=2)
    args = ap.parse_args()
    n = args.cores
    print(f"| round | 1 job x {n} threads (tok/s) | {n} jobs x 1 thread (tok/s each) | {n} jobs, sum | ratio |")
    print("| --- | --- | --- | --- | --- |")
    ratios = []
    with tempfile.TemporaryDirectory(prefix="mtseq-threads-") as tmp:
        for rnd in range(1, args.rounds + 1):
            one = run_jobs(1, n, args, Path(tmp))[0]
            many = run_jobs(n, 1, args, Path(tmp))
            ratios.append(sum(many) / one)
            each = ", ".join(f"{x:,.0f}" for x in many)
            print(f"| {rnd} | {one:,.0f} | {each} | {sum(many):,.0f} | {ratios[-1]:.2f}x |")
    print(f"| median | | | | {statistics.median(ratios):.2f}x |")


if __name__ == "__main__":
    main()
