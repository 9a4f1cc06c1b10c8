"""A task's examples for one split, read once and held as flat integer arrays.

Every task reduces to (source, target) pairs of token ids, or (image row,
target) for captions. Ragged sequences are stored as one flat int32 array
with offsets and lengths, so a batch is one vectorised gather and a corpus
of millions of lines stays a few arrays rather than millions of objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from mtseq.errors import MtseqError
from mtseq.io import check_aligned, check_input_file, read_lines
from mtseq.layout import Layout
from mtseq.tasks import Task, get_task
from mtseq.text.vocab import Vocab


@dataclass
class Ragged:
    """Sequences of token ids: ``flat[off[i] : off[i] + length[i]]`` is sequence i."""

    flat: np.ndarray  # int32
    off: np.ndarray  # int64
    length: np.ndarray  # int64

    @classmethod
    def from_lists(cls, seqs: list[list[int]]) -> Ragged:
        length = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        off = np.zeros(len(seqs), dtype=np.int64)
        if len(seqs):
            np.cumsum(length[:-1], out=off[1:])
        flat = np.fromiter((t for s in seqs for t in s), dtype=np.int32, count=int(length.sum()))
        return cls(flat, off, length)

    def take(self, idx: np.ndarray) -> Ragged:
        """A view-like subset (offsets into the same flat array)."""
        return Ragged(self.flat, self.off[idx], self.length[idx])

    def get(self, i: int) -> list[int]:
        return self.flat[self.off[i] : self.off[i] + self.length[i]].tolist()


@dataclass
class TaskData:
    """One task's (source, target) examples of one split."""

    task: Task
    target: Ragged
    source: Ragged | None = None  # text sources
    features: np.ndarray | None = None  # [n_images, dim] float32 (image sources)
    image: np.ndarray | None = None  # [n] int64 feature row per example
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count

    def __len__(self) -> int:
        return len(self.target.length)

    @property
    def source_length(self) -> np.ndarray:
        """Source tokens per example (1 for an image)."""
        if self.source is None:
            return np.ones(len(self), dtype=np.int64)
        return self.source.length

    def subset(self, idx: np.ndarray) -> TaskData:
        return replace(
            self,
            target=self.target.take(idx),
            source=None if self.source is None else self.source.take(idx),
            image=None if self.image is None else self.image[idx],
        )

    def drop_long(self, max_len: int | None) -> TaskData:
        """Drop examples with more than ``max_len`` tokens on either side, counting them."""
        if not max_len:
            return self
        keep = self.target.length <= max_len
        if self.source is not None:
            keep &= self.source.length <= max_len
        out = self.subset(np.flatnonzero(keep))
        out.skipped = {**self.skipped, "long": int((~keep).sum())}
        return out

    def tokens(self) -> int:
        """Source + target tokens (with the target's end-of-sentence) of the whole split."""
        src = 0 if self.source is None else int(self.source.length.sum())
        return src + int(self.target.length.sum()) + len(self)


def load_vocabs(layout: Layout, names) -> dict[str, Vocab]:
    """Vocabularies by modality name (en, de, lin), with their subwords; images have none.

    A data folder built before subwords existed has no codes files: its vocabularies are whole words.
    """
    vocabs = {}
    for name in sorted(set(names) - {"img"}):
        path, codes = layout.vocab_files(name)
        vocabs[name] = Vocab.load(path, codes if codes.exists() else None)
    return vocabs


def _encode(vocab: Vocab, lines: list[str]) -> list[list[int]]:
    return [vocab.encode(line.split()) for line in lines]


def _int_lines(path: Path) -> np.ndarray:
    values = []
    for i, line in enumerate(read_lines(path), 1):
        try:
            values.append(int(line.strip()))
        except ValueError:
            raise MtseqError(f"expected an integer, got {line.strip()[:30]!r}", path, i) from None
    return np.asarray(values, dtype=np.int64)


def _load_features(path: Path) -> np.ndarray:
    check_input_file(path)
    try:
        feats = np.load(path, allow_pickle=False)
    except ValueError as err:
        raise MtseqError(f"not a numpy array file: {err}", path) from None
    if feats.ndim != 2 or not np.issubdtype(feats.dtype, np.floating):
        raise MtseqError(f"expected a float array [n_images, dim], got {feats.dtype} {feats.shape}", path)
    finite = np.isfinite(feats).all(axis=1)
    if not finite.all():
        row = int(np.flatnonzero(~finite)[0])
        raise MtseqError(f"features contain NaN or inf (first in row {row})", path)
    return np.ascontiguousarray(feats, dtype=np.float32)


def _pairs(task: Task, files: dict, vocabs: dict[str, Vocab]) -> tuple[list, list, dict]:
    """(source id lists, target id lists, extra) for the text-source task kinds."""
    if task.kind in ("translate", "parse"):
        src, tgt = read_lines(files["source"]), read_lines(files["target"])
        check_aligned({files["source"]: src, files["target"]: tgt})
        return _encode(vocabs[task.source], src), _encode(vocabs[task.target], tgt), {}
    text_path, doc_path = files["text"], files["doc_ids"]
    text = read_lines(text_path)
    ids = _encode(vocabs[task.source], text)
    if task.kind == "autoencode":
        return ids, ids, {}
    if task.kind == "skipthought_halves":
        keep = [s for s in ids if len(s) >= 2]
        return [s[: len(s) // 2] for s in keep], [s[len(s) // 2 :] for s in keep], {"short": len(ids) - len(keep)}
    if task.kind == "skipthought":
        docs = read_lines(doc_path)
        check_aligned({text_path: text, doc_path: docs})
        docs = [d.strip() for d in docs]
        nxt = [i for i in range(len(ids) - 1) if docs[i] == docs[i + 1]]
        return [ids[i] for i in nxt], [ids[i + 1] for i in nxt], {}
    raise MtseqError(f"task kind '{task.kind}' has no reader")


def load_task(
    layout: Layout, task: Task | str, split: str, vocabs: dict[str, Vocab], max_len: int | None = None
) -> TaskData:
    """Read and tensorise one task's split; ``max_len`` drops (and counts) longer examples.

    Examples with an empty source are dropped too (an LSTM cannot encode
    nothing) and counted under ``skipped["empty"]``.
    """
    task = get_task(task) if isinstance(task, str) else task
    files = task.files(layout, split)
    if task.kind == "caption":
        feats = _load_features(files["features"])
        image = _int_lines(files["image_ids"])
        tgt_lines = read_lines(files["target"])
        check_aligned({files["image_ids"]: image, files["target"]: tgt_lines})
        bad = np.flatnonzero((image < 0) | (image >= len(feats)))
        if len(bad):
            raise MtseqError(
                f"image id {image[bad[0]]} outside the {len(feats)} feature rows of {files['features']}",
                files["image_ids"],
                int(bad[0]) + 1,
            )
        data = TaskData(task, Ragged.from_lists(_encode(vocabs[task.target], tgt_lines)), features=feats, image=image)
        return data.drop_long(max_len)
    src, tgt, skipped = _pairs(task, files, vocabs)
    data = TaskData(task, Ragged.from_lists(tgt), source=Ragged.from_lists(src), skipped=skipped)
    empty = data.source.length == 0
    if empty.any():
        data = data.subset(np.flatnonzero(~empty))
    data.skipped = {**skipped, "empty": int(empty.sum())}
    return data.drop_long(max_len)
