"""Benchmark tables as Markdown sections, with the machine, the versions and the exact command.

``--append-results PATH`` appends one section per run to a results file (benchmarks/RESULTS.md):
a figure without its machine, load and command cannot be compared with the next one.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import time
from importlib import metadata
from pathlib import Path

from mtseq.io import atomic_open


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def machine() -> dict:
    """Where a figure was measured: CPU, cores, load average at the time, and the versions that matter."""
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_average": load,
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "torch": _version("torch"),
        "numpy": _version("numpy"),
        "snakemake": _version("snakemake"),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


OUTPUT_OPTIONS = ("json", "append_results")  # where figures go, not what they are


def command_line(parser: argparse.ArgumentParser, args: argparse.Namespace, skip=OUTPUT_OPTIONS) -> str:
    """The command that reproduces ``args``: the parser's program and every option not at its default.

    Options named in ``skip`` (by dest) are left out.
    """
    parts: list[str] = []
    for action in parser._actions:  # argparse has no public list of a parser's options
        if not action.option_strings or isinstance(action, argparse._HelpAction) or action.dest in skip:
            continue
        value = getattr(args, action.dest, action.default)
        if value == action.default:
            continue
        flag = max(action.option_strings, key=len)
        if action.nargs == 0:
            parts.append(flag)
        elif isinstance(value, list):  # an append option
            for v in value:
                parts += [flag, str(v)]
        elif isinstance(value, tuple):  # a parsed comma list
            parts += [flag, ",".join(map(str, value))]
        else:
            parts += [flag, str(value)]
    return " ".join([parser.prog, *(shlex.quote(p) for p in parts)])


def markdown_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def section(title: str, command: str, table: str, info: dict, notes: str = "") -> str:
    """A Markdown section: heading, command, machine and versions, the table, optional notes."""
    load = info.get("load_average")
    load_txt = f", load average {' / '.join(map(str, load))} (1/5/15 min) at the start" if load else ""
    text = [
        f"### {title} ({info['date']})",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores{load_txt}; {info['platform']}; "
        f"Python {info['python']}, torch {info['torch']}, numpy {info['numpy']}, snakemake {info['snakemake']}.",
        "",
        table,
    ]
    if notes:
        text += ["", notes]
    return "\n".join(text) + "\n"


def append_results(path: str | Path, text: str) -> None:
    """Append ``text`` after a blank line, rewriting the file atomically."""
    path = Path(path)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    with atomic_open(path) as fh:
        if old.strip():
            fh.write(old.rstrip("\n") + "\n\n")
        fh.write(text)


def fmt(value, spec: str = ",.0f", missing: str = "n/a") -> str:
    """A number for a table (thousands separated by a space, as in RESULTS.md); ``missing`` for None."""
    if value is None:
        return missing
    return format(value, spec).replace(",", " ")


def pct(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f}%"
