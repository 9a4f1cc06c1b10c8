"""Captioning data: random scenes, their feature vectors, and several captions each.

A scene is 1-3 objects (type, colour, size) with spatial relations between
them. Its feature vector is a fixed function of the scene: a structured
one-hot code multiplied by a random projection seeded by a constant (never
by the data seed, so every corpus shares one "camera"), plus Gaussian noise.
Captions describe the same scene with different wording, order and detail,
through the same grammar realisers as every other task.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from mtseq.corpora.synth.inventory import Lexicon
from mtseq.corpora.synth.lexicon import Adj, Noun, VerbSense
from mtseq.corpora.synth.syntax import NP, PP, VP, Clause, Coord, Fragment, Sentence
from mtseq.corpora.synth.words import SPATIAL

PROJECTION_SEED = 20160301  # the camera: fixed for all corpora
COLOURS = ("red", "blue", "green", "yellow", "black", "white", "brown", "grey")
SIZES = ("small", "medium", "big")  # "medium" is never said
RELATIONS = tuple(SPATIAL)  # on under behind in front of next to in left of right of


@dataclass(frozen=True)
class SceneObject:
    noun: Noun
    colour: Adj
    size: str

    @property
    def large(self) -> bool:
        return bool(self.noun.tags & {"surf", "veh", "fix"})


@dataclass(frozen=True)
class Scene:
    objects: tuple[SceneObject, ...]
    relations: tuple[tuple[int, str, int], ...]  # (figure, relation, anchor)


class SceneMaker:
    def __init__(self, lex: Lexicon):
        self.lex = lex
        self.types = [n for n in lex.nouns if "scene" in n.tags]
        self.colours = [next(a for a in lex.adjs if a.en == c) for c in COLOURS]
        self.size_adj = {s: next(a for a in lex.adjs if a.en == s) for s in ("small", "big")}
        self.be = self._verb("be", "cop")
        self.posture = {v: self._verb(v, "loc") for v in ("sit", "lie", "stand")}
        self.dim = 3 * (len(self.types) + len(COLOURS) + len(SIZES)) + 2 * (len(RELATIONS) + 3)

    def _verb(self, base: str, kind: str) -> VerbSense:
        return next(v for v in self.lex.verbs if v.en.base == base and v.frame.kind == kind and not v.en.prt)

    # -- scenes -----------------------------------------------------------
    def scene(self, rng: random.Random) -> Scene:
        n = rng.choices((1, 2, 3), weights=(2, 5, 3))[0]
        nouns = rng.sample(self.types, n)
        objects = tuple(SceneObject(nn, rng.choice(self.colours), rng.choice(SIZES)) for nn in nouns)
        relations = []
        for fig in range(1, n):
            anchor = 0 if fig == 1 else rng.randrange(2)
            relations.append((fig, self.relation(rng, objects[fig], objects[anchor]), anchor))
        return Scene(objects, tuple(relations))

    def relation(self, rng: random.Random, fig: SceneObject, anchor: SceneObject) -> str:
        options = ["next to", "behind", "in front of", "left of", "right of", "under"]
        if not fig.large or anchor.large:
            options += ["on", "on"]
            if "cont" in anchor.noun.tags and not fig.large:
                options += ["in", "in"]
        return rng.choice(options)

    def features(self, scene: Scene) -> np.ndarray:
        """The structured one-hot code of a scene (before projection)."""
        x = np.zeros(self.dim, dtype=np.float64)
        slot = len(self.types) + len(COLOURS) + len(SIZES)
        for i, obj in enumerate(scene.objects):
            base = i * slot
            x[base + self.types.index(obj.noun)] = 1
            x[base + len(self.types) + self.colours.index(obj.colour)] = 1
            x[base + len(self.types) + len(COLOURS) + SIZES.index(obj.size)] = 1
        for k, (_, rel, anchor) in enumerate(scene.relations):
            base = 3 * slot + k * (len(RELATIONS) + 3)
            x[base + RELATIONS.index(rel)] = 1
            x[base + len(RELATIONS) + anchor] = 1
        return x

    def projection(self, feature_dim: int) -> np.ndarray:
        rng = np.random.default_rng(PROJECTION_SEED)
        return rng.standard_normal((self.dim, feature_dim)) / np.sqrt(8.0)

    # -- captions ---------------------------------------------------------
    def caption(self, rng: random.Random, scene: Scene) -> Sentence:
        """One caption: a template, a level of detail, an order."""
        said: set[int] = set()
        colour_p, size_p = rng.choice(((0.9, 0.6), (0.7, 0.3), (0.4, 0.1)))
        detail = {i: (rng.random() < colour_p, rng.random() < size_p) for i in range(len(scene.objects))}

        def np_for(i: int, pp: PP | None = None) -> NP:
            obj = scene.objects[i]
            adjs = []
            show_colour, show_size = detail[i]
            if i not in said:
                if show_size and obj.size != "medium":
                    adjs.append(self.size_adj[obj.size])
                if show_colour:
                    adjs.append(obj.colour)
            det = "the" if i in said else "a"
            said.add(i)
            return NP("noun", noun=obj.noun, det=det, adjs=adjs, pp=pp)

        if not scene.relations:
            return self._single(rng, scene.objects[0], np_for)
        statements = list(scene.relations)
        if rng.random() < 0.3:
            statements = [self._inverse(r) or r for r in statements]
        template = rng.choice(("cop", "cop", "posture", "exist", "frag"))
        if template == "frag":
            return Fragment(self._fragment(statements, np_for))
        clauses = [self._statement(rng, template, rel, np_for, said) for rel in statements]
        return clauses[0] if len(clauses) == 1 else Coord(clauses, "and", comma=rng.random() < 0.5)

    def _single(self, rng: random.Random, obj: SceneObject, np_for) -> Sentence:
        template = rng.choice(("frag", "exist", "pred"))
        if template == "frag":
            return Fragment(np_for(0))
        if template == "exist":
            return Clause(subj=None, vps=[], tense="present", exist=np_for(0))
        subj = NP("noun", noun=obj.noun, det="the")
        return Clause(subj=subj, vps=[VP(self.be, pred=obj.colour)], tense="present")

    def _inverse(self, rel: tuple[int, str, int]) -> tuple[int, str, int] | None:
        fig, name, anchor = rel
        inverse = SPATIAL[name][2]
        return None if inverse is None else (anchor, inverse, fig)

    def _pp(self, name: str, anchor_np: NP) -> PP:
        return PP(self.lex.preps[SPATIAL[name][0]], anchor_np, role="loc")

    def _statement(self, rng: random.Random, template: str, rel, np_for, said: set[int]) -> Clause:
        fig, name, anchor = rel
        if template == "exist" and fig not in said:  # never "there is the ..."
            fig_np = np_for(fig)
            fig_np.pp = self._pp(name, np_for(anchor))
            return Clause(subj=None, vps=[], tense="present", exist=fig_np)
        subj = np_for(fig)
        pp = self._pp(name, np_for(anchor))
        if template == "posture":
            tags = subj.noun.tags
            verb = self.posture["sit" if "ani" in tags else "lie" if "flat" in tags else "stand"]
            tense = "prog_pres" if rng.random() < 0.4 else "present"
            return Clause(subj=subj, vps=[VP(verb, comp_pp=pp)], tense=tense)
        return Clause(subj=subj, vps=[VP(self.be, comp_pp=pp)], tense="present")

    def _fragment(self, statements, np_for) -> NP:
        first = statements[0]
        if len(statements) == 1:
            fig, name, anchor = first
            fig_np = np_for(fig)
            fig_np.pp = self._pp(name, np_for(anchor))
            return fig_np
        parts = []
        for fig, name, anchor in statements:
            fig_np = np_for(fig)
            fig_np.pp = self._pp(name, np_for(anchor))
            parts.append(fig_np)
        return NP("coord", number="pl", parts=parts)
