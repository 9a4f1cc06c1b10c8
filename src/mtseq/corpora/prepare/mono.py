"""A seeded sample of monolingual news text (WMT'15 news-crawl) for the autoencoder and skip-thought tasks.

The paper trains its unsupervised tasks on 10% of the WMT'15 monolingual
data (12.1M English, 13.8M German sentences). The draw must be reproducible
and must never put one sentence in two splits, even though news-crawl
repeats sentences; so each unit goes to a split by a keyed hash of its text
and the seed (``u`` in [0, 1)): ``u < fraction`` is training data, and the
``valid + test`` units with the smallest ``u`` above it are held out. One
streaming pass over any number of files, memory for the held-out units only,
and the sample keeps the order of the source.

news-crawl is shuffled sentence by sentence, so every sentence is its own
document (the paper's skip-thought variant predicts one half of a sentence
from the other: ``skipthought_halves_*``). A source that has documents,
blank lines between them, is sampled by document with ``documents=True``,
and its document ids make ``skipthought_*`` (next sentence) usable.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator, Sequence
from pathlib import Path

from mtseq.corpora.fetch.sources import iter_lines
from mtseq.errors import MtseqError
from mtseq.io import AtomicOutputs
from mtseq.layout import Layout


def unit_hash(text: str, seed: int) -> float:
    """A number in [0, 1) fixed by the text and the seed."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, key=str(seed).encode()).digest()
    return int.from_bytes(digest, "big") / 2**64


def _units(sources: Sequence[str | Path], documents: bool, counts: dict) -> Iterator[list[str]]:
    """Sentences (each a unit of one), or documents separated by blank lines."""
    for src in sources:
        doc: list[str] = []
        for _, line in iter_lines(src):
            counts["lines"] += 1
            if not line:
                counts["empty_lines"] += 1
                if documents and doc:
                    yield doc
                    doc = []
                continue
            if documents:
                doc.append(line)
            else:
                yield [line]
        if doc:
            yield doc


def prepare_mono(
    sources: Sequence[str | Path],
    lang: str,
    layout: Layout,
    fraction: float = 0.1,
    seed: int = 1,
    n_valid: int = 3000,
    n_test: int = 3000,
    documents: bool = False,
) -> dict:
    """Write ``raw/mono.<split>.<lang>`` and their ``.doc`` ids for train, valid and test; return counts."""
    if not 0.0 < fraction < 1.0:
        raise MtseqError(f"sample fraction must be between 0 and 1, not {fraction}")
    if n_valid < 1 or n_test < 1:
        raise MtseqError("valid and test need at least one unit each")
    if not sources:
        raise MtseqError(f"no monolingual sources for '{lang}'")
    counts = {"lines": 0, "empty_lines": 0, "units": 0}
    held: list[tuple[float, int, tuple[str, ...]]] = []  # max-heap on u (negated): the smallest u above fraction
    held_u: set[float] = set()
    n_held = n_valid + n_test
    train_units = train_sentences = 0
    with AtomicOutputs() as out:
        with (
            open(out.path(layout.raw_mono("train", lang)), "w", encoding="utf-8", newline="\n") as ftext,
            open(out.path(layout.mono_doc_ids("train", lang)), "w", encoding="utf-8", newline="\n") as fdoc,
        ):
            for order, unit in enumerate(_units(sources, documents, counts)):
                counts["units"] += 1
                u = unit_hash("\n".join(unit), seed)
                if u < fraction:
                    for line in unit:
                        ftext.write(line + "\n")
                        fdoc.write(f"{train_units}\n")
                    train_units += 1
                    train_sentences += len(unit)
                elif u not in held_u and (len(held) < n_held or -held[0][0] > u):
                    held_u.add(u)
                    if len(held) == n_held:
                        held_u.discard(-heapq.heappushpop(held, (-u, order, tuple(unit)))[0])
                    else:
                        heapq.heappush(held, (-u, order, tuple(unit)))
        if train_units == 0:
            raise MtseqError(f"the {fraction:g} sample is empty ({counts['units']} units in all)", sources[0])
        if len(held) < n_held:
            raise MtseqError(f"only {len(held)} units left for valid + test ({n_held} wanted)", sources[0])
        ranked = sorted(held, key=lambda h: -h[0])
        stats = {"lang": lang, "fraction": fraction, "seed": seed, "documents": documents, **counts}
        stats["train"] = {"units": train_units, "sentences": train_sentences}
        for split, part in (("valid", ranked[:n_valid]), ("test", ranked[n_valid:])):
            part.sort(key=lambda h: h[1])  # source order
            lines = [line for _, _, unit in part for line in unit]
            doc_ids = [str(i) for i, (_, _, unit) in enumerate(part) for _ in unit]
            out.write_lines(layout.raw_mono(split, lang), lines)
            out.write_lines(layout.mono_doc_ids(split, lang), doc_ids)
            stats[split] = {"units": len(part), "sentences": len(lines)}
    return stats
