"""Finished sentences leave the decoding batch: what it saves on trained runs, side by side.

Greedy and beam search used to carry every sentence of a batch to the step where the last one
ended; now a sentence whose hypotheses have all emitted </s> leaves the batch
(``mtseq.decode.beam``, ``prune``). This decodes the same sentences with the same trained model both
ways, interleaved (kept, pruned, kept, pruned, ...), checks the outputs are identical and prints
sentences/s of each and their ratio per round.

    python benchmarks/decode_pruning.py --data data/synthetic --split test --beams 1 4 --rounds 3 \
        results/runs/one_to_many/baseline/seed1
"""

from __future__ import annotations

import statistics
import time

import torch
from decode_common import TASK, load, parser

from mtseq.decode.beam import translate


def main() -> None:
    ap = parser(__doc__, [1, 4])
    args = ap.parse_args()
    model, sources = load(args)
    print("| beam | round | kept sent/s | pruned sent/s | speed-up | same output |")
    print("| --- | --- | --- | --- | --- | --- |")
    for beam in args.beams:
        ratios = []
        for rnd in range(1, args.rounds + 1):
            rate, out = {}, {}
            for prune in (False, True):
                start = time.perf_counter()
                with torch.inference_mode():
                    out[prune] = translate(
                        model, TASK, sources, beam, 1.0, args.max_len, args.batch_size, "power", prune=prune
                    )
                rate[prune] = len(sources) / (time.perf_counter() - start)
            ratios.append(rate[True] / rate[False])
            same = "yes" if out[True] == out[False] else "NO"
            print(f"| {beam} | {rnd} | {rate[False]:.1f} | {rate[True]:.1f} | {ratios[-1]:.2f}x | {same} |")
        print(f"| {beam} | median | | | {statistics.median(ratios):.2f}x | |")


if __name__ == "__main__":
    main()
