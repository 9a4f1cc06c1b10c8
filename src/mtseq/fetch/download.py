"""Resumable, checksummed downloads that land atomically.

``fetch(url, dest, sha256)`` writes into ``<dest>.part`` beside the
destination, resumes an interrupted ``.part`` with an HTTP Range request
(restarting from zero when the server ignores Range), verifies the SHA-256
and only then renames the ``.part`` onto ``dest``. So ``dest`` either does
not exist or is exactly the file the config names; Snakemake and DVC never
see a half download. A local path or a ``file://`` URL is copied through
the same ``.part`` and checksum, so a corpus you bring yourself is held to
the same standard as one from the internet.
"""

from __future__ import annotations

import http.client
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

from mtseq import __version__
from mtseq.errors import MtseqError
from mtseq.fetch.verify import CHUNK, normalise_sha256, read_record, sha256_file, write_record
from mtseq.progress import bar_options

USER_AGENT = f"mtseq/{__version__} (Python urllib)"
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.I)


def part_path(dest: str | Path) -> Path:
    dest = Path(dest)
    return dest.with_name(dest.name + ".part")


def is_remote(url: str) -> bool:
    return urllib.parse.urlsplit(str(url)).scheme.lower() in ("http", "https")


def local_source(url: str | Path) -> Path:
    """The file a local path or ``file://`` URL names."""
    text = str(url)
    parts = urllib.parse.urlsplit(text)
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost"):
            raise MtseqError(f"file:// URL with a remote host is not supported: {text}")
        return Path(urllib.request.url2pathname(parts.path))
    if parts.scheme and len(parts.scheme) > 1:  # one letter: a Windows drive, i.e. a path
        raise MtseqError(f"unsupported URL scheme '{parts.scheme}' (use http, https, file or a path): {text}")
    return Path(text).expanduser()


def fetch(
    url: str | Path,
    dest: str | Path,
    sha256: str | None,
    *,
    progress: bool = True,
    retries: int = 2,
    timeout: float = 60.0,
) -> Path:
    """Download (or copy) ``url`` to ``dest``, verified against ``sha256``; return ``dest``.

    An existing ``dest`` whose checksum matches is kept without any network
    access. With ``sha256=None`` the file is trusted on first use: its
    digest is recorded as ``<dest>.sha256``, and a later call keeps a
    ``dest`` that still matches the record (otherwise it fetches again).
    A connection that drops mid-file leaves the ``.part`` behind and is
    resumed up to ``retries`` times here (and again by the next call);
    every failure is one MtseqError naming URL and destination.
    """
    dest = Path(dest)
    expected = normalise_sha256(sha256, dest)
    what = f"{url} -> {dest}"
    if dest.is_dir():
        raise MtseqError(f"destination is a directory, give a file path: {what}")
    try:
        return _fetch(url, dest, expected, what, progress=progress, retries=retries, timeout=timeout)
    except OSError as err:  # local file system trouble: permissions, disk full, ...
        detail = f"{err.strerror} ({err.filename})" if err.strerror and err.filename else _reason(err)
        raise MtseqError(f"{detail}: {what}") from None


def _fetch(url, dest: Path, expected: str | None, what: str, *, progress: bool, retries: int, timeout: float) -> Path:
    if expected is not None and dest.is_file() and sha256_file(dest) == expected:
        return dest
    recorded = read_record(dest) if expected is None else None
    if recorded is not None and dest.is_file() and sha256_file(dest) == recorded:
        return dest  # unpinned, but the same file as on first download
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    if is_remote(str(url)):
        attempt = 0
        while True:
            try:
                _download(str(url), part, what, progress=progress, timeout=timeout)
                break
            except _Interrupted as err:
                attempt += 1
                if attempt > retries:
                    raise MtseqError(
                        f"{err} after {attempt} attempt(s); partial download kept in {part.name}, "
                        f"rerun to resume: {what}"
                    ) from None
                print(f"mtseq: {err}; resuming ({attempt}/{retries}): {url}", file=sys.stderr)
    else:
        _copy(local_source(url), part, what, progress=progress)
    got = _verify_and_land(part, dest, expected, what)
    if expected is None:
        write_record(dest, got)
    return dest


class _Interrupted(Exception):
    """A transfer that ended early; the .part holds what arrived and can be resumed."""


def _verify_and_land(part: Path, dest: Path, expected: str | None, what: str) -> str:
    got = sha256_file(part)
    if expected is not None and got != expected:
        part.unlink(missing_ok=True)
        raise MtseqError(f"checksum mismatch: expected sha256 {expected}, got {got} (download removed): {what}")
    with open(part, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(part, dest)
    return got


def _copy(src: Path, part: Path, what: str, *, progress: bool) -> None:
    if not src.is_file():
        raise MtseqError(f"local source not found: {what}")
    size = src.stat().st_size
    try:
        with (
            open(src, "rb") as fin,
            open(part, "wb") as fout,
            _bar(size, 0, src.name, progress) as bar,
        ):
            while chunk := fin.read(CHUNK):
                fout.write(chunk)
                bar.update(len(chunk))
    except OSError as err:
        part.unlink(missing_ok=True)
        raise MtseqError(f"copy failed ({err.strerror or err}): {what}") from None


def _bar(total: int | None, initial: int, name: str, progress: bool) -> tqdm:
    return tqdm(
        total=total,
        initial=initial,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=name,
        file=sys.stderr,
        disable=not progress,
        leave=False,
        **bar_options(),
    )


def _download(url: str, part: Path, what: str, *, progress: bool, timeout: float) -> None:
    have = part.stat().st_size if part.is_file() else 0
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        err.close()
        if err.code == 416 and have:
            # the .part is not a prefix the server can continue (complete, or stale): start over
            part.unlink(missing_ok=True)
            return _download(url, part, what, progress=progress, timeout=timeout)
        raise MtseqError(f"HTTP {err.code} {err.reason}: {what}") from None
    except urllib.error.URLError as err:
        raise MtseqError(f"connection failed ({_reason(err.reason)}): {what}") from None
    except TimeoutError:
        raise MtseqError(f"connection timed out after {timeout:g} s: {what}") from None
    except (OSError, http.client.HTTPException) as err:
        raise MtseqError(f"connection failed ({_reason(err)}): {what}") from None

    with response:
        status = response.status
        length = response.headers.get("Content-Length")
        length = int(length) if length and length.strip().isdigit() else None
        if status == 206 and have:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != have:
                raise MtseqError(
                    f"server answered the resume with a range that does not continue the partial "
                    f"download ({response.headers.get('Content-Range')!r}): {what}"
                )
            mode, start = "ab", have
        elif status == 200:
            if have:
                print(f"mtseq: server ignored the Range request; restarting from zero: {url}", file=sys.stderr)
            mode, start = "wb", 0
        else:
            raise MtseqError(f"unexpected HTTP {status} {response.reason}: {what}")
        total = start + length if length is not None else None
        received = 0
        with open(part, mode) as fh, _bar(total, start, part.name[: -len(".part")], progress) as bar:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except TimeoutError:
                    raise _Interrupted(f"read timed out after {start + received} bytes") from None
                except (OSError, http.client.HTTPException) as err:
                    msg = f"connection dropped after {start + received} bytes ({_reason(err)})"
                    raise _Interrupted(msg) from None
                if not chunk:
                    break
                fh.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
        if length is not None and received != length:
            raise _Interrupted(f"truncated download: got {start + received} of {total} bytes (Content-Length mismatch)")


def _reason(reason) -> str:
    if isinstance(reason, BaseException):
        text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
        return " ".join(str(text).split())
    return " ".join(str(reason).split())
