"""Frequency-capped vocabularies, one per language or modality.

File format: UTF-8, one ``token<TAB>count`` a line, most frequent first,
the four specials on top with count 0. Ids are line numbers (0-based), so
the file is the whole mapping and diffs readably under DVC. With subwords
(``mtseq.text.subword``) the tokens are subwords and a codes file beside
the vocabulary says how words split; ``encode`` takes words and ``decode``
gives words either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from mtseq.errors import MtseqError
from mtseq.io import read_lines, write_lines
from mtseq.text.subword import Segmenter, join_subwords

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"
SPECIALS = (PAD, UNK, BOS, EOS)
PAD_ID, UNK_ID, BOS_ID, EOS_ID = range(4)


class Vocab:
    def __init__(self, tokens: list[str], counts: list[int] | None = None, segmenter: Segmenter | None = None):
        if tuple(tokens[:4]) != SPECIALS:
            raise ValueError(f"vocabulary must start with {SPECIALS}")
        self.tokens = tokens
        self.counts = counts or [0] * len(tokens)
        self.index = {t: i for i, t in enumerate(tokens)}
        if len(self.index) != len(tokens):
            raise ValueError("duplicate token in vocabulary")
        self.segmenter = segmenter

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, words: Iterable[str]) -> list[int]:
        get = self.index.get
        if self.segmenter is not None:
            words = self.segmenter.segment(words)
        return [get(w, UNK_ID) for w in words]

    def decode(self, ids: Iterable[int], strip: bool = True) -> list[str]:
        out = []
        for i in ids:
            i = int(i)
            if strip and i == EOS_ID:
                break
            if strip and i in (PAD_ID, BOS_ID):
                continue
            out.append(self.tokens[i])
        return out if self.segmenter is None else join_subwords(out)

    @classmethod
    def build(cls, lines: Iterable[str], max_size: int, min_count: int) -> Vocab:
        """Most frequent tokens first; ties broken alphabetically so builds are reproducible."""
        counter: Counter[str] = Counter()
        for line in lines:
            counter.update(line.split())
        for special in SPECIALS:
            counter.pop(special, None)
        ranked = sorted((kv for kv in counter.items() if kv[1] >= min_count), key=lambda kv: (-kv[1], kv[0]))
        ranked = ranked[: max(0, max_size - len(SPECIALS))]
        return cls(list(SPECIALS) + [t for t, _ in ranked], [0] * len(SPECIALS) + [c for _, c in ranked])

    def lines(self) -> list[str]:
        """The file's lines: ``token<TAB>count``, in id order."""
        return [f"{t}\t{c}" for t, c in zip(self.tokens, self.counts, strict=True)]

    def save(self, path: str | Path) -> None:
        write_lines(path, self.lines())

    @classmethod
    def load(cls, path: str | Path, codes: str | Path | None = None) -> Vocab:
        """The vocabulary file, with the subwords of ``codes`` (a codes file) when given."""
        tokens, counts = [], []
        first: dict[str, int] = {}
        for i, line in enumerate(read_lines(path, allow_empty_lines=False), 1):
            parts = line.split("\t")
            if len(parts) != 2 or not parts[1].isdigit():
                raise MtseqError("expected 'token<TAB>count'", path, i)
            if parts[0] in first:
                raise MtseqError(
                    f"duplicate token in vocabulary: {parts[0]!r} (first on line {first[parts[0]]})", path, i
                )
            first[parts[0]] = i
            tokens.append(parts[0])
            counts.append(int(parts[1]))
        if tuple(tokens[:4]) != SPECIALS:
            raise MtseqError(f"vocabulary must start with {' '.join(SPECIALS)}", path, 1)
        return cls(tokens, counts, Segmenter.load(codes) if codes is not None else None)
