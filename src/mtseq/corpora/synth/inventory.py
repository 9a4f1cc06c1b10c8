"""The loaded lexicon with Zipfian samplers over selectionally filtered word lists.

Zipf ranks come from table order, never from the data seed, so every seed
shares one frequency profile: the small translation task then covers most
of the words its test set uses.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Sequence
from functools import cached_property

from mtseq.corpora.synth.lexicon import Adj, Adv, Noun, VerbSense
from mtseq.corpora.synth.nouns import load_nouns
from mtseq.corpora.synth.verbs import load_verbs
from mtseq.corpora.synth.words import PREPOSITIONS, load_adjectives, load_adverbs, load_names

ZIPF_S = 0.9


class Sampler:
    """Draw from a fixed list with weights 1/(rank+1)^s."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, items: Sequence, s: float = ZIPF_S):
        self.items = list(items)
        self.cum, acc = [], 0.0
        for i in range(len(self.items)):
            acc += 1.0 / (i + 1) ** s
            self.cum.append(acc)
        self.total = acc

    def __bool__(self) -> bool:
        return bool(self.items)

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


class Lexicon:
    def __init__(self) -> None:
        self.nouns: list[Noun] = load_nouns()
        self.verbs: list[VerbSense] = load_verbs()
        self.adjs: list[Adj] = load_adjectives()
        self.advs: list[Adv] = load_adverbs()
        self.names = load_names()
        self.preps = PREPOSITIONS
        self.noun_by_en = {n.en: n for n in self.nouns}
        self._cache: dict = {}

    def sampler(self, key, build: Callable[[], Sequence]) -> Sampler:
        s = self._cache.get(key)
        if s is None:
            s = self._cache[key] = Sampler(build())
        return s

    def nouns_with(self, tags: frozenset[str], exclude: frozenset[str] = frozenset()) -> Sampler:
        """Nouns having any of ``tags`` and none of ``exclude``."""
        return self.sampler(
            ("noun", tags, exclude),
            lambda: [n for n in self.nouns if n.tags & tags and not n.tags & exclude],
        )

    def verbs_for(self, kind: str, subj: frozenset[str] | None = None, obj: frozenset[str] | None = None) -> Sampler:
        """Verb senses of a frame whose subject (object) may have one of ``subj`` (``obj``) tags."""
        return self.sampler(
            ("verb", kind, subj, obj),
            lambda: [
                v
                for v in self.verbs
                if v.frame.kind == kind and (subj is None or v.subj & subj) and (obj is None or v.frame.obj & obj)
            ],
        )

    def adjs_for(self, tags: frozenset[str]) -> Sampler:
        return self.sampler(("adj", tags), lambda: [a for a in self.adjs if a.tags & tags])

    def advs_of(self, kind: str) -> Sampler:
        return self.sampler(("adv", kind), lambda: [a for a in self.advs if a.kind == kind])

    @cached_property
    def cue_words(self) -> dict[str, str]:
        """English word form -> context label it signals (river, money)."""
        out = {}
        for n in self.nouns:
            if n.cue and n.en != "bank":
                out[n.en] = out[n.en_pl] = n.cue
        for v in self.verbs:
            if v.cue:
                for f in (v.en.base, v.en.s3, v.en.past, v.en.pp, v.en.ing):
                    out[f] = v.cue
        return out

    @cached_property
    def lemma_count(self) -> int:
        """Distinct English lemmas: nouns, verbs, adjectives, adverbs, names, prepositions."""
        lemmas = {("n", n.en) for n in self.nouns}
        lemmas |= {("v", v.en.base + v.en.prt) for v in self.verbs}
        lemmas |= {("a", a.en) for a in self.adjs} | {("r", a.en) for a in self.advs}
        lemmas |= {("p", n.en) for n in self.names} | {("i", p.name) for p in self.preps.values()}
        return len(lemmas)

    def english_forms(self) -> set[str]:
        """Every English word form the lexicon can produce (content words)."""
        forms = set()
        for n in self.nouns:
            forms |= {n.en, n.en_pl}
        for v in self.verbs:
            forms |= {v.en.base, v.en.s3, v.en.past, v.en.pp, v.en.ing}
            if v.en.prt:
                forms.add(v.en.prt)
        forms |= {a.en for a in self.adjs} | {a.en for a in self.advs} | {n.en for n in self.names}
        return forms


_LEXICON: Lexicon | None = None


def lexicon() -> Lexicon:
    """The shared lexicon (parsed once per process)."""
    global _LEXICON
    if _LEXICON is None:
        _LEXICON = Lexicon()
    return _LEXICON
