"""German by transfer over the sentence structure.

Topological fields: main clauses put the finite verb second (after the
subject or a fronted adverbial / subordinate clause), subordinate and
relative clauses put it last; non-finite verbs and separable particles close
the clause (the right bracket); that-clauses and adverbial clauses follow it.
Inside the middle field: subject, pronouns (acc before dat), time, frequency
adverb, adjunct PPs, dative NP, accusative NP, manner adverb, complements.

Each German token carries the alignment key of its English counterpart
(None for words English lacks: commas, "es gibt", relative pronoun case ...).
"""

from __future__ import annotations

from mtseq.corpora.synth import german_morph as gm
from mtseq.corpora.synth.lexicon import Adv, DeVerb, parse_de_verb
from mtseq.corpora.synth.syntax import NP, PP, VP, Clause, Coord, Fragment, Sentence, tense_family
from mtseq.corpora.synth.words import SUBORDINATORS

Tok = tuple[str, object]

WERDEN = parse_de_verb("werden wird wurde geworden s")
KOENNEN = parse_de_verb("können kann konnte gekonnt")
HABEN = parse_de_verb("haben hat hatte gehabt")
SEIN = parse_de_verb("sein ist war gewesen s")
GEBEN = parse_de_verb("geben gibt gab gegeben")

# tense -> (time of the finite verb, auxiliary or None, non-finite form)
TENSES = {
    "past": ("past", None, ""),
    "prog_past": ("past", None, ""),
    "present": ("pres", None, ""),
    "prog_pres": ("pres", None, ""),
    "future": ("pres", WERDEN, "inf"),
    "perfect": ("pres", "perfect", "part"),
    "can": ("pres", KOENNEN, "inf"),
    "could": ("past", KOENNEN, "inf"),
}
CONJ = {"and": "und", "but": "aber"}


class German:
    """Realise one sentence; ``cues`` are the context labels of its English words (river, money)."""

    def __init__(self, cues: frozenset[str] = frozenset()):
        self.cues = cues

    # -- sentence ---------------------------------------------------------
    def sentence(self, s: Sentence) -> list[Tok]:
        if isinstance(s, Fragment):
            toks = self.np(s.np, "nom")
        elif isinstance(s, Coord):
            toks = self.clause(s.parts[0])
            for part in s.parts[1:]:
                if s.comma or s.conj == "but":
                    toks.append((",", (s, ",")))
                toks.append((CONJ[s.conj], (s, "cc")))
                toks += self.clause(part)
        else:
            toks = self.clause(s)
        toks.append((".", (s, ".")))
        return finish(toks)

    # -- noun phrases -----------------------------------------------------
    def gender(self, np: NP) -> str:
        """German agreement class of an NP: m f n or pl."""
        if np.number == "pl" or np.kind == "coord":
            return "pl"
        if np.kind == "pron":
            return np.entity.de_gender
        if np.kind == "name":
            return np.name.en_gender
        return np.noun.de_for(self.cues).gender

    def np(self, np: NP, case: str, force_def: bool = False) -> list[Tok]:
        if np.kind == "pron":
            return [(gm.PRONOUN[(self.gender(np), case)], (np, "n"))]
        if np.kind == "name":
            return [(np.name.en, (np, "n"))]
        if np.kind == "coord":
            out: list[Tok] = []
            for i, part in enumerate(np.parts):
                if i:
                    out.append(("und", (np, "cc")))
                out += self.np(part, case)
            return out
        dn = np.noun.de_for(self.cues)
        g = "pl" if np.number == "pl" else dn.gender
        det = "bare" if np.de_bare else ("the" if force_def else np.det)
        poss_g = np.poss.de_gender if np.poss is not None else ""
        word, decl = gm.determiner(det, g, case, poss_g)
        out = [] if word is None else [(word, (np, "det"))]
        for i, adj in enumerate(np.adjs):
            _, stem = adj.de_forms(np.noun.tags)
            out.append((gm.adjective(stem, decl, g, case), (np, ("adj", i))))
        out.append((gm.noun_form(dn, np.number, case), (np, "n")))
        if np.pp is not None:
            out += self.pp(np.pp)
        if np.rel is not None:
            out += [(",", None)] + self.clause(np.rel) + [(",", None)]
        return out

    def pp(self, pp: PP) -> list[Tok]:
        if pp.prep is not None:
            words, case = pp.prep.de, pp.prep.de_case
            if pp.prep.name == "from" and pp.obj.kind == "noun" and "place" in pp.obj.noun.tags:
                words = ("aus",) if pp.obj.noun.de_for(self.cues).loc == "in" else ("von",)  # aus dem Dorf, vom Markt
            keys = [(pp, pp.prep.head)] + [(pp, len(pp.prep.en) - 1)] * (len(words) - 1)
            head = list(zip(words, keys, strict=True))
            return contract(head, self.np(pp.obj, case), pp.obj, case=case)
        obj = pp.obj
        dn = obj.noun.de_for(self.cues)
        if pp.role == "dir":
            prep = dn.dir
            case = "dat" if prep == "zu" else "acc"
        else:
            prep, case = dn.loc, "dat"
        force_def = pp.role == "time"
        return contract([(prep, (pp, 0))], self.np(obj, case, force_def=force_def), obj, force_def)

    # -- clauses ----------------------------------------------------------
    def clause(self, cl: Clause) -> list[Tok]:
        time, aux, nonfinite = TENSES[cl.tense]
        number = cl.number
        if cl.exist is not None:
            return [("es", (cl, "ex")), (GEBEN.finite(time, "sg"), (cl, "v"))] + self.np(cl.exist, "acc")
        subj = [] if cl.subj is None else self.np(cl.subj, "nom")
        parts = [self.vp_parts(vp, cl) for vp in cl.vps]
        if cl.freq is not None:
            parts[0][1].append((4, [(cl.freq.de, (cl, "freq"))]))
        main = cl.kind == "main"
        if aux == "perfect":
            aux = SEIN if parts[0][0].aux == "s" else HABEN
        out: list[Tok] = []
        if cl.kind == "rel":
            out.append(self.relative_pronoun(cl))
        if main:
            if cl.front is not None:
                out += self.front(cl)
            else:
                out += subj
        else:
            out += subj
        if main and aux is not None:
            out.append((aux.finite(time, number), (cl, "aux")))
            if cl.front is not None:
                out += subj
        tails: list[Tok] = []
        for i, (verb, items, tail, vp) in enumerate(parts):
            if i:
                out.append(("und", (cl, "cc")))
            middle = [t for _, toks in sorted(items, key=lambda it: it[0]) for t in toks]
            key = (vp, "v")
            if aux is not None:
                form = verb.infinitive() if nonfinite == "inf" else verb.participle()
                out += middle + [(form, key)]
            elif main:
                out.append((verb.finite(time, number), key))
                if i == 0 and cl.front is not None:
                    out += subj
                out += middle
                if verb.prt:
                    out.append((verb.prt, (vp, "prt")))
            else:
                out += middle + [(verb.prt + verb.finite(time, number), key)]
            tails += tail
        if aux is not None and not main:
            out.append((aux.finite(time, number), (cl, "aux")))
        return out + tails

    def relative_pronoun(self, cl: Clause) -> Tok:
        if cl.gap == "subj":
            case = "nom"
        else:
            frame = cl.vps[0].sense.frame
            case = frame.de_case if frame.kind == "trans" else "acc"
        return (gm.RELATIVE[(self.gender(cl.head), case)], (cl, "rel"))

    def front(self, cl: Clause) -> list[Tok]:
        f = cl.front
        if isinstance(f, Adv):
            return [(f.de, (cl, "front"))]
        if isinstance(f, PP):
            return self.pp(f)
        return self.subordinate(f) + [(",", (cl, "front,"))]

    def subordinate(self, cl: Clause) -> list[Tok]:
        past, nonpast = SUBORDINATORS[cl.conj]
        word = past if tense_family(cl.tense) == "past" else nonpast
        return [(word, (cl, "conj"))] + self.clause(cl)

    def vp_parts(self, vp: VP, cl: Clause) -> tuple[DeVerb, list, list[Tok], VP]:
        sense = vp.sense
        frame = sense.frame
        subj_np = cl.subj if cl.subj is not None else cl.head
        obj_np = cl.head if vp.gap == "acc" else vp.acc
        subj_tags = subj_np.tags if subj_np is not None else frozenset()
        obj_tags = obj_np.tags if obj_np is not None else frozenset()
        verb = sense.de_for(subj_tags, obj_tags)
        items: list = []
        if vp.acc is not None and vp.gap != "acc":
            if frame.kind == "pobj" and frame.de_prep:
                prep = [(frame.de_prep, (vp, "pprep"))]
                items.append((9, contract(prep, self.np(vp.acc, frame.de_case), vp.acc, case=frame.de_case)))
            else:
                case = frame.de_case if frame.kind in ("trans", "pobj") else "acc"
                items.append((object_rank(vp.acc, case), self.np(vp.acc, case)))
        if vp.dat is not None:
            items.append((object_rank(vp.dat, "dat"), self.np(vp.dat, "dat")))
        if vp.comp_pp is not None:
            items.append((9, self.pp(vp.comp_pp)))
        if vp.pred is not None:
            pred, _ = vp.pred.de_forms(subj_tags)
            items.append((9, [(pred, (vp, "pred"))]))
        if vp.manner is not None:
            items.append((8, [(vp.manner.de, (vp, "manner"))]))
        for pp in vp.adjuncts:
            items.append((3 if pp.role == "time" else 5, self.pp(pp)))
        tail: list[Tok] = []
        if vp.comp is not None:
            tail += [(",", None), ("dass", (vp.comp, "conj"))] + self.clause(vp.comp) + [(",", None)]
        if vp.sub is not None:
            tail += [(",", None)] + self.subordinate(vp.sub) + [(",", None)]
        return verb, items, tail, vp


def object_rank(np: NP, case: str) -> float:
    """Middle-field position: pronouns first (acc before dat), then dative NP, accusative NP."""
    if np.kind == "pron":
        return 2.0 if case == "acc" else 2.1
    if case == "dat":
        return 6
    bare = np.kind == "noun" and (np.det == "bare" or np.de_bare)
    return 8.5 if bare else 7


def contract(prep: list[Tok], obj: list[Tok], np: NP, force_def: bool = False, case: str = "dat") -> list[Tok]:
    """Preposition + definite article: "in dem" -> "im", "zu der" -> "zur" ...; + pronoun for a thing: "damit"."""
    if np.kind == "pron" and not np.entity.tags & {"hum", "ani"}:
        merged = gm.da_compound(prep[-1][0], case)
        if merged is not None:
            return prep[:-1] + [(merged, prep[-1][1])]
    definite = np.kind == "noun" and (np.det == "the" or force_def) and not np.de_bare
    if definite and obj:
        merged = gm.CONTRACTIONS.get((prep[-1][0], obj[0][0]))
        if merged is not None:
            return prep[:-1] + [(merged, prep[-1][1])] + obj[1:]
    return prep + obj


def finish(toks: list[Tok]) -> list[Tok]:
    """Drop commas at the start, doubled, or before the period; capitalise the first word."""
    out: list[Tok] = []
    for tok in toks:
        if tok[0] == "," and (not out or out[-1][0] == ","):
            continue
        if tok[0] == "." and out and out[-1][0] == ",":
            out.pop()
        out.append(tok)
    word, key = out[0]
    out[0] = (word[:1].upper() + word[1:], key)
    return out
