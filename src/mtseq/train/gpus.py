"""One training per GPU on a workstation: a training claims a free GPU with a lock file.

Snakemake's ``--resources gpu=N`` (profiles/local) caps how many trainings run at once but
does not tell a job which GPU it holds, so every process would open ``cuda:0``. A training
that sees several GPUs therefore takes the first one whose lock it can get (``flock``: the
kernel releases it when the process ends, also when it is killed). Under Slurm each job sees
only its own GPU (``CUDA_VISIBLE_DEVICES``), so nothing is claimed there.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import IO

import torch

from mtseq.errors import MtseqError

log = logging.getLogger("mtseq.train")


def lock_dir() -> Path:
    """Where the locks live: ``$MTSEQ_GPU_LOCKS``, else a per-user folder in the temp dir."""
    env = os.environ.get("MTSEQ_GPU_LOCKS")
    return Path(env) if env else Path(tempfile.gettempdir()) / f"mtseq-gpu-locks-{os.getuid()}"


def visible_ids(count: int) -> list[str]:
    """Physical ids of the visible GPUs, so that jobs with different visible sets share locks."""
    env = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
    ids = [d.strip() for d in env.split(",") if d.strip()] if env else []
    return ids[:count] if len(ids) >= count else [str(i) for i in range(count)]


def claim_gpu(
    count: int, *, directory: Path | None = None, timeout: float = 600.0, poll: float = 1.0
) -> tuple[int, IO[str]]:
    """(index among the visible GPUs, open lock file): hold the file as long as the GPU is in use."""
    directory = directory or lock_dir()
    directory.mkdir(parents=True, exist_ok=True)
    ids = visible_ids(count)
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        for index, gpu in enumerate(ids):
            fh = open(directory / f"gpu{gpu}.lock", "a+", encoding="utf-8")  # noqa: SIM115 (held by the caller)
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                continue
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
            return index, fh
        if time.monotonic() >= deadline:
            raise MtseqError(f"no free GPU among {count} after {timeout:.0f} s (locks held in {directory})")
        if not waited:
            log.info("all %d GPUs are claimed by other trainings; waiting for one (locks in %s)", count, directory)
            waited = True
        time.sleep(poll)


@contextlib.contextmanager
def claimed_device(device: torch.device):
    """``device``, or for a bare ``cuda`` with several GPUs visible a free one, held until the block ends."""
    count = torch.cuda.device_count() if device.type == "cuda" and device.index is None else 0
    if count < 2:
        yield device
        return
    index, fh = claim_gpu(count)
    log.info("claimed GPU %d of %d", index, count)
    try:
        yield torch.device("cuda", index)
    finally:
        fh.close()
