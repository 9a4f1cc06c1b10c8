"""Wall time and peak resident memory of a child process, and of this process.

A child's peak RSS has to be read by a small intermediate process: Linux starts the
``ru_maxrss`` of an exec'd child at the resident size of the process it was forked from, so
read directly from a benchmark holding a model and a corpus, every child would look at least
that big. The wrapper (a bare ``python -c``) is small, so its child's figure is the child's own.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mtseq.errors import MtseqError

# argv: RESULT_FILE CMD...; writes "wall_s cpu_s maxrss" of CMD into RESULT_FILE, exits with CMD's status
_WRAPPER = """\
import resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    fh.write(f"{wall} {u.ru_utime + u.ru_stime} {u.ru_maxrss}")
sys.exit(code)
"""


@dataclass
class ChildRun:
    returncode: int
    wall_s: float
    cpu_s: float  # user + system: less sensitive than wall time to other load on a shared machine
    peak_rss_mb: float
    output: str  # stdout and stderr together


def _mb(maxrss: int) -> float:
    # Linux reports kilobytes, macOS bytes
    return maxrss / 1024 / (1024 if sys.platform == "darwin" else 1)


def self_peak_rss_mb() -> float:
    """Peak RSS of this process so far."""
    return _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def run_child(cmd: list[str], cwd: str | Path | None = None, env: dict | None = None, check: bool = True) -> ChildRun:
    """Run ``cmd`` to its end: its wall and CPU time, its own peak RSS, and its output (kept for errors)."""
    with tempfile.TemporaryDirectory(prefix="mtseq-bench-child-") as tmp:
        result = Path(tmp) / "usage"
        log_path = Path(tmp) / "output"
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.run(
                [sys.executable, "-c", _WRAPPER, str(result), *map(str, cmd)],
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        output = log_path.read_text(encoding="utf-8", errors="replace")
        if not result.is_file():
            raise MtseqError(f"could not run {cmd[0]}: " + " | ".join(output.strip().splitlines()[-3:]))
        wall, cpu, maxrss = result.read_text(encoding="utf-8").split()
    run = ChildRun(proc.returncode, float(wall), float(cpu), _mb(int(maxrss)), output)
    if check and run.returncode != 0:
        tail = " | ".join(output.strip().splitlines()[-3:])
        raise MtseqError(f"benchmark command failed (exit {run.returncode}): {' '.join(map(str, cmd))}: {tail}")
    return run
