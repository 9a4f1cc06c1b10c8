"""Checkpoints that a kill at any moment cannot corrupt unnoticed.

Each checkpoint is one file, ``ckpt-<update>.pt``: the torch payload, then
a magic string and the payload's SHA-256. It is written to a temp file and
renamed into place, the last ``keep`` are kept, and on load a file whose
checksum does not match (truncated, half-copied, bit-rotted) is reported by
name and the previous one is used instead.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from pathlib import Path

import torch

from mtseq.io import atomic_open

MAGIC = b"\nMTSEQ-CKPT-SHA256\n"
NAME = re.compile(r"^ckpt-(\d+)\.pt$")
log = logging.getLogger("mtseq.train")


class CorruptCheckpoint(Exception):
    pass


class _HashingWriter:
    """A write-only stream that hashes what passes through (no second copy of the payload in memory)."""

    def __init__(self, fh):
        self.fh, self.sha = fh, hashlib.sha256()

    def write(self, data) -> int:
        self.sha.update(data)
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()


def write_checkpoint(path: str | Path, state: dict) -> None:
    with atomic_open(path, "wb") as fh:
        stream = _HashingWriter(fh)
        torch.save(state, stream)
        fh.write(MAGIC)
        fh.write(stream.sha.digest())


def read_checkpoint(path: str | Path) -> dict:
    data = Path(path).read_bytes()
    cut = len(data) - len(MAGIC) - 32
    if cut < 0 or data[cut : cut + len(MAGIC)] != MAGIC:
        raise CorruptCheckpoint("no checksum trailer (truncated?)")
    payload, digest = data[:cut], data[cut + len(MAGIC) :]
    if hashlib.sha256(payload).digest() != digest:
        raise CorruptCheckpoint("checksum mismatch")
    try:
        return torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - a payload that passes the checksum but does not load
        raise CorruptCheckpoint(f"unreadable payload ({err})") from None


class CheckpointDir:
    """The run's ``checkpoints/`` folder."""

    def __init__(self, directory: str | Path, keep: int = 2):
        self.dir = Path(directory)
        self.keep = keep
        self.loaded: Path | None = None  # the checkpoint load_latest returned last

    def paths(self) -> list[Path]:
        """Checkpoints, oldest first."""
        if not self.dir.is_dir():
            return []
        found = [(int(m.group(1)), p) for p in self.dir.iterdir() if (m := NAME.match(p.name))]
        return [p for _, p in sorted(found)]

    def clean_temp(self) -> None:
        """Remove temp files a killed writer left behind."""
        if self.dir.is_dir():
            for p in self.dir.glob(".ckpt-*.tmp"):
                p.unlink(missing_ok=True)

    def save(self, update: int, state: dict) -> Path:
        path = self.dir / f"ckpt-{update:09d}.pt"
        write_checkpoint(path, state)
        for old in self.paths()[: -self.keep]:
            old.unlink(missing_ok=True)
        return path

    def load_latest(self) -> dict | None:
        """The newest checkpoint that reads back intact, warning about each one that does not."""
        for path in reversed(self.paths()):
            try:
                state = read_checkpoint(path)
                self.loaded = path
                return state
            except (CorruptCheckpoint, OSError) as err:
                log.warning("checkpoint %s is corrupt (%s); falling back to the previous one", path, err)
        return None
