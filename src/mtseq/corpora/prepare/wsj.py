"""The full Penn Treebank WSJ (LDC99T42) into raw/, split by section: 02-21 train, 22 valid, 23 test.

The treebank is licensed by the LDC and cannot be downloaded, so the user
points the config at their copy (``data.prepare.trees.wsj_root``): the
folder holding the section folders ``00`` … ``24`` with ``wsj_SSNN.mrg``
files (``treebank_3/parsed/mrg/wsj`` in the LDC release). A file's number
``SSNN`` carries its section ``SS``, so sections are file ranges and the
NLTK sample's splitter does the work. A missing copy, a missing section or
a file in the wrong section folder is one line saying what to supply.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from mtseq.config import schema_default
from mtseq.corpora.prepare.plain import _check_splits, _mrg_sources, write_tree_splits
from mtseq.errors import MtseqError
from mtseq.layout import SPLITS, Layout

WHAT_TO_SUPPLY = (
    "set data.prepare.trees.wsj_root to your copy of the Penn Treebank WSJ (LDC99T42, licensed by the LDC): "
    "the folder holding the section folders 00-24 of wsj_SSNN.mrg files (treebank_3/parsed/mrg/wsj)"
)


def parse_sections(text: str) -> tuple[int, int]:
    """``"02-21"`` -> (2, 21); ``"23"`` -> (23, 23)."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*(?:-\s*(\d{1,2})\s*)?", str(text))
    if not match:
        raise MtseqError(f"sections must look like 02-21 or 23, got {text!r}")
    lo = int(match.group(1))
    hi = int(match.group(2)) if match.group(2) is not None else lo
    if hi < lo or hi > 24:
        raise MtseqError(f"sections {text!r}: WSJ has sections 00-24")
    return lo, hi


def wsj_root(path: str | Path) -> Path:
    """The configured path with ``~`` and ``$VARS`` expanded."""
    return Path(os.path.expandvars(os.path.expanduser(str(path))))


def prepare_wsj(
    root: str | Path,
    layout: Layout,
    sections: Mapping[str, tuple[int, int] | str] | None = None,
) -> dict[str, dict[str, int]]:
    """Write ``raw/trees.<split>.mrg`` from the WSJ sections of each split; return files and trees per split."""
    root = wsj_root(root)
    if not root.is_dir():
        raise MtseqError(f"Penn Treebank WSJ not found: {WHAT_TO_SUPPLY}", root)
    if sections is None:  # the schema's defaults (02-21, 22, 23)
        sections = {split: schema_default(f"data.prepare.trees.sections.{split}") for split in SPLITS}
    by_split = {s: parse_sections(v) if isinstance(v, str) else tuple(v) for s, v in sections.items()}
    unknown = sorted(set(by_split) - set(SPLITS))
    if unknown:
        raise MtseqError(f"unknown split(s) {', '.join(unknown)} (known: {', '.join(SPLITS)})")
    ranges = _check_splits({s: (lo * 100, hi * 100 + 99) for s, (lo, hi) in by_split.items()})
    try:
        files = _mrg_sources(root)
    except MtseqError as err:
        raise MtseqError(f"{err.message}: {WHAT_TO_SUPPLY}", root) from None
    _check_section_folders(files)
    present = {num // 100 for num in files}
    wanted = sorted({sec for lo, hi in by_split.values() for sec in range(lo, hi + 1)})
    missing = [f"{sec:02d}" for sec in wanted if sec not in present]
    if missing:
        raise MtseqError(f"WSJ section(s) {', '.join(missing)} have no wsj_*.mrg files: {WHAT_TO_SUPPLY}", root)
    stats = write_tree_splits(files, ranges, layout, root)
    for split, (lo, hi) in by_split.items():
        stats[split]["sections"] = f"{lo:02d}-{hi:02d}" if hi > lo else f"{lo:02d}"
    return stats


def _check_section_folders(files: Mapping[int, tuple[str, bytes]]) -> None:
    """A file in a two-digit folder must belong to that section (wsj/02/wsj_0201.mrg)."""
    for num, (where, _) in files.items():
        folder = Path(where).parent.name
        if re.fullmatch(r"\d\d", folder) and int(folder) != num // 100:
            raise MtseqError(f"file of section {num // 100:02d} in the folder of section {folder}", where)
