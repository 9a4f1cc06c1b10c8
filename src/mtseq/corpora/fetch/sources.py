"""Read a corpus file where it lies: a plain or gzipped file, a WMT ``.sgm``, or one member of an archive.

WMT ships its corpora as archives of several gigabytes (Common Crawl holds
five language pairs), so unpacking everything to read two files would cost
disk and time. A source is named ``PATH`` or ``ARCHIVE:MEMBER``; the member
may be its full path in the archive or any trailing part of it (its file
name), as long as that picks exactly one entry. Lines are streamed as
strict UTF-8 (a BOM and CR line ends normalised away), so a corpus of
millions of lines never sits in memory.
"""

from __future__ import annotations

import contextlib
import gzip
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from mtseq.corpora.fetch.archive import TAR_SUFFIXES, read_sgm
from mtseq.errors import MtseqError
from mtseq.io import BOM, check_input_file, invisible, nfc

ARCHIVE_SUFFIXES = (*TAR_SUFFIXES, ".zip")
# NotImplementedError: zipfile meeting a version or compression method it does not read (a flipped bit, mostly)
_CORRUPT = (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, gzip.BadGzipFile, NotImplementedError)


def split_source(spec: str | Path) -> tuple[Path, str | None]:
    """``"a/de-en.tgz:europarl-v7.de-en.en"`` -> (archive, member); a plain path -> (path, None)."""
    text = str(spec)
    head, sep, member = text.rpartition(":")
    if sep and member and head.lower().endswith(ARCHIVE_SUFFIXES):
        return Path(head), member
    return Path(text), None


def _pick(names: list[str], member: str, archive: Path) -> str:
    """The one archive entry ``member`` names (full path or a trailing part of it)."""
    want = member.strip("/")
    hits = [n for n in names if n.rstrip("/") == want or n.rstrip("/").endswith("/" + want)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise MtseqError(f"'{member}' matches several entries ({', '.join(hits[:5])}): give more of its path", archive)
    stem = Path(want).name.split(".")[0].split("-")[0]
    similar = [n for n in names if stem and stem in Path(n).name][:8]
    hint = f"; entries like it: {', '.join(similar)}" if similar else f"; it has {len(names)} entries"
    raise MtseqError(f"no entry '{member}' in the archive{hint}", archive)


@contextlib.contextmanager
def open_binary(spec: str | Path) -> Iterator[tuple[IO[bytes], str]]:
    """A binary stream of the source's (decompressed) content, and its name for messages."""
    path, member = split_source(spec)
    where = str(spec)
    check_input_file(path)
    try:
        if member is None:
            with open(path, "rb") as raw:
                gz = raw.read(2) == b"\x1f\x8b"
            with gzip.open(path, "rb") if gz else open(path, "rb") as fh:
                yield fh, where
        elif path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                name = _pick([i.filename for i in zf.infolist() if not i.is_dir()], member, path)
                with zf.open(name) as fh:
                    yield _maybe_gunzip(fh, name), where
        else:
            with tarfile.open(path, "r:*") as tar:
                infos = [i for i in tar.getmembers() if i.isfile()]
                name = _pick([i.name for i in infos], member, path)
                fh = tar.extractfile(next(i for i in infos if i.name == name))
                yield _maybe_gunzip(fh, name), where
    except _CORRUPT as err:
        detail = " ".join(str(err).split()) or type(err).__name__
        raise MtseqError(f"corrupt or truncated file ({detail})", where) from None


def _maybe_gunzip(fh: IO[bytes], name: str) -> IO[bytes]:
    return gzip.GzipFile(fileobj=fh) if name.lower().endswith(".gz") else fh


def iter_lines(spec: str | Path, *, keep_empty: bool = True) -> Iterator[tuple[int, str]]:
    """``(line number, stripped NFC line)`` of a source; empty lines too unless ``keep_empty`` is False
    (a line of control or format characters alone counts as empty).

    A ``.sgm`` source (file or member) yields its ``<seg>`` texts instead.
    """
    path, member = split_source(spec)
    if (member or path.name).lower().endswith(".sgm"):
        yield from _sgm_lines(spec)
        return
    with open_binary(spec) as (fh, where):
        try:
            for i, raw in enumerate(fh, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise MtseqError(f"invalid UTF-8 (byte 0x{raw[err.start]:02x})", where, i) from None
                if i == 1:
                    line = line.removeprefix(BOM)
                line = nfc(line.strip())
                if invisible(line):  # control or format characters alone: as empty as a blank line
                    line = ""
                if line or keep_empty:
                    yield i, line
        except _CORRUPT as err:
            detail = " ".join(str(err).split()) or type(err).__name__
            raise MtseqError(f"corrupt or truncated file ({detail})", where) from None


def _sgm_lines(spec: str | Path) -> Iterator[tuple[int, str]]:
    path, member = split_source(spec)
    if member is None:
        lines = read_sgm(path)
    else:
        with open_binary(spec) as (fh, where), _temp_sgm(fh.read(), where) as tmp:
            lines = read_sgm(tmp)
    yield from enumerate(lines, 1)


@contextlib.contextmanager
def _temp_sgm(data: bytes, where: str) -> Iterator[Path]:
    """read_sgm reads files; an archive member goes through a temp file named for messages."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="mtseq-sgm-") as tmp:
        path = Path(tmp) / Path(where.replace(":", "_")).name
        path.write_bytes(data)
        try:
            yield path
        except MtseqError as err:
            raise MtseqError(err.message, where, err.line) from None


def read_source_bytes(spec: str | Path) -> bytes:
    """The whole (decompressed) content of a source: for small files such as JSON annotations."""
    with open_binary(spec) as (fh, where):
        try:
            return fh.read()
        except _CORRUPT as err:
            detail = " ".join(str(err).split()) or type(err).__name__
            raise MtseqError(f"corrupt or truncated file ({detail})", where) from None
