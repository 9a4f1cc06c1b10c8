"""SHA-256 checksums: the one way a fetched or copied file is accepted."""

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
