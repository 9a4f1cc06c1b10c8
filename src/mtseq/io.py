"""Strict text I/O and atomic outputs.

Every reader refuses what would silently corrupt training (invalid UTF-8,
mismatched line counts, empty files, lines with nothing visible in them)
with the file and line; every writer goes through a temp file that is
renamed into place, so a crash or a refusal never leaves a partial output
that Snakemake or DVC would take as complete.

One normalisation policy for all text read: Unicode NFC (``decode_text``),
so a word spelt with a combining accent (NFD, as macOS file names and some
PDFs extract) and its precomposed spelling are one token, never two
vocabulary entries. NFC of NFC text is the identity, so generated corpora
are unchanged byte for byte.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from mtseq.errors import MtseqError

BOM = "\ufeff"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def _mkstemp_beside(final: Path) -> Path:
    """A temp file in the destination's folder (so the rename is atomic) with normal file permissions."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.fchmod(fd, _FILE_MODE)
    os.close(fd)
    return Path(tmp)


def decode_text(data: bytes, path: str | Path, first_line: int = 1) -> str:
    """Strict UTF-8 decoding, NFC-normalised; invalid bytes are refused naming the file and line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = first_line + data[: err.start].count(b"\n")
        raise MtseqError(f"invalid UTF-8 (byte 0x{data[err.start]:02x})", path, line) from None
    return nfc(text)


def nfc(text: str) -> str:
    """Unicode NFC (the one normalisation mtseq applies); ASCII and already-NFC text are returned as they are."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_input_file(path: str | Path, missing: str = "file not found") -> Path:
    """``path`` if it is a regular file; otherwise one MtseqError saying what it is (missing, a FIFO, a device).

    A FIFO or a device would block or never end, and a directory is a slip: all are named as such.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise MtseqError(missing, path) from None
    except OSError as err:
        raise MtseqError(f"cannot read ({err.strerror or err})", path) from None
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise MtseqError(f"is {kind}, not a regular file", path)
    return path


def read_text(path: str | Path) -> str:
    """A whole UTF-8 file (NFC); a missing or non-regular file or invalid UTF-8 is refused naming it (and the line)."""
    path = check_input_file(path)
    return decode_text(path.read_bytes(), path)


def invisible(line: str) -> bool:
    """True when ``line`` has nothing a reader would see: only whitespace, control and format characters
    (zero-width spaces and joiners, direction marks, soft hyphens, BOMs).

    Moses keeps such characters as tokens, so a line of them would enter a corpus as a "sentence"
    of invisible tokens, and control characters alone tokenise to nothing.
    """
    if not line.strip():
        return True
    if any(" " < c < "\x7f" for c in line):  # fast path: a printable ASCII character
        return False
    return all(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in line)


def line_problem(line: str) -> str | None:
    """Why ``line`` cannot be a sentence (one line of an aligned corpus), or None."""
    if not line.strip():
        return "empty line"
    if invisible(line):
        codes = " ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(line) if not c.isspace())
        return f"empty line (only control or format characters: {codes[:60]})"
    return None


def split_lines(text: str) -> list[str]:
    """One item a line; a leading BOM and CRLF line ends are normalised away.

    Windows editors produce them; they carry no meaning here.
    """
    text = text.removeprefix(BOM)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def read_lines(path: str | Path, *, allow_empty_lines: bool = True, allow_empty_file: bool = False) -> list[str]:
    """Read a UTF-8, one-item-a-line file (BOM and CRLF normalised, NFC); ``allow_empty_lines=False``
    also refuses lines with nothing visible in them."""
    lines = split_lines(read_text(path))
    if not lines and not allow_empty_file:
        raise MtseqError("file is empty", path)
    if not allow_empty_lines:
        for i, ln in enumerate(lines, 1):
            if problem := line_problem(ln):
                raise MtseqError(problem, path, i)
    return lines


def check_aligned(files: dict[str | Path, list]) -> int:
    """Refuse aligned files whose line counts differ; return the common count."""
    counts = {str(p): len(v) for p, v in files.items()}
    if len(set(counts.values())) > 1:
        desc = ", ".join(f"{p} has {n}" for p, n in counts.items())
        first = next(iter(counts))
        raise MtseqError(f"aligned files differ in line count ({desc})", first)
    return next(iter(counts.values()), 0)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path beside ``path``; rename it into place only on success."""
    path = Path(path)
    tmp_path = _mkstemp_beside(path)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except OSError as err:
        tmp_path.unlink(missing_ok=True)
        if err.filename is None or Path(err.filename) == tmp_path:  # e.g. ENOSPC on write/fsync: name the output
            raise OSError(err.errno, err.strerror, str(path)) from err
        raise
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """Open a temp file for writing that replaces ``path`` on clean exit."""
    with atomic_path(path) as tmp:
        kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
        with open(tmp, mode, **kwargs) as fh:
            yield fh


def write_lines(path: str | Path, lines: Iterable[str]) -> None:
    with atomic_open(path) as fh:
        for ln in lines:
            fh.write(ln)
            fh.write("\n")


def write_json(path: str | Path, obj) -> None:
    with atomic_open(path) as fh:
        json.dump(obj, fh, indent=2, sort_keys=True)
        fh.write("\n")


@contextlib.contextmanager
def _naming(final: str | Path) -> Iterator[None]:
    """An OSError without a file name (ENOSPC from a write or close) is re-raised naming ``final``."""
    try:
        yield
    except OSError as err:
        if err.filename is None:
            raise OSError(err.errno, err.strerror, str(final)) from err
        raise


class AtomicOutputs:
    """Commit several outputs together: all land, or none does.

    Stages that write aligned files (``x.en`` and ``x.de``) use this so a
    failure half-way never leaves one side updated and the other stale.
    """

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._pending: list[tuple[Path, Path]] = []

    def __enter__(self) -> AtomicOutputs:
        return self

    def path(self, final: str | Path) -> Path:
        final = Path(final)
        tmp = _mkstemp_beside(final)
        self._pending.append((tmp, final))
        return tmp

    def write_lines(self, final: str | Path, lines: Iterable[str]) -> None:
        with _naming(final), open(self.path(final), "w", encoding="utf-8", newline="\n") as fh:
            for ln in lines:
                fh.write(ln)
                fh.write("\n")

    def write_json(self, final: str | Path, obj) -> None:
        with _naming(final), open(self.path(final), "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2, sort_keys=True)
            fh.write("\n")

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                for tmp, final in self._pending:
                    os.replace(tmp, final)
            except OSError as err:
                for tmp, _ in self._pending:
                    tmp.unlink(missing_ok=True)
                if err.filename is None or Path(err.filename) == tmp:
                    raise OSError(err.errno, err.strerror, str(final)) from err
                raise
        else:
            for tmp, _ in self._pending:
                tmp.unlink(missing_ok=True)


def read_csv(path: str | Path):
    """A results table (summary.csv, sensitivity.csv) as a DataFrame; a missing or unreadable file is one line."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise MtseqError("file not found", path)
    try:
        return pd.read_csv(path, keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise MtseqError(f"unreadable CSV ({err})", path) from None
