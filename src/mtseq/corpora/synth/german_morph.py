"""German inflection: articles, determiners, adjective endings, nouns, pronouns, contractions.

Cases nom/acc/dat (the fragment has no genitive); "g" is m, f, n or pl.
"""

from __future__ import annotations

from mtseq.corpora.synth.lexicon import DeNoun

DEF_ART = {
    ("m", "nom"): "der",
    ("m", "acc"): "den",
    ("m", "dat"): "dem",
    ("f", "nom"): "die",
    ("f", "acc"): "die",
    ("f", "dat"): "der",
    ("n", "nom"): "das",
    ("n", "acc"): "das",
    ("n", "dat"): "dem",
    ("pl", "nom"): "die",
    ("pl", "acc"): "die",
    ("pl", "dat"): "den",
}
# endings of der-words (dieser, jeder, einige) = strong adjective endings
STRONG = {
    ("m", "nom"): "er",
    ("m", "acc"): "en",
    ("m", "dat"): "em",
    ("f", "nom"): "e",
    ("f", "acc"): "e",
    ("f", "dat"): "er",
    ("n", "nom"): "es",
    ("n", "acc"): "es",
    ("n", "dat"): "em",
    ("pl", "nom"): "e",
    ("pl", "acc"): "e",
    ("pl", "dat"): "en",
}
# endings of ein-words (ein, kein, sein, ihr)
EIN = {
    ("m", "nom"): "",
    ("m", "acc"): "en",
    ("m", "dat"): "em",
    ("f", "nom"): "e",
    ("f", "acc"): "e",
    ("f", "dat"): "er",
    ("n", "nom"): "",
    ("n", "acc"): "",
    ("n", "dat"): "em",
    ("pl", "nom"): "e",
    ("pl", "acc"): "e",
    ("pl", "dat"): "en",
}
PRONOUN = {
    ("m", "nom"): "er",
    ("m", "acc"): "ihn",
    ("m", "dat"): "ihm",
    ("f", "nom"): "sie",
    ("f", "acc"): "sie",
    ("f", "dat"): "ihr",
    ("n", "nom"): "es",
    ("n", "acc"): "es",
    ("n", "dat"): "ihm",
    ("pl", "nom"): "sie",
    ("pl", "acc"): "sie",
    ("pl", "dat"): "ihnen",
}
RELATIVE = {**DEF_ART, ("pl", "dat"): "denen"}
CONTRACTIONS = {
    ("in", "dem"): "im",
    ("in", "das"): "ins",
    ("an", "dem"): "am",
    ("an", "das"): "ans",
    ("zu", "dem"): "zum",
    ("zu", "der"): "zur",
    ("von", "dem"): "vom",
    ("bei", "dem"): "beim",
}


def weak_ending(g: str, case: str) -> str:
    if g == "pl" or case == "dat":
        return "en"
    if case == "acc" and g == "m":
        return "en"
    return "e"


def determiner(det: str, g: str, case: str, poss_gender: str = "") -> tuple[str | None, str]:
    """(German determiner or None, adjective declension: weak / strong / mixed-as-resolved)."""
    if det == "the":
        return DEF_ART[(g, case)], "weak"
    if det in ("this", "every"):
        return ("dies" if det == "this" else "jed") + STRONG[(g, case)], "weak"
    if det in ("a", "no", "poss"):
        stem = {"a": "ein", "no": "kein"}.get(det) or ("sein" if poss_gender in ("m", "n") else "ihr")
        ending = EIN[(g, case)]
        return stem + ending, ("strong" if ending == "" else "weak")
    if det == "some":
        return ("einig" + STRONG[(g, case)], "strong") if g == "pl" else ("etwas", "strong")
    if det in ("two", "three"):
        return ("zwei" if det == "two" else "drei"), "strong"
    return None, "strong"  # bare


def adjective(stem: str, decl: str, g: str, case: str) -> str:
    ending = weak_ending(g, case) if decl == "weak" else STRONG[(g, case)]
    if stem.endswith("e"):  # müde + e -> müde, müde + en -> müden
        ending = ending[1:]
    return stem + ending


def noun_form(dn: DeNoun, number: str, case: str) -> str:
    if number == "pl":
        if case == "dat" and not dn.pl.endswith(("n", "s")):
            return dn.pl + "n"
        return dn.pl
    if dn.weak and case != "nom":
        return dn.sg + dn.weak
    return dn.sg


# preposition + pronoun for a thing: "damit", "darauf" (people and animals keep "mit ihm")
DA_COMPOUNDS = {
    "mit": "damit",
    "an": "daran",
    "auf": "darauf",
    "in": "darin",
    "unter": "darunter",
    "hinter": "dahinter",
    "neben": "daneben",
    "vor": "davor",
    "für": "dafür",
    "aus": "daraus",
    "von": "davon",
    "zu": "dazu",
    "über": "darüber",
    "um": "darum",
}


def da_compound(prep: str, case: str) -> str | None:
    if prep == "in" and case == "acc":
        return "hinein"
    return DA_COMPOUNDS.get(prep)
