"""What the side-by-side decoding benchmarks share: their options, and a trained run's EN->DE sources."""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from mtseq.io import read_lines
from mtseq.layout import Layout
from mtseq.model import load_model
from mtseq.text.vocab import Vocab

TASK = "translate_en_de"


def parser(doc: str, beams: list[int]) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path, help="a trained run directory (model.pt) of an EN->DE reference task")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--beams", type=int, nargs="+", default=beams)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sentences", type=int, default=3000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--max-len", type=int, default=80)
    ap.add_argument("--threads", type=int, default=1)
    return ap


def load(args):
    """(model, source id lists) of the run and split the options name; prints what is decoded."""
    torch.set_num_threads(args.threads)
    layout = Layout(args.data)
    model = load_model(args.run / "model.pt")
    vocab = Vocab.load(layout.vocab("en"))
    lines = read_lines(layout.translate_files(args.split, "en", "de")["source"])[: args.sentences]
    sources = [vocab.encode(line.split()) for line in lines]
    print(f"{args.run}, {len(sources)} {args.split} sentences, batch {args.batch_size}, {args.threads} thread(s)")
    return model, sources
