"""From a sentence structure to its outputs: English text and tree, German text, reordering.

The word alignment is exact (shared keys), so "does German reorder more than
adjacent swaps?" is a property computed here, not estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

from mtseq.corpora.synth.english import detokenise, leaves, sentence_tree, tree_str
from mtseq.corpora.synth.german import German
from mtseq.corpora.synth.syntax import Sentence


@dataclass(frozen=True)
class Pair:
    en: str  # detokenised English
    tree: str  # PTB tree, one line
    en_tokens: tuple[str, ...]
    de: str = ""
    de_tokens: tuple[str, ...] = ()
    reordered: bool = False  # German order differs from English by more than adjacent swaps


def render(s: Sentence, cue_words: dict[str, str], german: bool = True) -> Pair:
    tree = sentence_tree(s)
    en_leaves = leaves(tree)
    en_tokens = tuple(leaf.word for leaf in en_leaves)
    en = detokenise(list(en_tokens))
    if not german:
        return Pair(en, tree_str(tree), en_tokens)
    cues = frozenset(cue_words[w] for w in en_tokens if w in cue_words)
    de_toks = German(cues).sentence(s)
    de_tokens = tuple(w for w, _ in de_toks)
    position = {leaf.key: i for i, leaf in enumerate(en_leaves) if leaf.key is not None}
    order = [position[k] for _, k in de_toks if k in position]
    return Pair(en, tree_str(tree), en_tokens, detokenise(list(de_tokens)), de_tokens, beyond_adjacent_swaps(order))


def beyond_adjacent_swaps(order: list[int]) -> bool:
    """True unless ``order`` (English positions in German order) is sorted up to disjoint adjacent swaps."""
    ranks = sorted(range(len(order)), key=lambda i: (order[i], i))
    perm = [0] * len(order)
    for rank, i in enumerate(ranks):
        perm[i] = rank
    i = 0
    while i < len(perm):
        if perm[i] == i:
            i += 1
        elif i + 1 < len(perm) and perm[i] == i + 1 and perm[i + 1] == i:
            i += 2
        else:
            return True
    return False
