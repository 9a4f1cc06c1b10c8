"""mtseq's side of the side-by-side benchmark, run in a child process by peers.py.

``train``: the real ``mtseq train`` command (``mtseq.cli.main``), with one hook: every
update's start time and target-token count are recorded as the trainer draws its batch
(``Trainer._batch``), so a window of updates after warm-up can be timed exactly as
OpenNMT-py's per-step reports time it. Nothing else of the command changes.

``decode``: the trained model's batched decoder (``mtseq.decode.beam.translate``, what
``mtseq evaluate`` runs) on the test sources; the time excludes loading, as
``onmt_translate -report_time`` does.

Usage:
  mtseq_side.py train TIMING_JSON -- MTSEQ_TRAIN_ARGS...
  mtseq_side.py decode RUN_DIR DATA_DIR N_SENTENCES BEAM BATCH MAX_LEN THREADS OUT_JSON
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def train(timing_path: str, argv: list[str]) -> int:
    from mtseq import cli
    from mtseq.train.trainer import Trainer

    stamps: list[float] = []
    tgt: list[int] = []
    original = Trainer._batch

    def timed_batch(self, task):
        stamps.append(time.perf_counter())
        batch, sizes = original(self, task)
        tgt.append(int(sizes[2]))  # (sentences, source tokens, target tokens) of the whole batch
        return batch, sizes

    Trainer._batch = timed_batch
    code = cli.main(["train", *argv])
    Path(timing_path).write_text(json.dumps({"start": stamps, "tgt_tokens": tgt}), encoding="utf-8")
    return code


def decode(run: str, data: str, n: int, beam: int, batch: int, max_len: int, threads: int, out: str) -> int:
    import torch

    from mtseq.decode.beam import translate
    from mtseq.io import read_lines
    from mtseq.layout import Layout
    from mtseq.model import load_model
    from mtseq.text.vocab import Vocab

    torch.set_num_threads(threads)
    layout = Layout(data)
    model = load_model(Path(run) / "model.pt")
    model.eval()
    src_vocab, tgt_vocab = Vocab.load(layout.vocab("en")), Vocab.load(layout.vocab("de"))
    lines = read_lines(layout.translate_files("test", "en", "de")["source"])[:n]
    sources = [src_vocab.encode(line.split()) for line in lines]
    start = time.perf_counter()
    with torch.inference_mode():
        hyps = translate(model, "translate_en_de", sources, beam, 1.0, max_len, batch, "power")
    seconds = time.perf_counter() - start
    Path(out).with_suffix(".txt").write_text(
        "".join(" ".join(tgt_vocab.tokens[t] for t in h) + "\n" for h in hyps), encoding="utf-8"
    )
    result = {"sentences": len(hyps), "seconds": seconds, "output_tokens": sum(len(h) for h in hyps)}
    Path(out).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["train"] and sys.argv[3:4] == ["--"]:
        sys.exit(train(sys.argv[2], sys.argv[4:]))
    if sys.argv[1:2] == ["decode"] and len(sys.argv) == 10:
        a = sys.argv[2:]
        sys.exit(decode(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6]), a[7]))
    sys.exit("usage: mtseq_side.py train TIMING_JSON -- ARGS... | decode RUN DATA N BEAM BATCH MAX_LEN THREADS OUT")
