"""The high-confidence filter: keep the sentences two parsers agree on.

Vinyals et al. (2015) built their silver corpus from sentences on which two
different parsers produce the same tree; Luong et al. (2016) train on it.
Agreement here is EVALB's labelled-bracket F1 of parser B's tree against
parser A's (``mtseq.evaluate.parseval``), so it ignores what EVALB ignores
(POS tags, punctuation brackets, root wrappers). Both files are streamed:
the pool can be tens of millions of trees.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path
from typing import IO

from nltk import Tree

from mtseq.errors import MtseqError
from mtseq.evaluate.parseval import OK, SentenceScore, score_sentence
from mtseq.io import AtomicOutputs
from mtseq.trees.ptb import iter_trees, tree_to_line

EXACT = 100.0
_EPS = 1e-9  # F1 is a ratio of small integers; 100.0 must mean every bracket matched


def sentence_f1(score: SentenceScore) -> float | None:
    """Labelled-bracket F1 (percent) of one sentence, or None when nothing in it is scored."""
    if score.status != OK:
        return None
    total = score.gold + score.test
    return 100.0 * 2 * score.matched / total if total else None


def filter_agreeing(
    a_path: str | Path,
    b_path: str | Path,
    out_path: str | Path,
    stats_path: str | Path | None = None,
    min_f1: float = EXACT,
) -> dict:
    """Write parser A's trees whose F1 against parser B is at least ``min_f1``; return the statistics.

    Both files must hold parses of the same sentences in the same order; a
    tree count or word mismatch is refused with the line it is on. Sentences
    with nothing EVALB scores (all punctuation) are dropped: agreement on
    them means nothing. The trees and the statistics land together.
    """
    if not 0.0 <= min_f1 <= 100.0:
        raise MtseqError(f"min F1 must be between 0 and 100, not {min_f1}")
    with AtomicOutputs() as out:
        with open(out.path(out_path), "w", encoding="utf-8", newline="\n") as fh:
            stats = _filter(Path(a_path), Path(b_path), fh, min_f1)
        if stats_path is not None:
            out.write_json(stats_path, stats)
    return stats


def _pairs(a_path: Path, b_path: Path) -> Iterator[tuple[Tree, Tree]]:
    """The trees of both files in step, refusing files of different lengths or words."""
    n = 0
    for pair_a, pair_b in zip_longest(iter_trees(a_path), iter_trees(b_path)):
        if pair_a is None or pair_b is None:
            short, longer = (a_path, b_path) if pair_a is None else (b_path, a_path)
            line = (pair_b or pair_a)[1]
            raise MtseqError(f"{short} ends after {n} trees but this file goes on", longer, line)
        n += 1
        (tree_a, _), (tree_b, line_b) = pair_a, pair_b
        if tree_b.leaves() != tree_a.leaves():
            raise MtseqError(f"tree {n} has other words than tree {n} of {a_path}", b_path, line_b)
        yield tree_a, tree_b
    if n == 0:
        raise MtseqError("no trees in file", a_path)


def _filter(a_path: Path, b_path: Path, fh: IO[str], min_f1: float) -> dict:
    n_in = n_kept = n_unscored = 0
    f1_sum = 0.0
    matched = gold = test = 0
    seen: Counter[int] = Counter()
    kept: Counter[int] = Counter()
    for tree_a, tree_b in _pairs(a_path, b_path):
        n_in += 1
        length = len(tree_a.leaves())
        seen[length] += 1
        score = score_sentence(tree_a, tree_b)
        f1 = sentence_f1(score)
        if f1 is None:
            n_unscored += 1
            continue
        f1_sum += f1
        matched, gold, test = matched + score.matched, gold + score.gold, test + score.test
        if f1 >= min_f1 - _EPS:
            n_kept += 1
            kept[length] += 1
            fh.write(tree_to_line(tree_a) + "\n")
    n_scored = n_in - n_unscored
    return {
        "a": str(a_path),
        "b": str(b_path),
        "min_f1": min_f1,
        "n_in": n_in,
        "n_kept": n_kept,
        "n_unscored": n_unscored,
        "agreement_rate": n_kept / n_in,
        "mean_sentence_f1": f1_sum / n_scored if n_scored else None,
        "corpus_f1_b_vs_a": 100.0 * 2 * matched / (gold + test) if gold + test else None,
        "by_length": [{"length": n, "n": seen[n], "kept": kept[n], "rate": kept[n] / seen[n]} for n in sorted(seen)],
    }
