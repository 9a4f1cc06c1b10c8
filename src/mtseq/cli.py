"""The ``mtseq`` command: every pipeline stage, callable by hand or from a rule."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import mtseq.commands
from mtseq import __version__
from mtseq.errors import MtseqError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mtseq", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mtseq {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(mtseq.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"mtseq.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except MtseqError as err:
        print(f"mtseq: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # disk full, permission denied, read-only file system: one line naming the file
        where = f"{err.filename}: " if err.filename is not None else ""
        print(f"mtseq: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mtseq: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
