"""Several aligned EN-DE corpora (WMT'15: Europarl, Common Crawl, News Commentary) into one raw/ pair.

Streamed pair by pair, so 4.5M sentence pairs never sit in memory. Web-crawled
corpora have pairs with one side empty; training data may drop them
(``drop_empty``, counted per corpus), test data may not: a dropped line
there would misalign hypotheses and references.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest
from pathlib import Path

from mtseq.corpora.fetch.sources import iter_lines
from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs


def prepare_parallel_sources(
    en_sources: Sequence[str | Path],
    de_sources: Sequence[str | Path],
    out_en: str | Path,
    out_de: str | Path,
    drop_empty: bool = False,
    stats_path: str | Path | None = None,
) -> dict:
    """Concatenate the aligned pairs ``en_sources[i]`` / ``de_sources[i]``; outputs land together."""
    if len(en_sources) != len(de_sources) or not en_sources:
        raise MtseqError(f"give as many English as German sources (got {len(en_sources)} and {len(de_sources)})")
    per_source = []
    with AtomicOutputs() as out:
        with (
            open(out.path(out_en), "w", encoding="utf-8", newline="\n") as fen,
            open(out.path(out_de), "w", encoding="utf-8", newline="\n") as fde,
        ):
            for en_src, de_src in zip(en_sources, de_sources):
                kept = dropped = 0
                for en, de in _aligned(en_src, de_src):
                    (i, en_line), (_, de_line) = en, de
                    if not en_line or not de_line:
                        if not drop_empty:
                            where = en_src if not en_line else de_src
                            raise MtseqError("empty line (drop_empty pairs only in training data)", where, i)
                        dropped += 1
                        continue
                    fen.write(en_line + "\n")
                    fde.write(de_line + "\n")
                    kept += 1
                if kept == 0:
                    raise MtseqError(f"no sentence pairs (with {de_src})", en_src)
                per_source.append({"en": str(en_src), "de": str(de_src), "pairs": kept, "dropped_empty": dropped})
        stats = {
            "pairs": sum(s["pairs"] for s in per_source),
            "dropped_empty": sum(s["dropped_empty"] for s in per_source),
            "sources": per_source,
        }
        if stats_path is not None:
            out.write_json(stats_path, stats)
    return stats


def _aligned(en_src, de_src):
    """Line pairs of two sources in step; a source that ends early is refused with both counts."""
    n = 0
    for en, de in zip_longest(iter_lines(en_src), iter_lines(de_src)):
        if en is None or de is None:
            short, longer = (en_src, de_src) if en is None else (de_src, en_src)
            raise MtseqError(f"aligned files differ in line count: {short} ends after {n} lines", longer, n + 1)
        n += 1
        yield en, de
