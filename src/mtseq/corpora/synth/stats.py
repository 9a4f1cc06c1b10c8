"""STATS.json: what the generated corpus contains, for calibration and for the docs.

Counts per task and split, vocabulary sizes, sentence lengths, how often
German reorders beyond adjacent swaps, how well the small translation
training set covers its test words, and how often each construction occurs.
Every number is a deterministic function of the data (no timings), so the
file is byte-identical across runs of one config.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from mtseq.corpora.synth.inventory import Lexicon
from mtseq.corpora.synth.render import Pair

SPLITS = ("train", "valid", "test")
HIST_EDGES = (0, 5, 10, 15, 20, 25, 30, 35, 40)
PHENOMENA = {
    "subordinate_clause": "(SBAR (IN",
    "relative_clause": "(WHNP",
    "particle_verb": "(PRT",
    "modal_or_future": "(MD",
    "coordination": "(CC",
    "pp": "(PP",
    "pronoun": "(PRP ",
}


def length_summary(lengths: list[int]) -> dict:
    arr = np.asarray(lengths, dtype=np.float64)
    if arr.size == 0:
        return {"n": 0}
    hist, _ = np.histogram(arr, bins=list(HIST_EDGES) + [max(HIST_EDGES[-1] + 1, int(arr.max()) + 1)])
    return {
        "n": int(arr.size),
        "mean": round(float(arr.mean()), 3),
        "max": int(arr.max()),
        "percentiles": {str(q): float(np.percentile(arr, q)) for q in (5, 25, 50, 75, 95)},
        "histogram": {"edges": list(HIST_EDGES) + ["inf"], "counts": [int(c) for c in hist]},
    }


def vocab(sentences: Iterable[tuple[str, ...]]) -> set[str]:
    out: set[str] = set()
    for toks in sentences:
        out.update(toks)
    return out


def coverage(test: list[Pair], train_vocab: set[str], side: str) -> float:
    toks = [t for p in test for t in getattr(p, side)]
    return round(sum(t in train_vocab for t in toks) / max(1, len(toks)), 4)


def compute(data: dict, lex: Lexicon, cfg: dict) -> dict:
    """``data[task][split]``: translate/trees -> list[Pair]; caption -> (scenes, image ids, pairs);
    mono -> (doc ids, pairs)."""
    pairs = {task: {split: pairs_of(task, data[task][split]) for split in SPLITS} for task in data}
    counts: dict = {}
    for split in SPLITS:
        counts.setdefault("translate", {})[split] = {"pairs": len(pairs["translate"][split])}
        counts.setdefault("trees", {})[split] = {"trees": len(pairs["trees"][split])}
        features, _, cap = data["caption"][split]
        counts.setdefault("caption", {})[split] = {"scenes": int(features.shape[0]), "captions": len(cap)}
        doc_ids, mono = data["mono"][split]
        counts.setdefault("mono", {})[split] = {"documents": len(set(doc_ids)), "sentences": len(mono)}
    bilingual = [p for task in ("translate", "caption", "mono") for s in SPLITS for p in pairs[task][s]]
    all_en = bilingual + [p for s in SPLITS for p in pairs["trees"][s]]
    en_vocab, de_vocab = vocab(p.en_tokens for p in all_en), vocab(p.de_tokens for p in bilingual)
    train_en = vocab(p.en_tokens for task in pairs for p in pairs[task]["train"])
    train_de = vocab(p.de_tokens for task in ("translate", "caption", "mono") for p in pairs[task]["train"])
    tr_en = vocab(p.en_tokens for p in pairs["translate"]["train"])
    tr_de = vocab(p.de_tokens for p in pairs["translate"]["train"])
    reorder = {
        task: round(sum(p.reordered for s in SPLITS for p in pairs[task][s]) / max(1, _n(pairs[task])), 4)
        for task in ("translate", "caption", "mono")
    }
    reorder["all"] = round(sum(p.reordered for p in bilingual) / max(1, len(bilingual)), 4)
    return {
        "seed": cfg["seed"],
        "counts": counts,
        "lexicon": {
            "lemmas": lex.lemma_count,
            "english_word_forms": len(lex.english_forms()),
            "nouns": len(lex.nouns),
            "verb_senses": len(lex.verbs),
            "adjectives": len(lex.adjs),
            "adverbs": len(lex.advs),
            "names": len(lex.names),
        },
        "vocab": {
            "en": len(en_vocab),
            "de": len(de_vocab),
            "distinct_words": len(en_vocab | de_vocab),
            "en_train": len(train_en),
            "de_train": len(train_de),
        },
        "length": {
            "en": length_summary([len(p.en_tokens) for p in all_en]),
            "de": length_summary([len(p.de_tokens) for p in bilingual]),
            "en_mean_by_task": {t: _mean([len(p.en_tokens) for s in SPLITS for p in pairs[t][s]]) for t in pairs},
        },
        "reorder_fraction": reorder,
        "translate_test_coverage": {
            "en": coverage(pairs["translate"]["test"], tr_en, "en_tokens"),
            "de": coverage(pairs["translate"]["test"], tr_de, "de_tokens"),
        },
        "phenomena_translate_train": {
            name: round(
                sum(mark in p.tree for p in pairs["translate"]["train"])
                / max(1, counts["translate"]["train"]["pairs"]),
                4,
            )
            for name, mark in PHENOMENA.items()
        },
    }


def pairs_of(task: str, item) -> list[Pair]:
    """The sentence pairs inside one task's generated data for a split."""
    if task == "caption":
        return item[2]
    if task == "mono":
        return item[1]
    return item


def _n(by_split: dict) -> int:
    return sum(len(v) for v in by_split.values())


def _mean(values: list[int]) -> float:
    return round(sum(values) / max(1, len(values)), 3)
