"""Lexical entry types and English inflection.

The tables themselves live in ``nouns.py``, ``verbs.py`` and ``words.py`` as
compact text, one entry a line, so that a linguist can read and extend them;
this module parses them into frozen entries. Entries compare by identity:
syntax nodes refer to them and the German transfer looks their features up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VOWELS = "aeiou"

# tag groups used in selectional restrictions (verbs.py, words.py)
GROUPS = {
    "live": {"hum", "ani"},
    "thing": {"obj", "surf", "veh", "food", "fix"},
    "conc": {"hum", "ani", "obj", "surf", "veh", "food", "fix", "place"},
    "any": {"hum", "ani", "obj", "surf", "veh", "food", "fix", "place", "drink", "instr", "game", "abs"},
}


def expand_tags(spec: str) -> frozenset[str]:
    """``"live,obj"`` -> {"hum", "ani", "obj"}; groups from GROUPS, others literal."""
    out: set[str] = set()
    for tag in spec.replace(",", " ").split():
        out |= GROUPS.get(tag, {tag})
    return frozenset(out)


# -- English morphology ------------------------------------------------------


def en_plural(sg: str) -> str:
    if sg.endswith(("s", "sh", "ch", "x", "z")):
        return sg + "es"
    if sg.endswith("y") and sg[-2] not in VOWELS:
        return sg[:-1] + "ies"
    return sg + "s"


def en_third(base: str) -> str:
    if base.endswith(("s", "sh", "ch", "x", "z", "o")):
        return base + "es"
    if base.endswith("y") and base[-2] not in VOWELS:
        return base[:-1] + "ies"
    return base + "s"


def en_past(base: str) -> str:
    if base.endswith("e"):
        return base + "d"
    if base.endswith("y") and base[-2] not in VOWELS:
        return base[:-1] + "ied"
    return base + "ed"


def en_ing(base: str) -> str:
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")) and base != "be":
        return base[:-1] + "ing"
    return base + "ing"


def an_form(next_word: str) -> str:
    """The indefinite article before ``next_word`` (by spelling; the lexicon avoids hard cases)."""
    return "an" if next_word[:1].lower() in VOWELS else "a"


# -- entries -----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DeNoun:
    """One German rendering of a noun: lemma, plural, gender, weak suffix, place prepositions."""

    sg: str
    pl: str  # "" for mass nouns
    gender: str  # m f n
    weak: str = ""  # n-declension suffix in acc/dat singular ("n" for Junge, "en" for Bär)
    loc: str = ""  # German preposition for "at/in/on <place>" (dative)
    dir: str = ""  # German preposition for "to <place>" (zu: dative, others accusative)


@dataclass(frozen=True, eq=False)
class Noun:
    en: str
    en_pl: str
    de: DeNoun
    tags: frozenset[str]
    en_gender: str = ""  # m f n: English pronoun he/she/it; "" = no pronoun (child)
    loc: str = ""  # English preposition for location (in/at/on/by)
    dir: str = "to"
    senses: tuple[tuple[str, DeNoun], ...] = ()  # (cue label, rendering) when context picks another sense
    cue: str = ""  # this noun signals the context label (e.g. "river")

    @property
    def mass(self) -> bool:
        return "mass" in self.tags

    def de_for(self, cues: frozenset[str] | set[str]) -> DeNoun:
        """The German rendering in this sentence context (the first sense whose cue is present)."""
        for label, de in self.senses:
            if label in cues:
                return de
        return self.de


@dataclass(frozen=True, eq=False)
class Name:
    en: str
    en_gender: str  # m f

    @property
    def tags(self) -> frozenset[str]:
        return frozenset({"hum", "name"})


@dataclass(frozen=True, eq=False)
class EnVerb:
    base: str
    s3: str
    past: str
    pp: str
    ing: str
    prt: str = ""  # English particle ("up" in "pick up")

    def form(self, tag: str) -> str:
        return {"VB": self.base, "VBP": self.base, "VBZ": self.s3, "VBD": self.past, "VBN": self.pp, "VBG": self.ing}[
            tag
        ]


DOUBLING = {"run", "swim", "sit", "hit", "stop", "drop", "get", "put", "cut", "hug", "win", "grab", "forget", "begin"}


def parse_en_verb(spec: str) -> EnVerb:
    """``"see saw seen"``, ``"play"`` (regular), ``"pick +up"``, ``"lie lay lain ing=lying"``."""
    words, prt, ing = [], "", ""
    for tok in spec.split():
        if tok.startswith("+"):
            prt = tok[1:]
        elif tok.startswith("ing="):
            ing = tok[4:]
        else:
            words.append(tok)
    base = words[0]
    doubled = base + base[-1] if base in DOUBLING else base
    past = words[1] if len(words) > 1 else (doubled + "ed" if base in DOUBLING else en_past(base))
    pp = words[2] if len(words) > 2 else past
    if not ing:
        ing = doubled + "ing" if base in DOUBLING else en_ing(base)
    s3 = {"have": "has", "be": "is", "do": "does"}.get(base) or en_third(base)
    return EnVerb(base, s3, past, pp, ing, prt)


@dataclass(frozen=True, eq=False)
class DeVerb:
    inf: str
    pres: str  # 3sg present
    past: str  # 3sg past
    part: str  # past participle without particle
    aux: str = "h"  # h: haben, s: sein
    prt: str = ""  # separable particle

    def finite(self, time: str, number: str) -> str:
        """3rd person finite form, particle not attached."""
        if time == "pres":
            if number == "sg":
                return self.pres
            return {"sein": "sind"}.get(self.inf, self.inf)
        if number == "sg":
            return self.past
        return self.past + ("n" if self.past.endswith("e") else "en")

    def infinitive(self) -> str:
        return self.prt + self.inf

    def participle(self) -> str:
        return self.prt + self.part


INSEPARABLE = ("be", "ver", "zer", "er", "ent", "emp", "ge", "miss")


def parse_de_verb(spec: str) -> DeVerb:
    """``"schlafen schläft schlief geschlafen"``, ``"spielen"`` (regular weak), aux ``s``, particle ``+auf``."""
    words, prt, aux = [], "", "h"
    for tok in spec.split():
        if tok.startswith("+"):
            prt = tok[1:]
        elif tok in ("s", "h"):
            aux = tok
        else:
            words.append(tok)
    if len(words) == 4:
        return DeVerb(*words, aux=aux, prt=prt)
    if len(words) != 1:
        raise ValueError(f"German verb spec needs 1 or 4 forms: {spec!r}")
    inf = words[0]
    stem = inf[:-2] if inf.endswith("en") else inf[:-1]
    epenthesis = stem.endswith(("t", "d")) or (stem[-1] in "nm" and stem[-2] not in "lrh" + VOWELS + "äöü")
    e = "e" if epenthesis else ""
    pres, past = stem + e + "t", stem + e + "te"
    prefix = "" if inf.startswith(INSEPARABLE) or inf.endswith("ieren") else "ge"
    return DeVerb(inf, pres, past, prefix + stem + e + "t", aux=aux, prt=prt)


@dataclass(frozen=True, eq=False)
class Frame:
    """What a verb sense takes: objects, their English/German shape and selectional tags."""

    kind: str  # intr trans ditr pobj clause loc dir put cop
    obj: frozenset[str] = frozenset()  # tags of the (accusative-like) object
    dat: frozenset[str] = frozenset()  # tags of the recipient (ditr)
    de_case: str = "acc"  # German case of the object (trans: acc or dat; pobj: acc/dat/pp case)
    en_prep: str = ""  # pobj: English preposition ("at" in "look at")
    de_prep: str = ""  # pobj: German preposition, "" = bare object


@dataclass(frozen=True, eq=False)
class VerbSense:
    en: EnVerb
    de: DeVerb
    frame: Frame
    subj: frozenset[str]
    alts: tuple[tuple[str, frozenset[str], DeVerb], ...] = ()  # (slot, tags, verb): German choice by context
    stative: bool = False
    cue: str = ""
    tools: tuple[str, ...] = ()  # English nouns usable in a "with" instrument PP
    double_object_only: bool = False
    to_dative_only: bool = False

    def de_for(self, subj_tags: frozenset[str], obj_tags: frozenset[str]) -> DeVerb:
        for slot, when, verb in self.alts:
            if when & (subj_tags if slot == "subj" else obj_tags):
                return verb
        return self.de


@dataclass(frozen=True, eq=False)
class Adj:
    en: str
    de: str  # predicative form
    de_stem: str  # attributive stem
    cat: str  # opinion state size quality age colour (see ADJ_ORDER)
    tags: frozenset[str]
    alts: tuple[tuple[str, str, str], ...] = ()  # (noun tag, predicative, stem)

    def de_forms(self, noun_tags: frozenset[str]) -> tuple[str, str]:
        for tag, pred, stem in self.alts:
            if tag in noun_tags:
                return pred, stem
        return self.de, self.de_stem


ADJ_ORDER = {"opinion": 0, "state": 0, "size": 1, "quality": 2, "age": 3, "colour": 4}  # "a beautiful big old red"


@dataclass(frozen=True, eq=False)
class Adv:
    en: str
    de: str
    kind: str  # manner freq time
    tenses: frozenset[str] = field(default_factory=frozenset)  # time adverbs: compatible tense families


@dataclass(frozen=True, eq=False)
class Prep:
    """A preposition with its English tree shape and German rendering.

    ``en`` lists (tag, word) of the words before the object; multiword
    prepositions get PTB structure in english.py (see SHAPES there).
    """

    name: str
    en: tuple[tuple[str, str], ...]
    de: tuple[str, ...]  # German words before the object ("links von")
    de_case: str  # dat acc
    head: int = 0  # index of the English word the German head aligns to
