"""BLEU and chrF for translation and captioning, comparable with published numbers.

Our models read and write Moses-tokenised text. sacrebleu's BLEU is defined
on detokenised text with its own tokeniser, so we detokenise hypotheses
*and* references with sacremoses for the target language and store the
sacrebleu signature beside the score: that number can be compared across
papers. The paper (2016) reported tokenised, case-sensitive BLEU
(multi-bleu.perl); ``bleu_tok`` is that variant, computed on the tokenised
strings as they are, for comparison with its tables.

References are given per hypothesis: ``refs[i]`` holds every reference of
``hyps[i]`` (one for translation, several for a captioned image).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from sacrebleu.metrics import BLEU, CHRF
from sacremoses import MosesDetokenizer

from mtseq.errors import MtseqError
from mtseq.io import check_aligned, read_lines
from mtseq.layout import Layout
from mtseq.tasks import get_task


@lru_cache(maxsize=4)
def _detokenizer(lang: str) -> MosesDetokenizer:
    return MosesDetokenizer(lang=lang)


def detokenize(lines: Sequence[str], lang: str) -> list[str]:
    """Moses-detokenise (and unescape &apos; etc.) one sentence a line."""
    detok = _detokenizer(lang)
    return [detok.detokenize(line.split()).strip() for line in lines]


def ref_streams(refs: Sequence[Sequence[str]]) -> list[list[str | None]]:
    """Per-hypothesis reference lists -> sacrebleu streams (None pads missing refs)."""
    width = max((len(r) for r in refs), default=0)
    return [[r[k] if k < len(r) else None for r in refs] for k in range(width)]


class References:
    """Reference sets prepared once (checked, detokenised, as sacrebleu streams) for every hypothesis set scored.

    Evaluation scores beam and greedy output against the same references; detokenising
    them once per split is what this saves.
    """

    def __init__(self, refs: Sequence[Sequence[str]], lang: str):
        if not refs:
            raise MtseqError("no reference sets to score against")
        for i, r in enumerate(refs):
            if not r:
                raise MtseqError(f"segment {i + 1} has no reference")
        self.lang = lang
        self.size = len(refs)
        self.tokenised = ref_streams(refs)
        self.detokenised = ref_streams([detokenize(r, lang) for r in refs])

    def scores(self, hyps: Sequence[str]) -> dict[str, float | str]:
        """BLEU and chrF on detokenised text (with signatures) and tokenised BLEU of Moses-tokenised ``hyps``."""
        if len(hyps) != self.size:
            raise MtseqError(f"{len(hyps)} hypotheses but {self.size} reference sets")
        d_hyps = detokenize(hyps, self.lang)
        bleu, chrf = BLEU(), CHRF()
        # multi-bleu.perl: the given tokens, case-sensitive, no smoothing.
        bleu_tok = BLEU(tokenize="none", smooth_method="none", force=True)
        b = bleu.corpus_score(d_hyps, self.detokenised)
        c = chrf.corpus_score(d_hyps, self.detokenised)
        bt = bleu_tok.corpus_score(list(hyps), self.tokenised)
        return {
            "bleu": float(b.score),
            "chrf": float(c.score),
            "bleu_tok": float(bt.score),
            "bleu_signature": str(bleu.get_signature()),
            "chrf_signature": str(chrf.get_signature()),
            "bleu_tok_signature": str(bleu_tok.get_signature()),
        }


def text_scores(hyps: Sequence[str], refs: Sequence[Sequence[str]], lang: str) -> dict[str, float | str]:
    """``References(refs, lang).scores(hyps)``: Moses-tokenised ``hyps`` and ``refs``, ``lang`` the target's."""
    if len(hyps) != len(refs):
        raise MtseqError(f"{len(hyps)} hypotheses but {len(refs)} reference sets")
    return References(refs, lang).scores(hyps)


def group_references(lines: Sequence[str], image_ids: Sequence[str | int]) -> tuple[list[int], list[list[str]]]:
    """Caption lines -> (sorted image ids, their reference sets).

    The captioning hypotheses are one per image, in ascending image id
    (= feature row) order; this returns the references in that order.
    """
    check_aligned({"captions": lines, "image ids": image_ids})
    groups: dict[int, list[str]] = {}
    for line, img in zip(lines, image_ids):
        groups.setdefault(int(img), []).append(line)
    ids = sorted(groups)
    return ids, [groups[i] for i in ids]


def read_image_ids(path: str | Path) -> list[int]:
    out = []
    for i, line in enumerate(read_lines(path, allow_empty_lines=False), 1):
        try:
            out.append(int(line))
        except ValueError:
            raise MtseqError(f"image id {line!r} is not an integer", path, i) from None
    return out


def read_references(text: str | Path, image_ids: str | Path | None = None) -> list[list[str]]:
    """Reference sets from files: one per line, or grouped by image id for captions."""
    lines = read_lines(text)
    if image_ids is None:
        return [[ln] for ln in lines]
    ids = read_image_ids(image_ids)
    if len(ids) != len(lines):
        raise MtseqError(f"{len(lines)} captions but {len(ids)} image ids in {image_ids}", text)
    return group_references(lines, ids)[1]


def task_references(task: str, data_root: str | Path, split: str) -> list[list[str]]:
    """The tokenised reference sets of a translation or captioning task."""
    t = get_task(task)
    if t.kind not in ("translate", "caption"):
        raise MtseqError(f"task {task} is not scored with BLEU (kind {t.kind})")
    files = t.files(Layout(data_root), split)
    return read_references(files["target"], files.get("image_ids"))


def task_lang(task: str) -> str:
    """The language that BLEU of this task is computed in (its target)."""
    return get_task(task).target
