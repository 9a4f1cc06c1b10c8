"""Resumable, checksummed downloads that land atomically.

``fetch(url, dest, sha256)`` writes into ``<dest>.part`` beside the
destination, resumes an interrupted ``.part`` with an HTTP Range request
(restarting from zero when the server ignores Range), verifies the SHA-256
and only then renames the ``.part`` onto ``dest``.

A resume must continue the same file, or two versions of it are spliced
together (and, without a pinned sha256, the splice's digest is recorded as
the truth). So the response that starts a ``.part`` is remembered in
``<dest>.part.meta`` (URL, ETag, Last-Modified, total size); a resume sends
``If-Range`` with the validator, so a server whose file changed answers with
the whole new file, and a 206 is accepted only when its ``Content-Range``
continues the ``.part`` and names the same total, and its ETag or
Last-Modified (when sent) match. Anything else restarts from zero. Without a
validator a ``.part`` is resumed only when a sha256 is pinned (which catches
a splice: the download then restarts from zero once). So ``dest`` either does
not exist or is exactly the file the config names; Snakemake and DVC never
see a half download. A local path or a ``file://`` URL is copied through
the same ``.part`` and checksum, so a corpus you bring yourself is held to
the same standard as one from the internet.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

from mtseq import __version__
from mtseq.corpora.fetch.verify import CHUNK, normalise_sha256, read_record, sha256_file, write_record
from mtseq.errors import MtseqError
from mtseq.io import check_input_file
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
        resumed = _transfer(str(url), part, what, expected, progress=progress, retries=retries, timeout=timeout)
        if resumed and expected is not None and sha256_file(part) != expected:
            # the resumed part did not continue the file it started (a server without validators): once more, whole
            print(f"mtseq: checksum mismatch after resuming; downloading again from zero: {url}", file=sys.stderr)
            _discard(part)
            _transfer(str(url), part, what, expected, progress=progress, retries=retries, timeout=timeout)
    else:
        _copy(local_source(url), part, what, progress=progress)
    got = _verify_and_land(part, dest, expected, what)
    if expected is None:
        write_record(dest, got)
    return dest


def _transfer(
    url: str, part: Path, what: str, expected: str | None, *, progress: bool, retries: int, timeout: float
) -> bool:
    """Download into ``part``, resuming after dropped connections; True when any byte came from a resume."""
    attempt = 0
    resumed = False
    while True:
        try:
            resumed |= _download(url, part, what, pinned=expected is not None, progress=progress, timeout=timeout)
            return resumed
        except _Interrupted as err:
            resumed |= err.resumed
            attempt += 1
            if attempt > retries:
                raise MtseqError(
                    f"{err} after {attempt} attempt(s); partial download kept in {part.name}, rerun to resume: {what}"
                ) from None
            print(f"mtseq: {err}; resuming ({attempt}/{retries}): {url}", file=sys.stderr)


def meta_path(part: Path) -> Path:
    return part.with_name(part.name + ".meta")


def _discard(part: Path) -> None:
    """Remove a partial download and what is known about it."""
    part.unlink(missing_ok=True)
    meta_path(part).unlink(missing_ok=True)


def _read_meta(part: Path) -> dict:
    try:
        meta = json.loads(meta_path(part).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _validator(meta: dict) -> str | None:
    """What If-Range may carry: a strong ETag (a weak one is not allowed there), else Last-Modified."""
    etag = meta.get("etag")
    if isinstance(etag, str) and etag and not etag.startswith("W/"):
        return etag
    modified = meta.get("last_modified")
    return modified if isinstance(modified, str) and modified else None


class _Interrupted(Exception):
    """A transfer that ended early; the .part holds what arrived and can be resumed."""

    def __init__(self, message: str, resumed: bool = False):
        super().__init__(message)
        self.resumed = resumed


def _verify_and_land(part: Path, dest: Path, expected: str | None, what: str) -> str:
    got = sha256_file(part)
    if expected is not None and got != expected:
        _discard(part)
        raise MtseqError(f"checksum mismatch: expected sha256 {expected}, got {got} (download removed): {what}")
    with open(part, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(part, dest)
    meta_path(part).unlink(missing_ok=True)
    return got


def _copy(src: Path, part: Path, what: str, *, progress: bool) -> None:
    try:
        check_input_file(src)
    except MtseqError as err:  # missing, or a directory, FIFO or device: the message names both ends
        problem = "not found" if err.message == "file not found" else err.message
        raise MtseqError(f"local source {problem}: {what}") from None
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


def _download(url: str, part: Path, what: str, *, pinned: bool, progress: bool, timeout: float) -> bool:
    """One request: continue ``part`` when that provably continues the same file, else start it afresh.

    Returns True when the bytes were appended to an earlier part (a resume).
    """
    have = part.stat().st_size if part.is_file() else 0
    meta = _read_meta(part) if have else {}
    if have and meta.get("url") not in (None, url):
        meta = {}  # a part of another URL: nothing it says applies
    validator = _validator(meta)
    if have and validator is None and not pinned:
        # nothing could tell a changed file from the same one, and no checksum would catch the splice
        why = "partial download has no ETag/Last-Modified to resume against"
        print(f"mtseq: {why}; restarting from zero: {url}", file=sys.stderr)
        _discard(part)
        have = 0
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
        if validator is not None:
            headers["If-Range"] = validator
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        err.close()
        if err.code == 416 and have:
            # the .part is not a prefix the server can continue (complete, or stale): start over
            _discard(part)
            return _download(url, part, what, pinned=pinned, progress=progress, timeout=timeout)
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
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if status == 206 and have:
            changed = _not_a_continuation(response.headers.get("Content-Range", ""), have, meta, etag, modified)
            if changed:
                print(f"mtseq: {changed}; restarting from zero: {url}", file=sys.stderr)
                _discard(part)
                response.close()
                return _download(url, part, what, pinned=pinned, progress=progress, timeout=timeout)
            mode, start = "ab", have
        elif status == 200:
            if have:
                why = "the file changed on the server" if validator else "server ignored the Range request"
                print(f"mtseq: {why}; restarting from zero: {url}", file=sys.stderr)
            mode, start = "wb", 0
            new = {"url": url, "etag": etag, "last_modified": modified, "total": length}
            with open(meta_path(part), "w", encoding="utf-8") as fh:
                json.dump(new, fh)
        else:
            raise MtseqError(f"unexpected HTTP {status} {response.reason}: {what}")
        total = start + length if length is not None else None
        received = 0
        with open(part, mode) as fh, _bar(total, start, part.name[: -len(".part")], progress) as bar:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except TimeoutError:
                    raise _Interrupted(f"read timed out after {start + received} bytes", start > 0) from None
                except (OSError, http.client.HTTPException) as err:
                    msg = f"connection dropped after {start + received} bytes ({_reason(err)})"
                    raise _Interrupted(msg, start > 0) from None
                if not chunk:
                    break
                fh.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
        if length is not None and received != length:
            raise _Interrupted(
                f"truncated download: got {start + received} of {total} bytes (Content-Length mismatch)", start > 0
            )
        return start > 0


def _not_a_continuation(content_range: str, have: int, meta: dict, etag: str | None, modified: str | None) -> str:
    """Why a 206 answer to a resume does not continue the partial download ("" when it does)."""
    match = _CONTENT_RANGE.match(content_range)
    if not match or int(match.group(1)) != have:
        return f"the server's range {content_range!r} does not continue the partial download"
    total = None if match.group(3) == "*" else int(match.group(3))
    if meta.get("total") is not None and total is not None and total != meta["total"]:
        return f"the file on the server is now {total} bytes, it was {meta['total']} when the download started"
    if meta.get("etag") and etag and etag != meta["etag"]:
        return f"the file on the server changed (ETag {etag}, was {meta['etag']})"
    if meta.get("last_modified") and modified and modified != meta["last_modified"]:
        return f"the file on the server changed (Last-Modified {modified}, was {meta['last_modified']})"
    return ""


def _reason(reason) -> str:
    if isinstance(reason, BaseException):
        text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
        return " ".join(str(text).split())
    return " ".join(str(reason).split())
