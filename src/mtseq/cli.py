"""The ``mtseq`` command: every pipeline stage, callable by hand or from a rule."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

import mtseq.commands
from mtseq import __version__
from mtseq.errors import MtseqError, debug, internal_error_line, shorten

# the arguments that name what a command reads, in the order a last-resort report names them
INPUT_ARGS = ("run", "config", "inputs", "trees", "lin", "tokens", "url", "source", "data", "sensitivity", "summary")


class UsageError(MtseqError):
    """A command line argparse refuses; printed like any other refusal (one line, exit 2)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse with its errors as one ``mtseq: error:`` line instead of usage text and SystemExit."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="mtseq", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mtseq {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(mtseq.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"mtseq.commands.{info.name}")
        module.register(sub)
    return parser


def _inputs(args: argparse.Namespace | None, argv: list[str]) -> str:
    """What the command was reading, for a report that cannot name a file and line."""
    if args is None:
        return "mtseq " + " ".join(argv)
    named = []
    for name in INPUT_ARGS:
        value = getattr(args, name, None)
        if isinstance(value, str | Path) or (isinstance(value, list) and value):
            text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
            named.append(f"--{name} {text}")
    command = " ".join(str(getattr(args, a)) for a in ("command", "corpus", "corpus_source") if getattr(args, a, None))
    return f"mtseq {command}" + (f" ({'; '.join(named)})" if named else "")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = None
    try:
        args = build_parser().parse_args(argv)
        result = args.func(args)
    except MtseqError as err:
        print(f"mtseq: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # disk full, permission denied, read-only file system: one line naming the file
        where = err.filename if err.filename is not None else _inputs(args, argv)  # else what the command read
        print(f"mtseq: error: {where}: {shorten(err.strerror or str(err), 400)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mtseq: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - the last resort: one line, the traceback in a log file
        where = _inputs(args, argv)
        if debug():
            traceback.print_exc()
        print(f"mtseq: error: {internal_error_line(err, where, 'mtseq ' + ' '.join(argv))}", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
