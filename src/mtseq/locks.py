"""One writer per directory: the workflow's working directory, and every run directory.

**Run directories.** ``mtseq train`` and ``mtseq evaluate`` hold an exclusive
``flock`` on ``<run>/.lock`` for as long as they work in the directory
(``hold_run_dir``). The kernel drops the lock when the process ends, however
it ends, so there is no stale lock to clear; a second process on the same
directory is refused with one line naming the holder's pid. This is what
keeps two trainers out of one checkpoint folder, whoever started them.

**The working directory.** Snakemake locks a working directory while it
runs; a workflow killed with SIGKILL never removes its lock, so the same
command would be refused until ``snakemake --unlock``. The Snakefile records
which process holds the directory (pid and start time, ``claim_workdir``); a
later run removes the lock only when that process is gone, so a second
workflow started beside a live one is still refused by Snakemake's lock.

**Jobs a killed workflow left running.** Killing only the main ``snakemake``
process (the OOM killer, ``kill -9 <pid>``) leaves its jobs running as
orphans. Every job carries the workflow's identity in its environment
(``mark_jobs``: host, pid and start time of the main process, and the
working directory), so a later workflow finds them in ``/proc``
(``orphaned_jobs``) and, before it starts any job, waits for them to end
(``wait_for_orphans``, run from the Snakefile's ``onstart``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mtseq.errors import MtseqError
from mtseq.io import write_json

RUN_LOCK = ".lock"
ENV_WORKFLOW = "MTSEQ_WORKFLOW"  # "<host> <pid> <start>" of the main snakemake process whose job this is
ENV_WORKDIR = "MTSEQ_WORKDIR"  # its working directory, absolute
PROC = Path("/proc")


def _stat(pid: int, proc: Path = PROC) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None when there is no such process."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def _start_time(pid: int, proc: Path = PROC) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    fields = _stat(pid, proc)
    return None if fields is None else fields[19]


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
    fields = _stat(pid)
    if fields is not None and fields[0] in ("Z", "X"):
        return False  # killed, not yet reaped by its parent
    recorded, now = owner.get("start"), None if fields is None else fields[19]
    return recorded is None or now is None or recorded == now


# --- run directories ----------------------------------------------------------------------------


class RunDirBusy(MtseqError):
    """Another process holds the run directory."""

    def __init__(self, run: str | Path, holder: str):
        pid, host, command = (holder.split(maxsplit=2) + ["", "", ""])[:3]
        who = f"mtseq {command}" if command else "another process"
        where = "" if not host or host == socket.gethostname() else f" on {host}"
        if pid:
            message = f"in use by {who} (pid {pid}{where}); wait for it to end or stop it (kill {pid})"
        else:
            message = f"in use by {who}{where}; wait for it to end or stop it"
        super().__init__(message, run)
        self.pid = int(pid) if pid.isdigit() else None


def _holder(fh: IO[str]) -> str:
    fh.seek(0)
    return fh.read().strip()


@contextlib.contextmanager
def hold_run_dir(run: str | Path, command: str, make: bool = True) -> Iterator[Path | None]:
    """Hold ``run`` exclusively for the block: refuse (``RunDirBusy``) if another process holds it.

    ``make`` creates the directory first; without it a missing directory is not
    locked (there is nothing in it to protect, and the caller reports it).
    The lock file keeps the holder's pid, host and command for the refusal.
    """
    run = Path(run)
    if make:
        run.mkdir(parents=True, exist_ok=True)
    elif not run.is_dir():
        yield None
        return
    path = run / RUN_LOCK
    with open(path, "a+", encoding="utf-8") as fh:  # not inherited by child processes (O_CLOEXEC)
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunDirBusy(run, _holder(fh)) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()} {socket.gethostname()} {command}\n")
        fh.flush()
        yield path


def run_dir_holder(run: str | Path) -> str | None:
    """``"<pid> <host> <command>"`` of the process holding ``run``, or None when it is free (creates nothing)."""
    try:
        fh = open(Path(run) / RUN_LOCK, encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError:
        return None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder(fh) or "?"
    return None


def check_run_dir_free(run: str | Path) -> None:
    """Refuse early (``RunDirBusy``) when another process holds ``run``."""
    holder = run_dir_holder(run)
    if holder is not None:
        raise RunDirBusy(run, "" if holder == "?" else holder)


# --- the working directory ----------------------------------------------------------------------


def workflow_id(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()} {pid} {_start_time(pid)}"


def mark_jobs(workdir: str | Path = ".", pid: int | None = None) -> None:
    """Put this workflow's identity into the environment its jobs inherit."""
    os.environ[ENV_WORKFLOW] = workflow_id(pid)
    os.environ[ENV_WORKDIR] = str(Path(workdir).resolve())


@dataclass(frozen=True)
class Orphan:
    pid: int
    workflow_pid: int
    argv: tuple[str, ...]

    def describe(self) -> str:
        """``pid 123 (mtseq train results/runs/.../seed1)``: the command and the directory it works in."""
        args = list(self.argv)
        if "mtseq.cli" in args:  # python -m mtseq.cli ... (torchrun workers)
            args = ["mtseq", *args[args.index("mtseq.cli") + 1 :]]
        else:
            at = next((i for i, a in enumerate(args) if Path(a).name == "mtseq"), None)
            args = ["mtseq", *args[at + 1 :]] if at is not None else args
        words = args[:2]
        for flag in ("--out", "--run"):
            if flag in args[:-1]:
                words.append(args[args.index(flag) + 1])
                break
        return f"pid {self.pid} ({' '.join(words)[:120]})"


def _environ(pid: str, proc: Path) -> dict[str, str]:
    try:
        raw = (proc / pid / "environ").read_bytes()
    except OSError:  # gone, another user's, or a kernel thread
        return {}
    env = {}
    for item in raw.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep and key in (ENV_WORKFLOW.encode(), ENV_WORKDIR.encode()):
            env[key.decode()] = value.decode("utf-8", "replace")
    return env


def _is_mtseq(argv: list[str]) -> bool:
    return "mtseq.cli" in argv or any(Path(a).name == "mtseq" for a in argv[:2])


def orphaned_jobs(workdir: str | Path = ".", proc: Path = PROC) -> list[Orphan]:
    """``mtseq`` processes started as jobs of a workflow on this directory whose main process is gone."""
    here, host, me = str(Path(workdir).resolve()), socket.gethostname(), os.getpid()
    alive: dict[tuple[int, str], bool] = {}
    found = []
    for entry in proc.iterdir() if proc.is_dir() else []:
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        env = _environ(entry.name, proc)
        if env.get(ENV_WORKDIR) != here or ENV_WORKFLOW not in env:
            continue
        parts = env[ENV_WORKFLOW].split()
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue  # a job of a workflow on another host cannot be judged from here
        key = (int(parts[1]), parts[2])
        if key not in alive:
            alive[key] = _running(key[0], proc) and _start_time(key[0], proc) == key[1]
        if alive[key]:
            continue  # its workflow is alive: Snakemake's own lock keeps this run out
        try:
            argv = (entry / "cmdline").read_bytes().decode("utf-8", "replace").split("\0")[:-1]
        except OSError:
            continue
        if _is_mtseq(argv):
            found.append(Orphan(int(entry.name), key[0], tuple(argv)))
    return sorted(found, key=lambda o: o.pid)


def _running(pid: int, proc: Path = PROC) -> bool:
    """The process exists and is not a zombie (an ended orphan waiting to be reaped)."""
    fields = _stat(pid, proc)
    return fields is not None and fields[0] not in ("Z", "X")


def wait_for_orphans(
    workdir: str | Path = ".",
    say: Callable[[str], None] | None = None,
    poll: float = 0.5,
    proc: Path = PROC,
) -> list[Orphan]:
    """Wait until no job of a killed workflow on this directory runs any more; return those waited for.

    Called before a workflow starts its first job, so that a run directory
    never gets a second writer (``hold_run_dir`` refuses one anyway, which
    would fail the job instead of waiting).
    """
    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    orphans = orphaned_jobs(workdir, proc)
    if not orphans:
        return []
    killed = sorted({o.workflow_pid for o in orphans})
    say(
        f"mtseq: waiting for {len(orphans)} job(s) that a killed snakemake (pid {', '.join(map(str, killed))}) "
        f"left running, so that no run directory gets a second writer: {', '.join(o.describe() for o in orphans)}. "
        "Ctrl-C stops waiting (they go on running); kill them to have them redone now."
    )
    pending = {o.pid: _start_time(o.pid, proc) for o in orphans}  # the start time tells a reused pid apart
    while pending:
        time.sleep(poll)
        pending = {pid: t for pid, t in pending.items() if _running(pid, proc) and _start_time(pid, proc) == t}
    say("mtseq: the killed workflow's jobs have ended; starting")
    return orphans


def claim_workdir(workdir: str | Path = ".", pid: int | None = None) -> str | None:
    """Record this process as the directory's owner; return a message if a stale lock was removed.

    Does nothing while a live process owns the directory: Snakemake's own
    lock then refuses this run, as it should. A stale lock is removed only
    after looking for jobs its workflow left running: the message names them,
    and the run waits for them before it starts a job (``wait_for_orphans``).
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
        orphans = orphaned_jobs(workdir)
        if orphans:
            message += (
                f"; {len(orphans)} of its jobs still run ({', '.join(o.describe() for o in orphans)}):"
                " a run waits for them to end before it starts any job"
            )
    pid = os.getpid() if pid is None else pid
    write_json(owner_file, {"pid": pid, "start": _start_time(pid)})
    return message
