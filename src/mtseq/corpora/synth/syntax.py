"""Language-neutral sentence structures, realised twice: as an English PTB tree and as German.

Nodes compare by identity: a (node, role) pair is the alignment key that an
English leaf and its German counterpart share, which is how the generator
knows the word alignment without aligning anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mtseq.corpora.synth.lexicon import Adj, Adv, Name, Noun, Prep, VerbSense


@dataclass(eq=False)
class Entity:
    """A discourse referent: what pronouns and possessives point back to."""

    noun: Noun | None
    name: Name | None
    number: str  # sg pl
    en_gender: str  # m f n ("" = no pronoun)
    de_gender: str  # m f n pl
    tags: frozenset[str]
    mentioned: bool = False
    adjs: tuple[Adj, ...] = ()

    @property
    def en_key(self) -> str:
        if self.number == "pl":
            return "they"
        return {"m": "he", "f": "she", "n": "it"}.get(self.en_gender, "")


@dataclass(eq=False)
class NP:
    kind: str  # noun name pron coord
    number: str = "sg"
    noun: Noun | None = None
    name: Name | None = None
    det: str = "the"  # the a this every some no two three poss bare
    adjs: list[Adj] = field(default_factory=list)
    pp: PP | None = None
    rel: Clause | None = None
    entity: Entity | None = None
    poss: Entity | None = None
    parts: list[NP] = field(default_factory=list)
    de_bare: bool = False  # German drops the article ("played the piano" -> "spielte Klavier")

    @property
    def tags(self) -> frozenset[str]:
        if self.kind == "coord":
            return self.parts[0].tags
        if self.kind == "pron":
            return self.entity.tags
        if self.kind == "name":
            return self.name.tags
        return self.noun.tags


@dataclass(eq=False)
class PP:
    prep: Prep | None  # None: a place preposition chosen by the noun (loc/dir)
    obj: NP
    role: str = "mod"  # mod loc dir time instr with
    en_word: str = ""  # place/time PPs: the English preposition


@dataclass(eq=False)
class VP:
    sense: VerbSense
    acc: NP | None = None  # object (German case from the frame)
    dat: NP | None = None  # recipient (ditransitive)
    comp_pp: PP | None = None  # loc/dir/pobj complement
    pred: Adj | None = None  # predicative adjective (copula)
    comp: Clause | None = None  # that-clause
    adjuncts: list[PP] = field(default_factory=list)
    manner: Adv | None = None
    sub: Clause | None = None  # adverbial clause at the end of the VP
    shift: bool = False  # particle after the object ("picked the ball up")
    to_dative: bool = False  # "gave the ball to the child"
    gap: str = ""  # relative-clause gap: acc


@dataclass(eq=False)
class Clause:
    subj: NP | None  # None when the gap is the subject
    vps: list[VP]
    tense: str  # past present future perfect prog_past prog_pres can could
    kind: str = "main"  # main sub comp rel
    conj: str = ""  # sub: English subordinator; comp: "that"
    front: Adv | PP | Clause | None = None
    freq: Adv | None = None
    gap: str = ""  # rel: subj or acc
    rel_word: str = ""  # that who which
    head: NP | None = None  # rel: the antecedent
    exist: NP | None = None  # "there is NP" (captions): German "es gibt NP"

    @property
    def number(self) -> str:
        if self.exist is not None:
            return self.exist.number
        if self.subj is None:
            return self.head.number
        return self.subj.number


@dataclass(eq=False)
class Coord:
    """Main clauses joined by a conjunction ("and", "but")."""

    parts: list[Clause]
    conj: str = "and"
    comma: bool = False


@dataclass(eq=False)
class Fragment:
    """A bare noun phrase as a sentence (image captions: "A red ball on a box.")."""

    np: NP


Sentence = Clause | Coord | Fragment


def tense_family(tense: str) -> str:
    return "past" if tense in ("past", "prog_past", "could", "perfect") else "present"
