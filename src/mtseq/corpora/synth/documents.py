"""Monolingual documents: short ordered stories with a recurring cast.

A story has one tense family and a cast of two or three entities, a
protagonist first. Later mentions are definite or pronouns, so English
he/she/it/they and German er/sie/es (by grammatical gender: *das Mädchen ...
es*, *der Tisch ... er*) both need the preceding sentences: what
skip-thought-style tasks can learn from.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from mtseq.corpora.synth.grammar import Context, Grammar, entity_for, pick
from mtseq.corpora.synth.inventory import Lexicon
from mtseq.corpora.synth.lexicon import expand_tags
from mtseq.corpora.synth.render import Pair
from mtseq.corpora.synth.syntax import Clause, Entity, Sentence

CAST_TAGS = {"hum": 55, "ani": 30, "obj": 15}


def make_cast(rng: random.Random, lex: Lexicon) -> list[Entity]:
    """A protagonist (person or animal) and one or two others, preferably with other pronouns."""
    out: list[Entity] = []
    size = rng.choice((2, 2, 3))
    while len(out) < size:
        kind = "hum" if not out and rng.random() < 0.65 else pick(rng, CAST_TAGS)
        if not out and kind == "obj":
            kind = "ani"
        if kind == "hum" and rng.random() < 0.35:
            name = lex.names[rng.randrange(len(lex.names))]
            e = Entity(None, name, "sg", name.en_gender, name.en_gender, name.tags)
        else:
            noun = lex.nouns_with(expand_tags(kind), frozenset({"nopro", "mass", "time"})).draw(rng)
            e = entity_for(noun, "pl" if rng.random() < 0.15 else "sg")
            if rng.random() < 0.4 and lex.adjs_for(noun.tags):
                e.adjs = (lex.adjs_for(noun.tags).draw(rng),)
        if any(o.en_key == e.en_key for o in out) and rng.random() < 0.7:
            continue
        if any((o.noun is not None and o.noun is e.noun) or (o.name is not None and o.name is e.name) for o in out):
            continue
        out.append(e)
    return out


def opening(g: Grammar, ctx: Context) -> Sentence:
    """First sentence: introduce the protagonist ("There was an old farmer." or as a subject)."""
    hero = ctx.cast[0]
    if hero.name is None and g.rng.random() < 0.35:
        np = g.cast_np(hero)
        ctx.mention(hero)
        return Clause(subj=None, vps=[], tense="past" if ctx.family == "past" else "present", exist=np)
    ctx.force_subject = hero
    return g.main_clause(ctx)


def story(
    g: Grammar,
    lex: Lexicon,
    n_sentences: int,
    render: Callable[[Sentence], Pair],
    accept: Callable[[Pair], bool],
    tries: int = 30,
) -> list[Pair] | None:
    """One document; a sentence that ``accept`` refuses is redrawn from the same discourse state."""
    ctx = Context(make_cast(g.rng, lex), family="past" if g.rng.random() < 0.8 else "present")
    pairs: list[Pair] = []
    for i in range(n_sentences):
        ctx.next_sentence()
        saved = ctx.snapshot()
        for _ in range(tries):
            pair = render(opening(g, ctx) if i == 0 else g.sentence(ctx))
            if accept(pair):
                pairs.append(pair)
                break
            ctx.restore(saved)
        else:
            return None
    return pairs
