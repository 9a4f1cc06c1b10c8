"""The probabilistic grammar: random sentence structures with English syntax.

Generation runs in English word order, so a pronoun always follows its
antecedent. Selectional restrictions (tags) keep sentences sensible; clause
embedding is bounded (MAX_DEPTH) and NP modifiers do not nest, which keeps
sentences short (mean about 10 tokens) and trees shallow.
"""

from __future__ import annotations

import random

from mtseq.corpora.synth.inventory import Lexicon, Sampler
from mtseq.corpora.synth.lexicon import ADJ_ORDER, Adj, Noun, VerbSense, expand_tags
from mtseq.corpora.synth.syntax import NP, PP, VP, Clause, Coord, Entity, Sentence, tense_family
from mtseq.corpora.synth.words import SPATIAL, put_preposition

MAX_DEPTH = 2  # clause nesting: a main clause, a clause in it, and one more

TENSES = {
    "any": {
        "past": 42,
        "present": 18,
        "future": 10,
        "perfect": 10,
        "prog_pres": 6,
        "prog_past": 5,
        "can": 4,
        "could": 5,
    },
    "past": {"past": 80, "prog_past": 10, "could": 10},
    "present": {"present": 60, "prog_pres": 15, "future": 15, "can": 10},
}
FRAMES = {
    "main": {"intr": 21, "trans": 33, "ditr": 7, "pobj": 8, "clause": 5, "loc": 8, "dir": 8, "put": 4, "cop": 6},
    "sub": {"intr": 26, "trans": 33, "ditr": 5, "pobj": 7, "loc": 9, "dir": 8, "put": 3, "cop": 9},
    "rel_subj": {"intr": 30, "trans": 40, "pobj": 6, "loc": 10, "dir": 8, "cop": 6},
    "rel_acc": {"trans": 85, "put": 15},
}
SUB_CONJ = {
    "past": ["because", "when", "while", "before", "although", "until"],
    "present": ["because", "when", "if", "while", "before", "although", "until"],
}
SPATIAL_DIR_VERBS = {"jump", "climb", "run", "fly"}
PUT_EN_LOC = {"put", "push"}  # "put the cup on the table"; "threw the ball onto the table"
DET_SG = {"the": 56, "a": 30, "this": 4, "every": 2, "no": 2, "poss": 6}
DET_PL = {"the": 44, "bare": 24, "some": 9, "two": 8, "three": 4, "this": 4, "no": 2, "poss": 5}
DET_MASS = {"the": 40, "bare": 45, "some": 15}
LOC_RELS = {"on": 30, "under": 20, "next to": 18, "behind": 12, "in front of": 8, "in": 12}
LOC_RELS_HUM = {"on": 20, "next to": 30, "behind": 15, "in front of": 15}
ANCHORS = {
    "on": "surf",
    "under": "surf fix veh",
    "behind": "surf fix veh",
    "in front of": "surf fix veh",
    "next to": "surf fix veh obj",
    "in": "cont",
}


class NoFit(Exception):
    """No verb sense fits a relative clause's gapped head."""


def pick(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class Context:
    """Discourse state: who has been mentioned (this sentence and the one before; a document's cast)."""

    def __init__(self, cast: list[Entity] | None = None, family: str = "any"):
        self.previous: list[Entity] = []
        self.current: list[Entity] = []
        self.cast = cast or []
        self.doc = cast is not None
        self.family = family
        self.want_cue = ""
        self.force_subject: Entity | None = None  # documents: the protagonist opens the story

    def snapshot(self) -> tuple:
        return (list(self.previous), list(self.current), [e.mentioned for e in self.cast], self.want_cue)

    def restore(self, state: tuple) -> None:
        previous, current, mentioned, self.want_cue = state
        self.previous, self.current = list(previous), list(current)
        for e, m in zip(self.cast, mentioned, strict=True):
            e.mentioned = m
        self.force_subject = None

    def next_sentence(self) -> None:
        self.previous, self.current = self.current, []
        self.want_cue = ""

    def pronounable(self) -> list[Entity]:
        """Entities a pronoun can pick out unambiguously (unique English pronoun), most recent first."""
        seen = self.previous + self.current
        counts: dict[str, int] = {}
        for e in seen:
            counts[e.en_key] = counts.get(e.en_key, 0) + 1
        out = []
        for e in reversed(seen):
            if e.en_key and counts[e.en_key] == 1 and e not in out:
                out.append(e)
        return out

    def mention(self, e: Entity) -> None:
        if e in self.current:
            self.current.remove(e)
        self.current.append(e)


def definite_or_a(np: NP) -> None:
    """Locations are "the/a/this/his table", never "no table" or "every table"."""
    if np.kind == "noun" and np.det in ("every", "no"):
        np.det = "the"


def entity_for(noun: Noun, number: str) -> Entity:
    return Entity(
        noun=noun,
        name=None,
        number=number,
        en_gender=noun.en_gender,
        de_gender="pl" if number == "pl" else noun.de.gender,
        tags=noun.tags,
    )


class Grammar:
    def __init__(self, rng: random.Random, lex: Lexicon):
        self.rng = rng
        self.lex = lex
        self.family = "present"  # tense family of the clause being generated

    # -- sentences --------------------------------------------------------
    def sentence(self, ctx: Context) -> Sentence:
        r = self.rng.random()
        if r < 0.07:
            conj = "but" if self.rng.random() < 0.35 else "and"
            family = tense_family(self.tense(ctx.family))
            parts = [self.clause(ctx, "main", 1, self.tense(family)) for _ in range(2)]
            return Coord(parts, conj, comma=conj == "but")
        return self.main_clause(ctx)

    def tense(self, family: str) -> str:
        return pick(self.rng, TENSES[family])

    def main_clause(self, ctx: Context, tense: str | None = None) -> Clause:
        rng = self.rng
        tense = tense or self.tense(ctx.family)
        front = None
        r = rng.random()
        if r < 0.07 and tense != "perfect":
            fam = "future" if tense in ("future", "can") else tense_family(tense)
            advs = [a for a in self.lex.advs_of("time").items if fam in a.tenses]
            front = advs[int(rng.random() ** 1.5 * len(advs))]
        elif r < 0.10:
            front = self.time_pp(ctx)
        elif r < 0.16:
            front = self.subordinate(ctx, 1, tense)
        cl = self.clause(ctx, "main", 0, tense, sub_ok=front is None)
        cl.front = front
        return cl

    def subordinate(self, ctx: Context, depth: int, main_tense: str) -> Clause:
        fam = tense_family(main_tense)
        conj = SUB_CONJ[fam][int(self.rng.random() ** 1.6 * len(SUB_CONJ[fam]))]
        if fam == "past":
            tense = pick(self.rng, {"past": 85, "prog_past": 15})
        else:
            tense = pick(self.rng, {"present": 80, "prog_pres": 10, "future": 10 if conj == "because" else 0})
        cl = self.clause(ctx, "sub", depth, tense)
        cl.conj = conj
        return cl

    def time_pp(self, ctx: Context) -> PP:
        noun = self.lex.nouns_with(frozenset({"time"})).draw(self.rng)
        det = "bare" if "bare" in noun.tags else "the"
        return PP(None, NP("noun", noun=noun, det=det), role="time", en_word=noun.loc)

    # -- clauses ----------------------------------------------------------
    def clause(
        self,
        ctx: Context,
        kind: str,
        depth: int,
        tense: str,
        gap: str = "",
        head: NP | None = None,
        sub_ok: bool = True,
    ) -> Clause:
        outer_family, self.family = self.family, tense_family(tense)
        try:
            return self._clause(ctx, kind, depth, tense, gap, head, sub_ok)
        finally:
            self.family = outer_family

    def _clause(
        self, ctx: Context, kind: str, depth: int, tense: str, gap: str, head: NP | None, sub_ok: bool
    ) -> Clause:
        rng = self.rng
        frames = FRAMES["rel_" + gap] if gap else FRAMES["main" if kind == "main" else "sub"]
        if depth >= MAX_DEPTH:
            frames = {k: v for k, v in frames.items() if k != "clause"}
        args: list[Entity] = []
        if head is not None and head.entity is not None:
            args.append(head.entity)
        sense = self.verb(frames, head.tags if gap == "subj" else None, head.tags if gap == "acc" else None)
        if sense is None:
            raise NoFit
        if sense.stative and tense.startswith("prog"):
            tense = "past" if tense == "prog_past" else "present"
        subj = None
        if gap != "subj":
            subj = self.np(ctx, sense.subj, args, role="subj", clause_depth=depth)
        cl = Clause(subj=subj, vps=[], tense=tense, kind=kind, gap=gap, head=head)
        vp = self.vp(ctx, sense, cl, depth, args, gap)
        cl.vps.append(vp)
        if (
            kind in ("main", "sub")
            and not gap
            and tense in ("past", "present", "future", "can", "could")
            and vp.comp is None
            and rng.random() < 0.05
        ):
            subj_tags = subj.tags
            second = self.verb(FRAMES["rel_subj"], subj_tags)
            if second is not None and not (second.stative and tense.startswith("prog")):
                cl.vps.append(self.vp(ctx, second, cl, MAX_DEPTH, args, ""))
        if rng.random() < 0.05 and sense.frame.kind != "cop":
            cl.freq = self.lex.advs_of("freq").draw(rng)
        if sub_ok and kind == "main" and depth == 0 and len(cl.vps) == 1 and vp.comp is None and rng.random() < 0.1:
            vp.sub = self.subordinate(ctx, depth + 1, tense)
        return cl

    def verb(
        self, frames: dict, subj_tags: frozenset[str] | None = None, obj_tags: frozenset[str] | None = None
    ) -> VerbSense | None:
        """A verb sense by frame weight then Zipf rank, fitting a gapped subject/object if any."""
        options = {k: w for k, w in frames.items() if self.lex.verbs_for(k, subj_tags, obj_tags)}
        if not options:
            return None
        return self.lex.verbs_for(pick(self.rng, options), subj_tags, obj_tags).draw(self.rng)

    def vp(self, ctx: Context, sense: VerbSense, cl: Clause, depth: int, args: list[Entity], gap: str) -> VP:
        rng = self.rng
        frame = sense.frame
        kind = frame.kind
        vp = VP(sense=sense, gap="acc" if gap == "acc" else "")
        subj_tags = cl.subj.tags if cl.subj is not None else cl.head.tags
        if kind == "ditr":
            self.ditransitive(ctx, sense, vp, args, depth)
        elif kind in ("trans", "pobj", "put") and gap != "acc":
            vp.acc = self.object(ctx, sense, args, depth)
        if sense.en.prt and kind in ("trans", "put", "ditr"):
            acc = vp.acc
            pron = acc is not None and acc.kind == "pron"
            heavy = acc is not None and (acc.rel is not None or acc.pp is not None or acc.kind == "coord")
            vp.shift = pron or gap == "acc" or kind == "ditr" or (not heavy and rng.random() < 0.35)
        if kind == "clause":
            comp = self.clause(ctx, "comp", depth + 1, self.tense("past" if self.family == "past" else ctx.family))
            comp.conj = "that"
            vp.comp = comp
        elif kind == "loc":
            vp.comp_pp = self.location(ctx, args, subj_tags, place_only=sense.en.base == "live")
        elif kind == "dir":
            vp.comp_pp = self.direction(ctx, sense, args)
        elif kind == "put":
            vp.comp_pp = self.put_target(ctx, sense, args)
        elif kind == "cop":
            adjs = self.lex.adjs_for(subj_tags)
            if not adjs or (sense.en.base == "be" and rng.random() < 0.35):
                vp.comp_pp = self.location(ctx, args, subj_tags)
            else:
                vp.pred = adjs.draw(rng)
        if kind in ("intr", "trans", "ditr", "dir", "put") and not sense.stative and rng.random() < 0.06:
            vp.manner = self.lex.advs_of("manner").draw(rng)
        p_adjunct = 0.14 if depth == 0 else 0.05
        if kind != "clause" and rng.random() < p_adjunct:  # never after a that-clause
            vp.adjuncts.append(self.adjunct(ctx, sense, args, subj_tags))
        return vp

    def ditransitive(self, ctx: Context, sense: VerbSense, vp: VP, args: list[Entity], depth: int) -> None:
        """Recipient and theme in English order: "gave the child a ball" or "gave a ball to the child"."""
        frame = sense.frame
        vp.to_dative = sense.to_dative_only or (not sense.double_object_only and self.rng.random() < 0.4)
        if not vp.to_dative:
            vp.dat = self.np(ctx, frame.dat, args, role="obj", clause_depth=depth, simple=True)
        vp.acc = self.object(ctx, sense, args, depth)
        if vp.acc.kind == "pron":  # "gave it to the child", never "gave the child it"
            if sense.double_object_only:
                vp.acc = self.noun_np(ctx, frame.obj, args, depth, simple=True)
            else:
                vp.to_dative = True
        if vp.dat is None:
            vp.dat = self.np(ctx, frame.dat, args, role="obj", clause_depth=depth, simple=True)

    def object(self, ctx: Context, sense: VerbSense, args: list[Entity], depth: int) -> NP:
        tags = sense.frame.obj
        np = self.np(ctx, tags, args, role="obj", clause_depth=depth)
        if np.kind == "noun" and "instr" in np.noun.tags:
            np.det, np.de_bare, np.adjs, np.number = "the", True, [], "sg"
        return np

    # -- prepositional phrases --------------------------------------------
    def place(self, ctx: Context, args: list[Entity], role: str) -> PP:
        np = self.noun_np(ctx, frozenset({"place"}), args, MAX_DEPTH, simple=True, number="sg")
        definite_or_a(np)
        word = np.noun.loc if role == "loc" else np.noun.dir
        return PP(None, np, role=role, en_word=word)

    def spatial(self, ctx: Context, args: list[Entity], prep_of, rel: str) -> PP:
        nouns = {e.noun for e in args}
        tags = expand_tags(ANCHORS[rel])
        mentioned, used = list(ctx.current), list(args)
        for attempt in range(4):  # not "the box on the box"; a refused anchor leaves no discourse trace
            anchor = self.np(ctx, tags, args, role="pp", clause_depth=MAX_DEPTH, simple=True, number="sg")
            if anchor.noun is None or anchor.noun not in nouns or attempt == 3:
                break
            ctx.current[:], args[:] = mentioned, used
        definite_or_a(anchor)
        return PP(self.lex.preps[prep_of(rel)], anchor, role="loc")

    def location(self, ctx: Context, args: list[Entity], theme: frozenset[str], place_only: bool = False) -> PP:
        """Where ``theme`` is: a place ("in the garden") or a spatial relation ("under the table")."""
        if place_only or self.rng.random() < 0.5:
            return self.place(ctx, args, "loc")
        rels = LOC_RELS_HUM if "hum" in theme else LOC_RELS
        return self.spatial(ctx, args, lambda rel: SPATIAL[rel][0], pick(self.rng, rels))

    def direction(self, ctx: Context, sense: VerbSense, args: list[Entity]) -> PP:
        if sense.en.base in SPATIAL_DIR_VERBS and self.rng.random() < 0.4:
            rel = pick(self.rng, {"on": 40, "in": 25, "under": 20, "behind": 15})
            return self.spatial(ctx, args, lambda r: SPATIAL[r][1], rel)
        return self.place(ctx, args, "dir")

    def put_target(self, ctx: Context, sense: VerbSense, args: list[Entity]) -> PP:
        rel = pick(self.rng, {"on": 40, "in": 25, "under": 15, "behind": 10, "next to": 10})
        pp = self.spatial(ctx, args, lambda r: SPATIAL[r][1], rel)
        if sense.en.base in PUT_EN_LOC:  # English "on/in", German still accusative
            pp.prep = put_preposition(rel)
        pp.role = "dir"
        return pp

    def adjunct(self, ctx: Context, sense: VerbSense, args: list[Entity], subj_tags: frozenset[str]) -> PP:
        rng = self.rng
        r = rng.random()
        if sense.tools and r < 0.45:
            noun = self.lex.noun_by_en[sense.tools[int(rng.random() * len(sense.tools))]]
            tool = NP("noun", noun=noun, det="the" if rng.random() < 0.6 else "a")
            return PP(self.lex.preps["with"], tool, role="instr")
        if r < 0.25:
            return self.time_pp(ctx)
        if r < 0.40 and sense.frame.kind in ("intr", "dir") and subj_tags & {"hum"}:
            friend = self.np(ctx, expand_tags("live"), args, role="pp", clause_depth=MAX_DEPTH, simple=True)
            return PP(self.lex.preps["with"], friend, role="with")
        if sense.frame.kind in ("loc", "dir", "cop"):
            return self.time_pp(ctx)
        return self.place(ctx, args, "loc")

    # -- noun phrases -----------------------------------------------------
    def np(
        self,
        ctx: Context,
        tags: frozenset[str],
        args: list[Entity],
        role: str,
        clause_depth: int,
        simple: bool = False,
        number: str = "",
    ) -> NP:
        rng = self.rng
        forced = ctx.force_subject
        if forced is not None and role == "subj" and forced.tags & tags and forced not in args:
            ctx.force_subject = None
            return self._use(ctx, args, self.cast_np(forced))
        pronounable = [e for e in ctx.pronounable() if e.tags & tags and e not in args]
        p_pron = (0.55 if ctx.doc else 0.45) if role == "subj" else (0.35 if ctx.doc else 0.25)
        if pronounable and rng.random() < p_pron:
            e = pronounable[0] if rng.random() < 0.7 else pronounable[int(rng.random() * len(pronounable))]
            return self._use(ctx, args, NP("pron", number=e.number, entity=e))
        if ctx.cast:
            cast = [e for e in ctx.cast if e.tags & tags and e not in args]
            if cast and rng.random() < (0.75 if role == "subj" else 0.25):
                e = cast[0] if rng.random() < 0.6 else rng.choice(cast)
                if e in ctx.current and e in pronounable:  # "She noticed that she ...", not "... that Julia ..."
                    return self._use(ctx, args, NP("pron", number=e.number, entity=e))
                return self._use(ctx, args, self.cast_np(e))
        if "hum" in tags:
            r = rng.random()
            if r < 0.07:
                name = self.lex.names[int(rng.random() ** 1.5 * len(self.lex.names))]
                e = Entity(None, name, "sg", name.en_gender, name.en_gender, name.tags)
                return self._use(ctx, args, NP("name", name=name, entity=e))
            if r < 0.10 and role == "subj" and not ctx.doc:
                number = "pl" if rng.random() < 0.3 else "sg"
                g = rng.choice("mf")
                e = Entity(None, None, number, g, "pl" if number == "pl" else g, frozenset({"hum"}))
                return self._use(ctx, args, NP("pron", number=number, entity=e))
        if not simple and clause_depth == 0 and role in ("subj", "obj") and rng.random() < 0.03:
            parts = [self.noun_np(ctx, tags, args, clause_depth, simple=True, register=False) for _ in range(2)]
            if parts[0].noun is not parts[1].noun:
                return NP("coord", number="pl", parts=parts)
        return self.noun_np(ctx, tags, args, clause_depth, simple, number=number)

    def _use(self, ctx: Context, args: list[Entity], np: NP) -> NP:
        ctx.mention(np.entity)
        args.append(np.entity)
        return np

    def cast_np(self, e: Entity) -> NP:
        if e.name is not None:
            np = NP("name", name=e.name, entity=e)
        elif not e.mentioned:
            det = "a" if e.number == "sg" and not e.noun.mass else "bare"
            np = NP("noun", number=e.number, noun=e.noun, det=det, adjs=list(e.adjs), entity=e)
        else:
            np = NP("noun", number=e.number, noun=e.noun, det="the", entity=e)
        e.mentioned = True
        return np

    def choose_noun(self, ctx: Context, tags: frozenset[str]) -> Noun:
        rng = self.rng
        if ctx.want_cue and rng.random() < 0.5:
            cued = self.lex.sampler(
                ("cue", ctx.want_cue, tags),
                lambda: [n for n in self.lex.nouns if n.tags & tags and n.cue == ctx.want_cue and "time" not in n.tags],
            )
            if cued:
                ctx.want_cue = ""
                return cued.draw(rng)
        noun = self.lex.nouns_with(tags, frozenset({"time"})).draw(rng)
        if noun.senses and rng.random() < 0.5:
            ctx.want_cue = noun.senses[0][0]
        return noun

    def noun_np(
        self,
        ctx: Context,
        tags: frozenset[str],
        args: list[Entity],
        clause_depth: int,
        simple: bool,
        register: bool = True,
        number: str = "",
    ) -> NP:
        rng = self.rng
        noun = self.choose_noun(ctx, tags)
        if noun.mass:
            number = "sg"
            det = "bare" if "game" in noun.tags else pick(rng, DET_MASS)
        else:
            number = number or ("pl" if rng.random() < 0.25 else "sg")
            det = pick(rng, DET_PL if number == "pl" else DET_SG)
        np = NP("noun", number=number, noun=noun, det=det)
        if det == "poss":
            # "his mother", "her dog"; people are possessed only through relations ("his friend")
            owner_tags = {"hum"} if "hum" in noun.tags else {"hum", "ani"}
            owners = [e for e in ctx.pronounable() if e.tags & owner_tags]
            if owners and ("hum" not in noun.tags or "rel" in noun.tags):
                np.poss = owners[0]
            else:
                np.det = "the"
        np.adjs = self.adjectives(noun)
        if register and det not in ("every", "no") and noun.en_gender and "nopro" not in noun.tags:
            np.entity = entity_for(noun, number)
            self._use(ctx, args, np)
        if not simple and clause_depth < MAX_DEPTH:
            r = rng.random()
            if r < 0.06 and noun.tags & {"hum", "ani", "obj"}:
                np.pp = self.np_modifier(ctx, np, args)
            elif r < 0.13 and np.entity is not None:
                gap = "subj" if rng.random() < 0.6 else "acc"
                try:
                    np.rel = self.relative(ctx, np, clause_depth + 1, gap)
                except NoFit:  # no verb takes this head in that role
                    np.rel = None
        return np

    def adjectives(self, noun: Noun) -> list[Adj]:
        rng = self.rng
        r = rng.random()
        n = 0 if r < 0.72 else (1 if r < 0.95 else 2)
        if n == 0 or "instr" in noun.tags or "game" in noun.tags:
            return []
        sampler: Sampler = self.lex.adjs_for(noun.tags)
        if not sampler:
            return []
        chosen: list[Adj] = []
        for _ in range(n * 3):
            a = sampler.draw(rng)
            if all(ADJ_ORDER[a.cat] != ADJ_ORDER[b.cat] for b in chosen):
                chosen.append(a)
            if len(chosen) == n:
                break
        return sorted(chosen, key=lambda a: ADJ_ORDER[a.cat])

    def np_modifier(self, ctx: Context, head: NP, args: list[Entity]) -> PP:
        rng = self.rng
        tags = head.noun.tags
        r = rng.random()
        if "hum" in tags and r < 0.3:
            place = self.place(ctx, args, "loc")
            if place.obj.noun.senses:  # "from the bank": aus der Bank / vom Ufer; keep it a location
                return place
            return PP(self.lex.preps["from"], place.obj, role="mod")
        if r < 0.6 and tags & {"hum", "ani"}:
            thing = self.noun_np(ctx, expand_tags("obj"), args, MAX_DEPTH, simple=True)  # not "the man with it"
            return PP(self.lex.preps["with"], thing, role="mod")
        if r < 0.75 and tags & {"gift", "letter", "cake"}:
            who = self.np(ctx, frozenset({"hum"}), args, role="pp", clause_depth=MAX_DEPTH, simple=True)
            return PP(self.lex.preps["for"], who, role="mod")
        return self.location(ctx, args, tags)

    def relative(self, ctx: Context, head: NP, depth: int, gap: str) -> Clause:
        past = self.family == "past"
        tense = pick(self.rng, {"past": 90, "prog_past": 10} if past else {"present": 70, "perfect": 30})
        cl = self.clause(ctx, "rel", depth, tense, gap=gap, head=head)
        if "hum" in head.noun.tags:
            cl.rel_word = "who" if self.rng.random() < 0.5 else "that"
        else:
            cl.rel_word = "which" if self.rng.random() < 0.4 else "that"
        return cl
