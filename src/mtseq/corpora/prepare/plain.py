"""Turn fetched corpora into mtseq's raw layout (mtseq.layout.Layout).

Parallel text (Multi30k, or any EN-DE pair you bring): gunzipped or
SGML-extracted as needed, strictly UTF-8, stripped, refused on an empty
line (``file:line``) or a line-count mismatch, written together.

The NLTK 10% sample of the Penn Treebank (``wsj_0001.mrg`` … ``wsj_0199.mrg``)
is split by file, never by tree, so no article straddles train and test;
each split's files are concatenated verbatim into ``raw/trees.<split>.mrg``
(the linearise stage cleans them).
"""

from __future__ import annotations

import gzip
import re
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

from mtseq.config import schema_default
from mtseq.corpora.fetch.archive import read_sgm
from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs, check_aligned, check_input_file, decode_text, line_problem, split_lines
from mtseq.layout import SPLITS, Layout


def default_ptb_splits() -> dict[str, tuple[int, int]]:
    """File-number ranges of the NLTK sample's splits when none are given: the schema's defaults."""
    return {split: parse_range(schema_default(f"data.prepare.trees.{split}")) for split in SPLITS}


_WSJ = re.compile(r"^wsj_(\d+)\.mrg$", re.I)


# parallel text -------------------------------------------------------------


def read_corpus_lines(path: str | Path) -> list[str]:
    """Lines of a (possibly gzipped, or WMT ``.sgm``) UTF-8 text file, stripped; empty lines refused."""
    path = Path(path)
    check_input_file(path)
    name = path.name.lower()
    if name.endswith(".sgm"):
        lines = read_sgm(path)
    else:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            try:
                data = gzip.decompress(data)
            except (EOFError, zlib.error, gzip.BadGzipFile) as err:
                detail = " ".join(str(err).split()) or type(err).__name__
                raise MtseqError(f"corrupt or truncated gzip file ({detail})", path) from None
        lines = split_lines(decode_text(data, path))
    out = []
    for i, line in enumerate(lines, 1):
        line = line.strip()
        if problem := line_problem(line):
            raise MtseqError(problem, path, i)
        out.append(line)
    if not out:
        raise MtseqError("file is empty", path)
    return out


def _read_pair(src_en: Path, src_de: Path) -> tuple[list[str], list[str]]:
    en, de = read_corpus_lines(src_en), read_corpus_lines(src_de)
    check_aligned({src_en: en, src_de: de})
    return en, de


def prepare_parallel(src_en: str | Path, src_de: str | Path, out_en: str | Path, out_de: str | Path) -> int:
    """Write one aligned EN-DE pair of raw files; return the number of pairs."""
    en, de = _read_pair(Path(src_en), Path(src_de))
    with AtomicOutputs() as out:
        out.write_lines(out_en, en)
        out.write_lines(out_de, de)
    return len(en)


def prepare_multi30k(sources: Mapping[str, tuple[str | Path, str | Path]], layout: Layout) -> dict[str, int]:
    """``sources``: split -> (en file, de file). All splits land together, or none does."""
    unknown = sorted(set(sources) - set(SPLITS))
    if unknown:
        raise MtseqError(f"unknown split(s) {', '.join(unknown)} (known: {', '.join(SPLITS)})")
    pairs = {split: _read_pair(Path(en), Path(de)) for split, (en, de) in sources.items()}
    with AtomicOutputs() as out:
        for split, (en, de) in pairs.items():
            out.write_lines(layout.raw_translate(split, "en"), en)
            out.write_lines(layout.raw_translate(split, "de"), de)
    return {split: len(en) for split, (en, _) in pairs.items()}


# PTB sample ------------------------------------------------------------------


def parse_range(text: str) -> tuple[int, int]:
    """``"160-179"`` -> (160, 179); ``"5"`` -> (5, 5). Inclusive, 1-based file numbers."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", str(text))
    if not match:
        raise MtseqError(f"file range must look like 1-159, got {text!r}")
    lo = int(match.group(1))
    hi = int(match.group(2)) if match.group(2) is not None else lo
    return lo, hi


def _check_splits(split_by_file: Mapping[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    splits = {}
    for split, rng in split_by_file.items():
        if split not in SPLITS:
            raise MtseqError(f"unknown split '{split}' (known: {', '.join(SPLITS)})")
        lo, hi = parse_range(rng) if isinstance(rng, str) else (int(rng[0]), int(rng[1]))
        if lo < 1 or hi < lo:
            raise MtseqError(f"split '{split}': file range {lo}-{hi} is empty or not positive")
        splits[split] = (lo, hi)
    missing = [s for s in SPLITS if s not in splits]
    if missing:
        raise MtseqError(f"no file range for split(s) {', '.join(missing)}")
    ordered = sorted(splits.items(), key=lambda kv: kv[1])
    for (a, (_, a_hi)), (b, (b_lo, _)) in zip(ordered, ordered[1:]):
        if b_lo <= a_hi:
            raise MtseqError(f"file ranges of '{a}' and '{b}' overlap")
    return splits


def _mrg_sources(source: Path) -> dict[int, tuple[str, bytes]]:
    """File number -> (name for messages, content) of every wsj_NNNN.mrg in a zip or folder."""
    found: dict[int, tuple[str, bytes]] = {}

    def add(name: str, where: str, read) -> None:
        match = _WSJ.match(Path(name).name)
        if not match:
            return
        num = int(match.group(1))
        if num in found:
            raise MtseqError(f"two files for wsj_{num:04d}.mrg: {found[num][0]} and {where}", source)
        found[num] = (where, read())

    if source.is_dir():
        for path in sorted(source.rglob("*.mrg")):
            add(path.name, str(path), path.read_bytes)
    elif source.is_file():
        try:
            with zipfile.ZipFile(source) as zf:
                for info in zf.infolist():
                    if not info.is_dir():
                        add(info.filename, f"{source}:{info.filename}", lambda info=info: zf.read(info))
        except (zipfile.BadZipFile, zlib.error, EOFError) as err:
            detail = " ".join(str(err).split()) or type(err).__name__
            raise MtseqError(f"corrupt or truncated zip archive ({detail})", source) from None
    else:
        raise MtseqError("PTB source not found (expected treebank.zip or a folder of wsj_*.mrg)", source)
    if not found:
        raise MtseqError("no wsj_NNNN.mrg files found", source)
    return found


def count_trees(text: str, where: str) -> int:
    """Top-level bracketed trees in PTB text, by bracket balance."""
    depth = trees = 0
    for lineno, line in enumerate(text.split("\n"), 1):
        for ch in line:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    raise MtseqError(f"unbalanced brackets: extra ')' on line {lineno}", where)
                if depth == 0:
                    trees += 1
    if depth:
        raise MtseqError(f"unbalanced brackets: {depth} bracket(s) still open at end of file", where)
    return trees


def prepare_ptb_sample(
    source: str | Path,
    layout: Layout,
    split_by_file: Mapping[str, tuple[int, int] | str] | None = None,
) -> dict[str, dict[str, int]]:
    """Split the WSJ sample by file into ``raw/trees.<split>.mrg``; return per split files and trees.

    ``source`` is NLTK's ``treebank.zip`` or a folder holding ``wsj_*.mrg``
    (e.g. the zip unpacked). ``split_by_file`` maps each split to an
    inclusive range of file numbers (default train 1-159, valid 160-179,
    test 180-199); files outside every range are left out.
    """
    source = Path(source)
    splits = _check_splits(default_ptb_splits() if split_by_file is None else split_by_file)
    return write_tree_splits(_mrg_sources(source), splits, layout, source)


def write_tree_splits(
    files: Mapping[int, tuple[str, bytes]], splits: Mapping[str, tuple[int, int]], layout: Layout, source: Path
) -> dict[str, dict[str, int]]:
    """Concatenate each split's files (by file number, in order) into ``raw/trees.<split>.mrg``, all together."""
    stats: dict[str, dict[str, int]] = {}
    texts: dict[str, str] = {}
    for split, (lo, hi) in splits.items():
        chosen = [n for n in sorted(files) if lo <= n <= hi]
        if not chosen:
            raise MtseqError(f"split '{split}': no wsj_*.mrg file numbered {lo}-{hi}", source)
        parts, n_trees = [], 0
        for num in chosen:
            where, data = files[num]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                line = data[: err.start].count(b"\n") + 1
                raise MtseqError(f"invalid UTF-8 (byte 0x{data[err.start]:02x})", where, line) from None
            n = count_trees(text, where)
            if n == 0:
                raise MtseqError("no trees in file", where)
            n_trees += n
            parts.append(text if text.endswith("\n") else text + "\n")
        texts[split] = "".join(parts)
        stats[split] = {"files": len(chosen), "trees": n_trees}
    with AtomicOutputs() as out:
        for split, text in texts.items():
            with open(out.path(layout.raw_trees(split)), "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
    return stats
