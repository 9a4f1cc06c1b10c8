"""English realisation: a sentence structure becomes a Penn-Treebank-style tree.

Leaves are PTB tokens (Moses tokenisation of the detokenised sentence gives
them back exactly) and carry the alignment key their German counterpart
shares. No traces, no function tags: what the parse task predicts.
"""

from __future__ import annotations

from mtseq.corpora.synth.lexicon import Adv, an_form
from mtseq.corpora.synth.syntax import NP, PP, VP, Clause, Coord, Fragment, Sentence


class Leaf:
    __slots__ = ("tag", "word", "key")

    def __init__(self, tag: str, word: str, key=None):
        self.tag, self.word, self.key = tag, word, key


class T:
    __slots__ = ("label", "kids")

    def __init__(self, label: str, kids: list):
        self.label, self.kids = label, kids


def leaves(node) -> list[Leaf]:
    out: list[Leaf] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Leaf):
            out.append(n)
        else:
            stack.extend(reversed(n.kids))
    return out


def tree_str(node) -> str:
    if isinstance(node, Leaf):
        return f"({node.tag} {node.word})"
    return "(" + node.label + " " + " ".join(tree_str(k) for k in node.kids) + ")"


def detokenise(words: list[str]) -> str:
    """Join PTB tokens into natural text (only , and . need attaching in this fragment)."""
    return " ".join(words).replace(" ,", ",").replace(" .", ".")


PRONOUNS = {
    ("he", "nom"): "he",
    ("he", "acc"): "him",
    ("she", "nom"): "she",
    ("she", "acc"): "her",
    ("it", "nom"): "it",
    ("it", "acc"): "it",
    ("they", "nom"): "they",
    ("they", "acc"): "them",
}
POSSESSIVES = {"he": "his", "she": "her", "it": "its", "they": "their"}
AUX = {
    "future": ("MD", "will", "will", "VB"),
    "can": ("MD", "can", "can", "VB"),
    "could": ("MD", "could", "could", "VB"),
    "perfect": ("VBZ", "has", "have", "VBN"),
    "prog_pres": ("VBZ", "is", "are", "VBG"),
    "prog_past": ("VBD", "was", "were", "VBG"),
}
BE = {("VBZ", "sg"): "is", ("VBP", "pl"): "are", ("VBD", "sg"): "was", ("VBD", "pl"): "were"}


def sentence_tree(s: Sentence) -> T:
    """The whole sentence with its final period, first word capitalised."""
    period = Leaf(".", ".", (s, "."))
    if isinstance(s, Fragment):
        root = T("NP", [np_tree(s.np, "nom"), period])
    elif isinstance(s, Coord):
        kids: list = [clause_tree(s.parts[0])]
        for part in s.parts[1:]:
            if s.comma:
                kids.append(Leaf(",", ",", (s, ",")))
            kids += [Leaf("CC", s.conj, (s, "cc")), clause_tree(part)]
        root = T("S", kids + [period])
    else:
        root = clause_tree(s)
        root.kids.append(period)
    first = leaves(root)[0]
    first.word = first.word[:1].upper() + first.word[1:]
    return root


def clause_tree(cl: Clause) -> T:
    kids: list = []
    if cl.front is not None:
        kids.append(front_tree(cl))
        if not isinstance(cl.front, Adv):
            kids.append(Leaf(",", ",", (cl, "front,")))
    if cl.exist is not None:
        kids.append(T("NP", [Leaf("EX", "there", (cl, "ex"))]))
    elif cl.subj is not None:
        kids.append(np_tree(cl.subj, "nom"))
    simple = cl.tense in ("past", "present")
    if cl.freq is not None and simple:
        kids.append(T("ADVP", [Leaf("RB", cl.freq.en, (cl, "freq"))]))
    kids.append(vp_tree(cl, simple))
    return T("S", kids)


def front_tree(cl: Clause):
    f = cl.front
    if isinstance(f, Adv):
        return T("ADVP", [Leaf("RB", f.en, (cl, "front"))])
    if isinstance(f, PP):
        return pp_tree(f)
    return sbar_tree(f)


def sbar_tree(cl: Clause) -> T:
    if cl.kind == "rel":
        tag = "WP" if cl.rel_word == "who" else "WDT"
        return T("SBAR", [T("WHNP", [Leaf(tag, cl.rel_word, (cl, "rel"))]), clause_tree(cl)])
    return T("SBAR", [Leaf("IN", cl.conj, (cl, "conj")), clause_tree(cl)])


def vp_tree(cl: Clause, simple: bool) -> T:
    number = cl.number
    if cl.exist is not None:
        tag = "VBD" if cl.tense == "past" else ("VBZ" if number == "sg" else "VBP")
        word = BE[(tag, number)] if tag == "VBD" else ("is" if number == "sg" else "are")
        return T("VP", [Leaf(tag, word, (cl, "v")), np_tree(cl.exist, "acc")])
    if simple:
        tag = "VBD" if cl.tense == "past" else ("VBZ" if number == "sg" else "VBP")
        return lex_vps(cl, tag, number)
    aux_tag, sg, pl, inner = AUX[cl.tense]
    if aux_tag == "VBZ" and number == "pl":
        aux_tag = "VBP"
    kids: list = [Leaf(aux_tag, sg if number == "sg" else pl, (cl, "aux"))]
    if cl.freq is not None:
        kids.append(T("ADVP", [Leaf("RB", cl.freq.en, (cl, "freq"))]))
    kids.append(lex_vps(cl, inner, number))
    return T("VP", kids)


def lex_vps(cl: Clause, tag: str, number: str) -> T:
    if len(cl.vps) == 1:
        return lex_vp(cl.vps[0], tag, number)
    kids: list = []
    for i, vp in enumerate(cl.vps):
        if i:
            kids.append(Leaf("CC", "and", (cl, "cc")))
        kids.append(lex_vp(vp, tag, number))
    return T("VP", kids)


def verb_word(vp: VP, tag: str, number: str) -> str:
    en = vp.sense.en
    if en.base == "be":
        if tag in ("VBZ", "VBP", "VBD"):
            return BE[(tag if tag == "VBD" else ("VBZ" if number == "sg" else "VBP"), number)]
        return {"VB": "be", "VBN": "been", "VBG": "being"}[tag]
    return en.form(tag)


def lex_vp(vp: VP, tag: str, number: str) -> T:
    sense, kind = vp.sense, vp.sense.frame.kind
    if tag in ("VBZ", "VBP"):
        tag = "VBZ" if number == "sg" else "VBP"
    kids: list = [Leaf(tag, verb_word(vp, tag, number), (vp, "v"))]
    prt = T("PRT", [Leaf("RP", sense.en.prt, (vp, "prt"))]) if sense.en.prt else None
    if prt is not None and not vp.shift:
        kids.append(prt)
    has_acc = vp.acc is not None and vp.gap != "acc"
    if kind == "ditr" and not vp.to_dative:
        kids.append(np_tree(vp.dat, "acc"))
    if kind in ("trans", "put", "ditr") and has_acc:
        kids.append(np_tree(vp.acc, "acc"))
    if prt is not None and vp.shift:
        kids.append(prt)
    if kind == "ditr" and vp.to_dative:
        kids.append(T("PP", [Leaf("TO", "to", (vp, "to")), np_tree(vp.dat, "acc")]))
    if kind == "pobj" and has_acc:
        prep_tag = "TO" if sense.frame.en_prep == "to" else "IN"
        kids.append(T("PP", [Leaf(prep_tag, sense.frame.en_prep, (vp, "pprep")), np_tree(vp.acc, "acc")]))
    if vp.comp is not None:
        kids.append(sbar_tree(vp.comp))
    if vp.comp_pp is not None:
        kids.append(pp_tree(vp.comp_pp))
    if vp.pred is not None:
        kids.append(T("ADJP", [Leaf("JJ", vp.pred.en, (vp, "pred"))]))
    if vp.manner is not None:
        kids.append(T("ADVP", [Leaf("RB", vp.manner.en, (vp, "manner"))]))
    kids += [pp_tree(pp) for pp in vp.adjuncts]
    if vp.sub is not None:
        kids.append(sbar_tree(vp.sub))
    return T("VP", kids)


DET_WORDS = {"the": "the", "every": "every", "no": "no", "some": "some", "two": "two", "three": "three"}


def np_tree(np: NP, case: str) -> T:
    if np.kind == "pron":
        return T("NP", [Leaf("PRP", PRONOUNS[(np.entity.en_key, case)], (np, "n"))])
    if np.kind == "name":
        return T("NP", [Leaf("NNP", np.name.en, (np, "n"))])
    if np.kind == "coord":
        kids: list = []
        for i, part in enumerate(np.parts):
            if i:
                kids.append(Leaf("CC", "and", (np, "cc")))
            kids.append(np_tree(part, case))
        return T("NP", kids)
    noun = np.noun
    kids = []
    word = noun.en_pl if np.number == "pl" else noun.en
    first_after_det = np.adjs[0].en if np.adjs else word
    if np.det == "a":
        kids.append(Leaf("DT", an_form(first_after_det), (np, "det")))
    elif np.det == "this":
        kids.append(Leaf("DT", "these" if np.number == "pl" else "this", (np, "det")))
    elif np.det == "poss":
        kids.append(Leaf("PRP$", POSSESSIVES[np.poss.en_key], (np, "det")))
    elif np.det in ("two", "three"):
        kids.append(Leaf("CD", np.det, (np, "det")))
    elif np.det != "bare":
        kids.append(Leaf("DT", DET_WORDS[np.det], (np, "det")))
    kids += [Leaf("JJ", a.en, (np, ("adj", i))) for i, a in enumerate(np.adjs)]
    tag = "NNP" if noun.en[0].isupper() else ("NNS" if np.number == "pl" else "NN")  # "Sunday"; "sheep" (pl)
    kids.append(Leaf(tag, word, (np, "n")))
    node = T("NP", kids)
    if np.pp is not None:
        node = T("NP", [node, pp_tree(np.pp)])
    if np.rel is not None:
        node = T("NP", [node, sbar_tree(np.rel)])
    return node


def pp_tree(pp: PP) -> T:
    obj = np_tree(pp.obj, "acc")
    if pp.prep is None:
        tag = "TO" if pp.en_word == "to" else "IN"
        return T("PP", [Leaf(tag, pp.en_word, (pp, 0)), obj])
    words = [Leaf(tag, w, (pp, i)) for i, (tag, w) in enumerate(pp.prep.en)]
    if len(words) == 1:
        return T("PP", [words[0], obj])
    if len(words) == 2:  # next to
        return T("PP", [words[0], T("PP", [words[1], obj])])
    if len(words) == 3:  # in front of
        return T("PP", [words[0], T("NP", [T("NP", [words[1]]), T("PP", [words[2], obj])])])
    # to the left of
    return T("PP", [words[0], T("NP", [T("NP", words[1:3]), T("PP", [words[3], obj])])])
