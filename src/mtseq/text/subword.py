"""Byte-pair-encoding subwords (Sennrich et al. 2016, subword-nmt) under a vocabulary.

Words are Moses tokens; a word split into subwords marks every piece but
the last with ``@@``, so joining is exact and the files the rest of the
pipeline reads and writes (tokenised text, hypotheses) stay whole words.
The segmentation belongs to the vocabulary: a model's ids are subword ids,
and ``Vocab.encode``/``Vocab.decode`` split and join at that one seam.

A codes file is subword-nmt's (``#version: 0.2`` and one merge a line); a
file with the header and no merge means whole words, so every vocabulary
has one and a config switch cannot leave a stale segmentation behind.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from mtseq.errors import MtseqError
from mtseq.io import read_lines

HEADER = "#version: 0.2"
SEPARATOR = "@@"


def learn_codes(lines: Iterable[str], merges: int, min_frequency: int = 2) -> list[str]:
    """The codes file's lines: ``merges`` merges learned on ``lines`` (deterministic ties)."""
    from subword_nmt.learn_bpe import learn_bpe

    if merges <= 0:
        return [HEADER]
    out = io.StringIO()
    learn_bpe(io.StringIO("".join(f"{line}\n" for line in lines)), out, merges, min_frequency=min_frequency)
    return out.getvalue().splitlines()


def join_subwords(tokens: Iterable[str]) -> list[str]:
    """Subword tokens back to words; a dangling ``@@`` piece at the end stands as its own word."""
    words: list[str] = []
    piece = ""
    for tok in tokens:
        if tok.endswith(SEPARATOR):
            piece += tok[: -len(SEPARATOR)]
        else:
            words.append(piece + tok)
            piece = ""
    if piece:
        words.append(piece)
    return words


class Segmenter:
    """Splits words into the subwords of a codes file (subword-nmt's ``BPE``, with its cache)."""

    def __init__(self, codes: list[str]):
        from subword_nmt.apply_bpe import BPE

        self.merges = len(codes) - 1
        self._bpe = BPE(io.StringIO("".join(f"{c}\n" for c in codes)), separator=SEPARATOR)

    def segment(self, words: Iterable[str]) -> list[str]:
        return self._bpe.segment_tokens(list(words))

    @classmethod
    def from_codes(cls, codes: list[str]) -> Segmenter | None:
        """The segmenter of a codes file's lines, or None for whole words (a header and no merge)."""
        return cls(codes) if len(codes) > 1 else None

    @classmethod
    def load(cls, path: str | Path) -> Segmenter | None:
        """The codes file's segmenter, or None for whole words (a header and no merge)."""
        codes = read_lines(path, allow_empty_lines=False)
        if not codes or not codes[0].startswith("#version:"):
            raise MtseqError(f"not a subword-nmt codes file (expected '{HEADER}' on top)", path, 1)
        for i, line in enumerate(codes[1:], 2):
            if len(line.split(" ")) != 2:
                raise MtseqError(f"expected a merge 'left right', got {line[:40]!r}", path, i)
        return cls.from_codes(codes)
