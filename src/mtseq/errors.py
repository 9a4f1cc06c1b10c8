"""One error type for every refusal of bad input, and the last-resort report of everything else.

The CLI prints ``str(err)`` as a single line and exits non-zero, so the
message must name where the problem is (file and line, or config key).
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from pathlib import Path

# A message is one line a person reads: a value quoted in it is cut to this many characters, and the
# whole message to MAX_MESSAGE, so a megabyte list or key in a config never becomes a megabyte error line.
MAX_VALUE = 200
MAX_MESSAGE = 2000
INTERNAL = "internal error"  # marks a last-resort report (a bug, or a bad input no check foresaw)


def shorten(text: str, limit: int = MAX_VALUE) -> str:
    """``text`` on one line, cut in the middle to at most ``limit`` characters."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    keep = limit - 5
    return f"{text[: keep - keep // 3]} ... {text[len(text) - keep // 3 :]}"


def short_repr(value, limit: int = MAX_VALUE) -> str:
    """``repr(value)`` cut to ``limit`` characters (never builds the whole repr of a huge container)."""
    import reprlib

    r = reprlib.Repr()
    r.maxstring = r.maxother = limit
    r.maxlist = r.maxtuple = r.maxdict = r.maxset = 8
    r.maxlevel = 3
    return shorten(r.repr(value), limit)


def _one_line_path(path: str, limit: int = 2 * MAX_VALUE) -> str:
    """A path as it was given (spaces kept), with line breaks escaped and cut in the middle when huge."""
    path = path.replace("\n", "\\n").replace("\r", "\\r")
    if len(path) <= limit:
        return path
    keep = limit - 5
    return f"{path[: keep - keep // 3]} ... {path[len(path) - keep // 3 :]}"


class MtseqError(Exception):
    """Bad input or an unrecoverable condition, reported as one line."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.message = shorten(message, MAX_MESSAGE)
        self.path = None if path is None else _one_line_path(str(path))
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
        self.key = shorten(key, MAX_VALUE)
        super().__init__(f"config key '{self.key}': {message}", path=path)


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
    return f"{type(err).__name__}: {shorten(first, limit)}" if first else type(err).__name__


def save_traceback(err: BaseException, context: str) -> Path | None:
    """Write ``err``'s traceback to a log file of its own; its path, or None when it cannot be written.

    The folder is ``$MTSEQ_ERROR_LOG_DIR`` (default: the temp folder), so the one-line report can
    point at the traceback without printing it.
    """
    folder = Path(os.environ.get("MTSEQ_ERROR_LOG_DIR") or tempfile.gettempdir())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"mtseq-error-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".log", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"{context}\n\n")
            fh.write("".join(traceback.format_exception(err)))
        return Path(name)
    except OSError:
        return None


def internal_error_line(err: BaseException, where: str, context: str) -> str:
    """The one line for an exception no check foresaw: the input, the error, and where its traceback is."""
    log = save_traceback(err, context)
    saved = f"traceback in {log}" if log else "traceback not saved"
    return f"{shorten(where, MAX_VALUE * 2)}: {INTERNAL} ({describe(err, MAX_VALUE)}); {saved}, MTSEQ_DEBUG=1 prints it"


def debug() -> bool:
    """MTSEQ_DEBUG=1: print tracebacks on stderr as well."""
    return os.environ.get("MTSEQ_DEBUG", "") not in ("", "0")
