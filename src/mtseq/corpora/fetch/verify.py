"""SHA-256 checksums: the one way a fetched or copied file is accepted.

A download the config gives no sha256 for (a corpus whose checksum nobody
has published, fetched for the first time) is trusted on first use: its
digest is recorded beside it as ``<file>.sha256`` in ``sha256sum`` format,
so later runs verify against the record and the user can pin the value in
the config.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from mtseq.errors import MtseqError

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20


def normalise_sha256(value: str | None, where: str | Path | None = None) -> str | None:
    """Lower-case hex digest, or None; refuse anything that is not 64 hex digits."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text.startswith("sha256:"):
        text = text[len("sha256:") :]
    if not _HEX64.match(text):
        raise MtseqError(f"sha256 must be 64 hex digits, got {value!r}", where)
    return text


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def record_path(dest: str | Path) -> Path:
    dest = Path(dest)
    return dest.with_name(dest.name + ".sha256")


def write_record(dest: str | Path, digest: str) -> Path:
    """Write ``<dest>.sha256`` (``sha256sum -c`` reads it) atomically; return its path."""
    from mtseq.io import atomic_open

    path = record_path(dest)
    with atomic_open(path) as fh:
        fh.write(f"{digest}  {Path(dest).name}\n")
    return path


def read_record(dest: str | Path) -> str | None:
    """The digest recorded beside ``dest``, or None when there is no readable record."""
    path = record_path(dest)
    try:
        text = path.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    return text[0].lower() if text and _HEX64.match(text[0].lower()) else None
