"""A tiny fixture corpus in the standard layout, for the model/train/decode tests and benchmarks/gpu_check.py.

Templated so that every task has something learnable in a few updates:
German is English word-by-word with the verb moved to the end, trees are
bracketed from the sentence's shape, captions name the image's "objects"
(features are one-hot sums plus noise), documents are runs of sentences.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from mtseq.layout import Layout
from mtseq.text.vocab import Vocab

NOUNS = [f"n{i}" for i in range(12)]
VERBS = [f"v{i}" for i in range(6)]
ADJS = [f"a{i}" for i in range(6)]
DET = ["the", "a"]
FEATURE_DIM = 12


def _sentence(rng: np.random.Generator) -> tuple[list[str], str]:
    """An English clause and its linearised tree."""
    subj = [str(rng.choice(DET)), str(rng.choice(NOUNS))]
    if rng.random() < 0.5:
        subj.insert(1, str(rng.choice(ADJS)))
    obj = [str(rng.choice(DET)), str(rng.choice(NOUNS))]
    verb = str(rng.choice(VERBS))
    words = subj + [verb] + obj
    np_s = "(NP " + " ".join("XX" for _ in subj) + " )NP"
    np_o = "(NP " + " ".join("XX" for _ in obj) + " )NP"
    return words, f"(S {np_s} (VP XX {np_o} )VP )S"


def _german(words: list[str]) -> list[str]:
    """Word-by-word with a 'd' prefix and the verb last: a reordering the encoder must learn."""
    verb = next(w for w in words if w.startswith("v"))
    return ["d" + w for w in words if w != verb] + ["d" + verb]


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def build_corpus(root: str | Path, seed: int = 0, n_train: int = 160, n_valid: int = 24) -> Path:
    """Write every task's train/valid/test files and the en/de/lin vocabularies under ``root``."""
    root = Path(root)
    lay = Layout(root)
    rng = np.random.default_rng(seed)
    vocab_lines: dict[str, list[str]] = {"en": [], "de": [], "lin": []}
    sizes = {"train": n_train, "valid": n_valid, "test": n_valid}
    for split, n in sizes.items():
        # translation and parsing
        en, de, lin = [], [], []
        for _ in range(n):
            words, tree = _sentence(rng)
            en.append(" ".join(words))
            de.append(" ".join(_german(words)))
            lin.append(tree)
        _write(lay.tok(lay.raw_translate(split, "en")), en)
        _write(lay.tok(lay.raw_translate(split, "de")), de)
        p_en, p_lin = [], []
        for _ in range(n):
            words, tree = _sentence(rng)
            p_en.append(" ".join(words))
            p_lin.append(tree)
        _write(lay.parse_tokens(split), p_en)
        _write(lay.parse_linearised(split), p_lin)
        # captions: each image shows two objects; two captions per image
        n_img = max(2, n // 2)
        objects = rng.integers(0, FEATURE_DIM, size=(n_img, 2))
        feats = rng.normal(0, 0.1, size=(n_img, FEATURE_DIM)).astype(np.float32)
        feats[np.arange(n_img), objects[:, 0]] += 1
        feats[np.arange(n_img), objects[:, 1]] += 1
        lay.caption_features(split).parent.mkdir(parents=True, exist_ok=True)
        np.save(lay.caption_features(split), feats)
        img, cap_en, cap_de = [], [], []
        for i in range(n_img):
            for _ in range(2):
                a, b = (NOUNS[objects[i, 0]], NOUNS[objects[i, 1]])
                words = ["a", a, str(rng.choice(VERBS)), "a", b]
                img.append(str(i))
                cap_en.append(" ".join(words))
                cap_de.append(" ".join(_german(words)))
        _write(lay.caption_image_ids(split), img)
        _write(lay.tok(lay.raw_caption(split, "en")), cap_en)
        _write(lay.tok(lay.raw_caption(split, "de")), cap_de)
        # monolingual documents of 2-4 sentences
        for lang in ("en", "de"):
            text, docs = [], []
            doc = 0
            while len(text) < n:
                for _ in range(int(rng.integers(2, 5))):
                    words, _ = _sentence(rng)
                    text.append(" ".join(words if lang == "en" else _german(words)))
                    docs.append(str(doc))
                doc += 1
            _write(lay.tok(lay.raw_mono(split, lang)), text)
            _write(lay.mono_doc_ids(split, lang), docs)
            if split == "train":
                vocab_lines[lang] += text
        if split == "train":
            vocab_lines["en"] += en + p_en + cap_en
            vocab_lines["de"] += de + cap_de
            vocab_lines["lin"] += p_lin
    for name, lines in vocab_lines.items():
        Vocab.build(lines, max_size=1000, min_count=1).save(lay.vocab(name))
    return root


TINY = {
    "model": {
        "layers": 1,
        "hidden": 32,
        "embed": 32,
        "dropout": 0.1,
        "init_range": 0.1,
        "reverse_source": True,
        "attention": False,
    },
    "train": {
        "reference_epochs": 2,
        "batch_size": 16,
        "max_len": 50,
        "optimizer": "sgd",
        "lr": 0.7,
        "lr_halving": {"start": 1, "cycle": 1},
        "clip_norm": 5.0,
        "validate_every": 0,
        "checkpoint_every": 5,
        "device": "cpu",
        "bf16": False,
        "threads": 1,
    },
    "decode": {"beam": 3, "length_penalty": 1.0, "max_len": 20},
}


def tiny_config(**sections) -> dict:
    """TINY with some keys of its sections replaced: ``tiny_config(train={"updates": 10})``."""
    cfg = copy.deepcopy(TINY)
    for name, values in sections.items():
        cfg.setdefault(name, {}).update(values)
    return cfg


# One task mix per setting: every task kind, as the paper's settings share modules.
SETTINGS = {
    "one_to_many": ("translate_en_de", {"parse_en": 0.5, "autoencode_en": 0.2}),
    "many_to_one": ("translate_de_en", {"caption_en": 0.5, "autoencode_en": 0.2}),
    "many_to_many": (
        "translate_en_de",
        {
            "translate_de_en": 0.5,
            "autoencode_en": 0.2,
            "autoencode_de": 0.2,
            "skipthought_en": 0.2,
            "skipthought_halves_de": 0.2,
        },
    ),
}
