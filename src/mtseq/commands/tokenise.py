"""``mtseq tokenise``: Moses-tokenise aligned text files."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tokenise", help="Moses-tokenise aligned files (all outputs land together)")
    p.add_argument("--inputs", nargs="+", type=Path, required=True)
    p.add_argument("--langs", nargs="+", required=True, help="one language code per input (en, de, ...)")
    p.add_argument("--outputs", nargs="+", type=Path, required=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> None:
    from mtseq.text.tokenise import tokenise_files  # heavy: imported when the command runs

    tokenise_files(args.inputs, args.langs, args.outputs)
