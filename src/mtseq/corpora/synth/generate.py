"""Generate the whole synthetic corpus: every task, every split, STATS.json, all-or-nothing.

Splits are built valid, then test, then train; each refuses any English
sentence already used by an earlier split of any task, so no evaluation
sentence is ever seen in training (and valid and test are disjoint).
Randomness: one ``random.Random`` per (seed, task, split), and a NumPy
generator per split for caption-feature noise, so one config gives
byte-identical files and another seed gives other data.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mtseq.corpora.synth import stats as stats_mod
from mtseq.corpora.synth.documents import story
from mtseq.corpora.synth.grammar import Context, Grammar
from mtseq.corpora.synth.inventory import lexicon
from mtseq.corpora.synth.render import Pair, render
from mtseq.corpora.synth.scenes import SceneMaker
from mtseq.errors import ConfigError
from mtseq.io import AtomicOutputs
from mtseq.layout import LANGS, SPLITS, Layout

MAX_TOKENS = 30  # longest English sentence, in PTB tokens
TASKS = ("translate", "trees", "caption", "mono")
ORDER = ("valid", "test", "train")  # evaluation splits first: training avoids their sentences
KEYS = {"seed", "sizes", "captions_per_scene", "feature_dim", "feature_noise", "sentences_per_doc"}

Log = Callable[[str], None]


def check_config(cfg: dict) -> dict:
    """Refuse a malformed ``data.synth`` section, naming the key."""
    prefix = "data.synth"
    if not isinstance(cfg, dict):
        raise ConfigError(prefix, "must be a mapping")
    unknown = sorted(set(cfg) - KEYS)
    if unknown:
        raise ConfigError(f"{prefix}.{unknown[0]}", f"unknown key (known: {', '.join(sorted(KEYS))})")
    missing = sorted(KEYS - set(cfg))
    if missing:
        raise ConfigError(f"{prefix}.{missing[0]}", "missing")

    def integer(value, key: str, low: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(key, f"must be an integer >= {low}, got {value!r}")
        return value

    integer(cfg["seed"], f"{prefix}.seed", 0)
    sizes = cfg["sizes"]
    if not isinstance(sizes, dict) or set(sizes) != set(TASKS):
        raise ConfigError(f"{prefix}.sizes", f"must give exactly the tasks {', '.join(TASKS)}")
    for task in TASKS:
        if not isinstance(sizes[task], dict) or set(sizes[task]) != set(SPLITS):
            raise ConfigError(f"{prefix}.sizes.{task}", f"must give exactly the splits {', '.join(SPLITS)}")
        for split in SPLITS:
            integer(sizes[task][split], f"{prefix}.sizes.{task}.{split}", 1)
    integer(cfg["captions_per_scene"], f"{prefix}.captions_per_scene", 1)
    integer(cfg["feature_dim"], f"{prefix}.feature_dim", 1)
    noise = cfg["feature_noise"]
    if isinstance(noise, bool) or not isinstance(noise, int | float) or noise < 0:
        raise ConfigError(f"{prefix}.feature_noise", f"must be a number >= 0, got {noise!r}")
    spd = cfg["sentences_per_doc"]
    if (
        not isinstance(spd, list | tuple)
        or len(spd) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in spd)
        or not 1 <= spd[0] <= spd[1]
    ):
        raise ConfigError(f"{prefix}.sentences_per_doc", f"must be [min, max] with 1 <= min <= max, got {spd!r}")
    return cfg


def component_rng(seed: int, *names: str) -> random.Random:
    return random.Random("mtseq-synth/" + "/".join([str(seed), *names]))


def component_np_rng(seed: int, *names: str) -> np.random.Generator:
    digest = hashlib.sha256("/".join(["mtseq-synth", str(seed), *names]).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


class Builder:
    """Generates task data split by split, keeping the set of English sentences to avoid."""

    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.lex = lexicon()
        self.scenes = SceneMaker(self.lex)
        self.banned: set[str] = set()  # English sentences of earlier (evaluation) splits

    def render(self, s, german: bool = True) -> Pair:
        return render(s, self.lex.cue_words, german)

    def ok(self, pair: Pair) -> bool:
        return len(pair.en_tokens) <= MAX_TOKENS and pair.en not in self.banned

    def sentences(self, task: str, split: str, n: int) -> list[Pair]:
        """Isolated sentences (translation pairs, or English trees only)."""
        rng = component_rng(self.cfg["seed"], task, split)
        g = Grammar(rng, self.lex)
        out: list[Pair] = []
        seen: set[str] = set()
        while len(out) < n:
            pair = self.render(g.sentence(Context()), german=task != "trees")
            if not self.ok(pair) or (split != "train" and pair.en in seen):
                continue  # evaluation sets hold each sentence once
            seen.add(pair.en)
            out.append(pair)
        return out

    def captions(self, split: str, n: int) -> tuple[np.ndarray, list[int], list[Pair]]:
        cfg = self.cfg
        rng = component_rng(cfg["seed"], "caption", split)
        per = cfg["captions_per_scene"]
        codes, image_ids, pairs = [], [], []
        while len(codes) < n:
            scene = self.scenes.scene(rng)
            caps: list[Pair] = []
            for _ in range(20 * per):
                pair = self.render(self.scenes.caption(rng, scene))
                if self.ok(pair) and all(pair.en != c.en for c in caps):
                    caps.append(pair)
                    if len(caps) == per:
                        break
            if len(caps) < per:
                continue  # this scene cannot be described freshly enough: draw another
            image_ids += [len(codes)] * per
            codes.append(self.scenes.features(scene))
            pairs += caps
        noise = component_np_rng(cfg["seed"], "caption-noise", split)
        x = np.stack(codes) @ self.scenes.projection(cfg["feature_dim"])
        x += noise.normal(0.0, cfg["feature_noise"], size=x.shape)
        return x.astype(np.float32), image_ids, pairs

    def documents(self, split: str, n: int) -> tuple[list[int], list[Pair]]:
        rng = component_rng(self.cfg["seed"], "mono", split)
        g = Grammar(rng, self.lex)
        low, high = self.cfg["sentences_per_doc"]
        doc_ids: list[int] = []
        pairs: list[Pair] = []
        while len(set(doc_ids)) < n:
            doc = story(g, self.lex, rng.randint(low, high), self.render, self.ok)
            if doc is None:
                continue
            doc_ids += [len(set(doc_ids))] * len(doc)
            pairs += doc
        return doc_ids, pairs

    def split(self, split: str, log: Log) -> dict:
        sizes = self.cfg["sizes"]
        out: dict = {}
        for task in TASKS:
            t0 = time.perf_counter()
            n = sizes[task][split]
            if task in ("translate", "trees"):
                out[task] = self.sentences(task, split, n)
            elif task == "caption":
                out[task] = self.captions(split, n)
            else:
                out[task] = self.documents(split, n)
            log(f"synth: {task}.{split}: {n} {UNITS[task]} ({time.perf_counter() - t0:.1f}s)")
        return out


UNITS = {"translate": "pairs", "trees": "trees", "caption": "scenes", "mono": "documents"}


def generate(root: str | Path, cfg: dict, log: Log | None = None) -> dict:
    """Write the raw files of ``Layout(root)`` and STATS.json; return the stats."""
    cfg = check_config(cfg)
    log = log or (lambda msg: None)
    builder = Builder(cfg)
    data: dict = {task: {} for task in TASKS}
    for split in ORDER:
        produced = builder.split(split, log)
        for task in TASKS:
            data[task][split] = produced[task]
            if split != "train":
                builder.banned.update(p.en for p in stats_mod.pairs_of(task, produced[task]))
    stats = stats_mod.compute(data, builder.lex, cfg)
    write(Layout(root), data, stats)
    return stats


def write(lay: Layout, data: dict, stats: dict) -> None:
    with AtomicOutputs() as out:
        for split in SPLITS:
            pairs = data["translate"][split]
            out.write_lines(lay.raw_translate(split, "en"), (p.en for p in pairs))
            out.write_lines(lay.raw_translate(split, "de"), (p.de for p in pairs))
            out.write_lines(lay.raw(f"translate.{split}.en.mrg"), (p.tree for p in pairs))
            out.write_lines(lay.raw_trees(split), (p.tree for p in data["trees"][split]))
            features, image_ids, caps = data["caption"][split]
            with open(out.path(lay.caption_features(split)), "wb") as fh:
                np.save(fh, features)
            out.write_lines(lay.caption_image_ids(split), (str(i) for i in image_ids))
            doc_ids, mono = data["mono"][split]
            for lang in LANGS:
                side = "en" if lang == "en" else "de"
                out.write_lines(lay.raw_caption(split, lang), (getattr(p, side) for p in caps))
                out.write_lines(lay.raw_mono(split, lang), (getattr(p, side) for p in mono))
                out.write_lines(lay.mono_doc_ids(split, lang), (str(d) for d in doc_ids))
        out.write_json(lay.stats(), stats)
