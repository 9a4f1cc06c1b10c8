"""Choose beam search's length penalty on validation, then report test once with the chosen one.

Beam search with ``len^alpha`` normalisation (``decode.length_penalty``) trades short against long
outputs; the right alpha depends on the model. This decodes the reference task's *validation* set
of each finished run with every alpha given, picks the alpha of the highest validation BLEU, and
only then decodes test with it (copies of the runs: their hypotheses and metrics stay as they are).

    python benchmarks/length_penalty.py --data data/multi30k --beam 5 --alphas 0 0.5 1 1.5 -- \
        results/multi30k/runs/one_to_many/baseline/seed1 results/multi30k_attention/runs/one_to_many/baseline/seed1
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from mtseq.config import fill_section
from mtseq.evaluate.run import RunEvaluator


def scores(run: Path, data: Path, beam: int, alpha: float, split: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="mtseq-lp-") as tmp:
        for name in ("model.pt", "train.json"):
            shutil.copy(run / name, Path(tmp) / name)
        cfg = fill_section("decode", {"beam": beam, "length_penalty": alpha})
        ev = RunEvaluator(Path(tmp), data, cfg)
        got = ev.task_split(ev.info["reference"], split)
        hyps = next(content for kind, path, content in ev.outputs if kind == "lines")
        got["hyp_tokens"] = sum(len(h.split()) for h in hyps)
        return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--alphas", type=float, nargs="+", default=[0.0, 0.5, 1.0, 1.5])
    args = ap.parse_args()
    print("| run | alpha | valid BLEU | valid hyp tokens | chosen |")
    print("| --- | --- | --- | --- | --- |")
    for run in args.runs:
        valid = {a: scores(run, args.data, args.beam, a, "valid") for a in args.alphas}
        best = max(args.alphas, key=lambda a: valid[a]["bleu"])
        for a in args.alphas:
            chosen = "yes" if a == best else ""
            print(f"| {run} | {a:g} | {valid[a]['bleu']:.2f} | {valid[a]['hyp_tokens']} | {chosen} |")
        test = scores(run, args.data, args.beam, best, "test")
        print(
            f"| {run} | **test, alpha {best:g}** | BLEU {test['bleu']:.2f}, chrF {test['chrf']:.2f} | "
            f"{test['hyp_tokens']} | `{test['bleu_signature']}` |"
        )


if __name__ == "__main__":
    main()
