"""The decoder of another revision against this tree's, side by side on one trained run.

``mtseq.decode.beam`` as of ``--before`` (read with ``git show``, loaded as a module of its own)
and as it is now decode the same sentences with the same model, interleaved over rounds; the
script prints sentences/s of both, their ratio, and how many outputs differ (a speed-up that
changes arithmetic may flip a near-tie between two hypotheses, and this says how often).

    python benchmarks/decode_versions.py --before HEAD~1 --data data/synthetic --beams 4 5 \
        results/runs/one_to_many/baseline/seed1
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from decode_common import TASK, load, parser

from mtseq.decode import beam as current


def module_at(rev: str):
    """``mtseq.decode.beam`` of revision ``rev`` as a separate module object."""
    text = subprocess.run(
        ["git", "show", f"{rev}:src/mtseq/decode/beam.py"], capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="mtseq-beam-")) / "beam_before.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("beam_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["beam_before"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = parser(__doc__, [4])
    ap.add_argument("--before", required=True, help="git revision of the decoder to compare with")
    args = ap.parse_args()
    model, sources = load(args)
    before = module_at(args.before)
    print(f"| beam | round | {args.before} sent/s | now sent/s | speed-up | outputs that differ |")
    print("| --- | --- | --- | --- | --- | --- |")
    for beam in args.beams:
        ratios = []
        for rnd in range(1, args.rounds + 1):
            rate, out = {}, {}
            for name, mod in (("before", before), ("now", current)):
                start = time.perf_counter()
                with torch.inference_mode():
                    out[name] = mod.translate(model, TASK, sources, beam, 1.0, args.max_len, args.batch_size, "power")
                rate[name] = len(sources) / (time.perf_counter() - start)
            ratios.append(rate["now"] / rate["before"])
            differ = sum(a != b for a, b in zip(out["before"], out["now"]))
            print(f"| {beam} | {rnd} | {rate['before']:.1f} | {rate['now']:.1f} | {ratios[-1]:.2f}x | {differ} |")
        print(f"| {beam} | median | | | {statistics.median(ratios):.2f}x | |")


if __name__ == "__main__":
    main()
