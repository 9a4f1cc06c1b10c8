"""One error type for every refusal of bad input.

The CLI prints ``str(err)`` as a single line and exits non-zero, so the
message must name where the problem is (file and line, or config key).
"""

from __future__ import annotations

from pathlib import Path


class MtseqError(Exception):
    """Bad input or an unrecoverable condition, reported as one line."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.message = " ".join(str(message).split())
        self.path = None if path is None else str(path)
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return f"{where}{self.message}"


class ConfigError(MtseqError):
    """A config value that does not fit the schema or the setting; names the key."""

    def __init__(self, key: str, message: str, path: str | Path | None = None):
        self.key = key
        super().__init__(f"config key '{key}': {message}", path=path)


def describe(err: BaseException, limit: int = 300) -> str:
    """``Type: first line`` of a foreign exception, short enough for a one-line refusal.

    A first line ending in ':' takes the next line with it (torch's "Error(s) in
    loading state_dict ...:"); torch's weights-only advice is cut, as it would mislead
    for a damaged file.
    """
    text = str(err).strip()
    marker = "WeightsUnpickler error:"
    if marker in text:
        text = text.split(marker, 1)[1].strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = " ".join(lines[:2]) if lines and lines[0].endswith(":") else (lines[0] if lines else "")
    return f"{type(err).__name__}: {first[:limit]}" if first else type(err).__name__
