"""Clear the Snakemake lock a killed workflow left behind, and only that one.

Snakemake locks a working directory while it runs; a workflow killed with
SIGKILL never removes its lock, so the same command would be refused until
`snakemake --unlock`. The Snakefile records which process holds the
directory (pid and start time); a later run removes the lock only when that
process is gone, so a second workflow started beside a live one is still
refused by Snakemake's lock.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from mtseq.io import write_json


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(owner: dict) -> bool:
    pid = int(owner.get("pid", -1))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OSError, ValueError):
        return False
    recorded, now = owner.get("start"), _start_time(pid)
    return recorded is None or now is None or recorded == now


def claim_workdir(workdir: str | Path = ".", pid: int | None = None) -> str | None:
    """Record this process as the directory's owner; return a message if a stale lock was removed.

    Does nothing while a live process owns the directory: Snakemake's own
    lock then refuses this run, as it should.
    """
    snake = Path(workdir) / ".snakemake"
    owner_file, locks = snake / "mtseq-owner.json", snake / "locks"
    try:
        owner = json.loads(owner_file.read_text())
    except (OSError, ValueError):
        owner = None
    if owner is not None and _alive(owner):
        return None
    message = None
    if owner is not None and locks.is_dir() and any(locks.glob("*.lock")):
        shutil.rmtree(locks)
        message = f"removed the lock left by a killed snakemake (pid {owner.get('pid')})"
    pid = os.getpid() if pid is None else pid
    write_json(owner_file, {"pid": pid, "start": _start_time(pid)})
    return message
