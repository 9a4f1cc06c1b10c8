"""Labelled-bracket precision, recall and F1 with EVALB's COLLINS.prm conventions.

Parsing results are only comparable with the literature when scored the way
EVALB scores them, so this follows ``evalb -p COLLINS.prm``:

- words tagged ```` `` '' . : , ```` (and traces, ``-NONE-``) are deleted
  before scoring; brackets are spans over the remaining words, and a
  bracket left spanning nothing is dropped;
- POS nodes are not brackets; labels are compared after cutting function
  tags and indices at the first ``-`` or ``=`` (``NP-SBJ-1`` = ``NP``), and
  ``ADVP`` = ``PRT``;
- root wrappers (``TOP``, ``ROOT``, or an empty label) are not brackets: a
  tree scores the same with or without one. The sentence's real top phrase
  (``S`` over the whole sentence) is a bracket, as in EVALB on
  ``(TOP (S ...))``;
- brackets match one-to-one (a multiset), and the corpus score is
  micro-averaged: matched / test brackets, matched / gold brackets;
- a sentence whose words differ from the gold's is an error sentence: not
  scored, but counted (``length_mismatch``), as EVALB does.

Our hypotheses carry ``XX`` for every POS tag, so punctuation cannot be found
from their own tags; when a hypothesis has exactly the gold's words the
gold's tags decide which positions are deleted (what EVALB gives once gold
tags are put back, as Vinyals et al. did). Otherwise each tree's own tags do.
Scores are percentages, like EVALB's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nltk import Tree

from mtseq.errors import MtseqError
from mtseq.trees.clean import is_preterminal
from mtseq.trees.ptb import read_trees

PUNCTUATION = frozenset({"``", "''", ".", ":", ","})
DELETED_WORDS = PUNCTUATION | {"-NONE-"}
DELETED_BRACKETS = DELETED_WORDS | {"", "TOP", "ROOT"}
EQUIVALENT = {"PRT": "ADVP"}

OK, MISMATCH, SKIPPED = "ok", "length_mismatch", "skipped"


@dataclass(frozen=True)
class SentenceScore:
    """One sentence's bracket counts; ``status`` says whether it enters the corpus score."""

    matched: int
    gold: int
    test: int
    status: str = OK

    @property
    def exact(self) -> bool:
        return self.status == OK and self.matched == self.gold == self.test


def bracket_label(label: str) -> str | None:
    """The label EVALB compares, or None when brackets with it are not scored."""
    for i, ch in enumerate(label):
        if ch in "-=" and i > 0:
            label = label[:i]
            break
    if label in DELETED_BRACKETS:
        return None
    return EQUIVALENT.get(label, label)


def tagged_words(tree: Tree) -> list[tuple[str, str]]:
    """``(word, POS)`` in order; a word not under a POS node gets the tag ``""``."""
    out: list[tuple[str, str]] = []
    todo: list[Tree | str] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, str):
            out.append((node, ""))
        elif is_preterminal(node):
            out.append((node[0], node.label()))
        else:
            todo.extend(reversed(list(node)))
    return out


def brackets(tree: Tree, keep: Sequence[bool]) -> Counter[tuple[str, int, int]]:
    """The scored brackets ``(label, start, end)`` over kept words (``keep[i]``: word i is scored)."""
    out: Counter[tuple[str, int, int]] = Counter()
    i = kept = 0  # words seen, kept words seen
    todo: list[tuple[Tree | str, int]] = [(tree, -1)]  # (node, -1) to enter; (node, start) to leave
    while todo:
        node, start = todo.pop()
        if start >= 0:
            label = bracket_label(node.label())
            if label is not None and kept > start:
                out[(label, start, kept)] += 1
        elif isinstance(node, str) or is_preterminal(node):
            kept += keep[i]
            i += 1
        else:
            todo.append((node, kept))
            todo.extend((child, -1) for child in reversed(list(node)))
    return out


def score_sentence(gold: Tree, test: Tree) -> SentenceScore:
    gold_words = tagged_words(gold)
    test_words = tagged_words(test)
    gold_keep = [tag not in DELETED_WORDS for _, tag in gold_words]
    if [w for w, _ in test_words] == [w for w, _ in gold_words]:
        test_keep = gold_keep
    else:
        test_keep = [tag not in DELETED_WORDS for _, tag in test_words]
        kept_gold = [w for (w, _), k in zip(gold_words, gold_keep) if k]
        kept_test = [w for (w, _), k in zip(test_words, test_keep) if k]
        if kept_gold != kept_test:
            return SentenceScore(0, 0, 0, MISMATCH)
    if not any(gold_keep):
        return SentenceScore(0, 0, 0, SKIPPED)
    g = brackets(gold, gold_keep)
    t = brackets(test, test_keep)
    return SentenceScore((g & t).total(), g.total(), t.total())


def score_sentences(gold: Sequence[Tree], test: Sequence[Tree]) -> list[SentenceScore]:
    """Per-sentence counts (what a paired bootstrap resamples)."""
    if len(gold) != len(test):
        raise MtseqError(f"{len(gold)} gold trees but {len(test)} test trees")
    return [score_sentence(g, t) for g, t in zip(gold, test)]


def corpus_scores(scores: Iterable[SentenceScore]) -> dict:
    """Micro-averaged P/R/F1 and exact match (percent) over the scored sentences, and the counts."""
    scores = list(scores)
    valid = [s for s in scores if s.status == OK]
    matched = sum(s.matched for s in valid)
    n_gold = sum(s.gold for s in valid)
    n_test = sum(s.test for s in valid)
    precision = 100.0 * matched / n_test if n_test else 0.0
    recall = 100.0 * matched / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "sentences": len(scores),
        "scored": len(valid),
        "length_mismatch": sum(s.status == MISMATCH for s in scores),
        "skipped": sum(s.status == SKIPPED for s in scores),
        "matched": matched,
        "gold_brackets": n_gold,
        "test_brackets": n_test,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "exact_match": 100.0 * sum(s.exact for s in valid) / len(valid) if valid else 0.0,
    }


def score_trees(gold: Sequence[Tree], test: Sequence[Tree]) -> dict:
    """Corpus scores of ``test`` against ``gold``, aligned by position."""
    return corpus_scores(score_sentences(gold, test))


def score_files(gold_path: str | Path, test_path: str | Path) -> dict:
    """``score_trees`` on two PTB files (e.g. the cleaned gold and delinearised output)."""
    gold, test = read_trees(gold_path), read_trees(test_path)
    if len(gold) != len(test):
        raise MtseqError(f"{len(gold)} gold trees but {len(test)} test trees in {test_path}", gold_path)
    return score_trees(gold, test)
