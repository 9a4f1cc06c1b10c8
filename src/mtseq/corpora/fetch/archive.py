"""Unpack what corpora ship as: tar(.gz), zip, single-file gzip and WMT SGML.

Everything is extracted into a hidden temp folder inside ``dest_dir`` and
each top-level entry is then renamed into place, so an archive that turns
out corrupt half-way leaves ``dest_dir`` as it was. A corrupt or truncated
archive is one MtseqError naming the archive.
"""

from __future__ import annotations

import gzip
import html
import os
import posixpath
import re
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from mtseq.corpora.fetch.verify import CHUNK
from mtseq.errors import MtseqError, short_repr
from mtseq.io import check_input_file, nfc, read_text

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_CORRUPT = (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, gzip.BadGzipFile, UnicodeDecodeError)

_SEG = re.compile(r"<seg\b[^>]*>(.*?)</seg\s*>", re.S | re.I)
_SEG_OPEN = re.compile(r"<seg\b", re.I)


def archive_kind(path: str | Path) -> str:
    """tar | zip | gz | sgm, from the file name."""
    name = Path(path).name.lower()
    if name.endswith(TAR_SUFFIXES):
        return "tar"
    for suffix in ("zip", "gz", "sgm"):
        if name.endswith("." + suffix):
            return suffix
    raise MtseqError("unknown archive type (expected .tar.gz, .tgz, .tar, .zip, .gz or .sgm)", path)


def unpack(archive: str | Path, dest_dir: str | Path, members: list[str] | None = None) -> list[Path]:
    """Extract ``archive`` into ``dest_dir``; return the extracted files, sorted.

    ``members`` selects archive entries (tar, zip): a name selects that file,
    or everything under it when it names a folder. A ``.gz`` becomes one file
    named without ``.gz``; a ``.sgm`` becomes a text file of its ``<seg>``
    contents, one a line, named without ``.sgm``. Existing entries of the
    same name in ``dest_dir`` are replaced; nothing else there is touched.
    """
    archive, dest_dir = Path(archive), Path(dest_dir)
    check_input_file(archive, "archive not found")
    kind = archive_kind(archive)
    if members is not None and kind not in ("tar", "zip"):
        raise MtseqError(f"member selection needs a tar or zip archive, not .{kind}", archive)
    dest_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=dest_dir))
    try:
        try:
            if kind == "tar":
                _untar(archive, tmp, members)
            elif kind == "zip":
                _unzip(archive, tmp, members)
            elif kind == "gz":
                _gunzip(archive, tmp / archive.name[: -len(".gz")])
            else:
                lines = read_sgm(archive)
                with open(tmp / archive.name[: -len(".sgm")], "w", encoding="utf-8", newline="\n") as fh:
                    fh.writelines(line + "\n" for line in lines)
        except _CORRUPT as err:
            detail = " ".join(str(err).split()) or type(err).__name__
            raise MtseqError(f"corrupt or truncated {kind} archive ({detail})", archive) from None
        except NotImplementedError as err:  # zipfile: a version or compression method it does not read
            detail = " ".join(str(err).split()) or type(err).__name__
            raise MtseqError(f"unsupported {kind} archive ({detail})", archive) from None
        except (IsADirectoryError, NotADirectoryError, FileExistsError) as err:  # "a" as a file and as a folder
            name = os.path.relpath(err.filename, tmp) if err.filename else "?"
            raise MtseqError(
                f"member {short_repr(name)} clashes with another member of that path ({err.strerror})", archive
            ) from None
        except OSError as err:  # a member name the file system refuses, a full disk, ...
            name = f" {short_repr(os.path.relpath(err.filename, tmp))}" if err.filename else ""
            raise MtseqError(f"cannot unpack member{name} ({err.strerror or err})", archive) from None
        out = []
        for entry in sorted(tmp.iterdir()):
            target = dest_dir / entry.name
            _replace(entry, target)
            out += [target] if target.is_file() else [p for p in target.rglob("*") if p.is_file()]
        return sorted(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _replace(src: Path, target: Path) -> None:
    if target.is_dir() and not target.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=".old-", dir=target.parent))
        os.replace(target, old / target.name)
        os.replace(src, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, target)


def _selected(name: str, members: list[str] | None) -> bool:
    if members is None:
        return True
    name = name.rstrip("/")
    return any(name == m.rstrip("/") or name.startswith(m.rstrip("/") + "/") for m in members)


def _check_members(names: list[str], members: list[str] | None, archive: Path) -> None:
    if members is None:
        return
    missing = [m for m in members if not any(_selected(n, [m]) for n in names)]
    if missing:
        raise MtseqError(f"not in the archive: {', '.join(missing)}", archive)


def _safe_name(name: str, archive: Path) -> str:
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        raise MtseqError(f"unsafe member path {short_repr(name)} (absolute or with '..')", archive)
    return str(posix)


def _untar(archive: Path, dest: Path, members: list[str] | None) -> None:
    with tarfile.open(archive, "r:*") as tar:
        infos = tar.getmembers()  # reads to the end: a truncated archive fails here, before anything lands
        _check_members([i.name for i in infos], members, archive)
        chosen = [i for i in infos if _selected(i.name, members)]
        for info in chosen:
            _safe_name(info.name, archive)
            _safe_link(info, archive)
        _check_unique([i.name for i in chosen], archive)
        _check_link_targets(chosen, archive)
        try:
            tar.extractall(dest, members=chosen, filter="data")
        except (tarfile.AbsoluteLinkError, tarfile.LinkOutsideDestinationError) as err:
            link = f"{short_repr(err.tarinfo.name)} -> {short_repr(err.tarinfo.linkname)}"
            raise MtseqError(f"unsafe link {link} (points outside the archive)", archive) from None
        except tarfile.FilterError as err:  # an absolute path, one outside the folder, a device or FIFO
            what = " ".join(str(err).split())
            raise MtseqError(f"unsafe member {short_repr(err.tarinfo.name)} ({what})", archive) from None
        except KeyError as err:  # tarfile: a hard link to a name the archive does not hold
            raise MtseqError(f"link to a member that is not in the archive ({err})", archive) from None


def _safe_link(info: tarfile.TarInfo, archive: Path) -> None:
    """Refuse a symbolic or hard link that points outside the folder it is unpacked into, naming it."""
    if not (info.issym() or info.islnk()):
        if not (info.isfile() or info.isdir()):
            raise MtseqError(f"unsafe member {short_repr(info.name)} (a device or FIFO, not a file)", archive)
        return
    target = PurePosixPath(info.linkname.replace("\\", "/"))
    base = PurePosixPath(info.name).parent if info.issym() else PurePosixPath()  # hard links: from the root
    depth = 0
    for part in () if target.is_absolute() else (base / target).parts:
        depth += -1 if part == ".." else 0 if part in (".", "") else 1
        if depth < 0:
            break
    if target.is_absolute() or depth < 0:
        link = f"{short_repr(info.name)} -> {short_repr(info.linkname)}"
        raise MtseqError(f"unsafe link {link} (points outside the archive)", archive)


def _norm(name: str) -> str:
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/")


def _check_unique(names: list[str], archive: Path) -> None:
    """One member per path: with two, which one lands depends on the order (a later symlink or folder
    replacing a file), so the archive does not say what its content is."""
    seen: set[str] = set()
    for name in names:
        key = _norm(name)
        if key in seen and key != ".":
            raise MtseqError(f"member {short_repr(name)} appears more than once in the archive", archive)
        seen.add(key)


def _check_link_targets(chosen: list[tarfile.TarInfo], archive: Path) -> None:
    """A symbolic link must lead, through other links, to a file or folder the archive holds: a dangling
    link or a loop of links would unpack, then fail (or spin) wherever a stage reads through it."""
    held: dict[str, tarfile.TarInfo | None] = {}
    for info in chosen:
        name = _norm(info.name)
        held[name] = info
        parts = name.split("/")
        for i in range(1, len(parts)):
            held.setdefault("/".join(parts[:i]), None)  # a folder implied by a member's path
    for info in chosen:
        link, seen = info, set()
        while link is not None and link.issym():
            target = _norm(posixpath.join(posixpath.dirname(_norm(link.name)), link.linkname))
            what = f"{short_repr(info.name)} -> {short_repr(info.linkname)}"
            if target in seen:
                raise MtseqError(f"link {what} is a loop of links", archive)
            if target not in held:
                raise MtseqError(f"link {what} points to nothing the archive holds", archive)
            seen.add(target)
            link = held[target]


def _unzip(archive: Path, dest: Path, members: list[str] | None) -> None:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        _check_members([i.filename for i in infos], members, archive)
        _check_unique([i.filename for i in infos if _selected(i.filename, members)], archive)
        for info in infos:
            if not _selected(info.filename, members):
                continue
            target = dest / _safe_name(info.filename, archive)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as fin, open(target, "wb") as fout:  # CRC is checked as it is read
                shutil.copyfileobj(fin, fout, CHUNK)


def _gunzip(archive: Path, target: Path) -> None:
    with gzip.open(archive, "rb") as fin, open(target, "wb") as fout:
        shutil.copyfileobj(fin, fout, CHUNK)


def read_sgm(path: str | Path) -> list[str]:
    """The ``<seg>`` texts of a WMT SGML file, in order, entities unescaped, whitespace collapsed."""
    path = Path(path)
    text = read_text(path)
    segs = list(_SEG.finditer(text))
    unclosed = next((m.start() for m in segs if _SEG_OPEN.search(m.group(1))), None)
    if unclosed is None:
        tail = _SEG_OPEN.search(text, segs[-1].end() if segs else 0)
        unclosed = tail.start() if tail else None
    if unclosed is not None:
        raise MtseqError("<seg> without a matching </seg>", path, text[:unclosed].count("\n") + 1)
    if not segs:
        raise MtseqError("no <seg> elements (not a WMT SGML file?)", path)
    return [nfc(" ".join(html.unescape(m.group(1)).split())) for m in segs]
