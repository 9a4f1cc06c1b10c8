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

import argparse
import statistics
import time
from pathlib import Path

import torch

from mtseq.decode.beam import translate
from mtseq.io import read_lines
from mtseq.layout import Layout
from mtseq.model import load_model
from mtseq.text.vocab import Vocab


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path, help="a trained run directory (model.pt) of an EN->DE reference task")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--beams", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sentences", type=int, default=3000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--max-len", type=int, default=80)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    task = "translate_en_de"
    layout = Layout(args.data)
    model = load_model(args.run / "model.pt")
    vocab = Vocab.load(layout.vocab("en"))
    lines = read_lines(layout.translate_files(args.split, "en", "de")["source"])[: args.sentences]
    sources = [vocab.encode(line.split()) for line in lines]
    print(f"{args.run}, {len(sources)} {args.split} sentences, batch {args.batch_size}, {args.threads} thread(s)")
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
                        model, task, sources, beam, 1.0, args.max_len, args.batch_size, "power", prune=prune
                    )
                rate[prune] = len(sources) / (time.perf_counter() - start)
            ratios.append(rate[True] / rate[False])
            same = "yes" if out[True] == out[False] else "NO"
            print(f"| {beam} | {rnd} | {rate[False]:.1f} | {rate[True]:.1f} | {ratios[-1]:.2f}x | {same} |")
        print(f"| {beam} | median | | | {statistics.median(ratios):.2f}x | |")


if __name__ == "__main__":
    main()
