"""Where every stage reads and writes, relative to a corpus root.

Generated and fetched corpora share this layout, so no stage after
``raw/`` can tell them apart. Snakemake rules and the Python stages both
take their paths from here: one source of truth for file names.

raw/    as generated or fetched (detokenised text, PTB trees, features)
tok/    Moses-tokenised text, aligned like raw/
trees/  cleaned trees, their tokens and their linearisations
vocab/  one vocabulary per language or modality
"""

from __future__ import annotations

from pathlib import Path

SPLITS = ("train", "valid", "test")
LANGS = ("en", "de")


class Layout:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    # raw/ ---------------------------------------------------------------
    def raw(self, name: str) -> Path:
        return self.root / "raw" / name

    def raw_translate(self, split: str, lang: str) -> Path:
        return self.raw(f"translate.{split}.{lang}")

    def raw_trees(self, split: str) -> Path:
        """PTB bracketed trees (one or many per line; multi-line trees allowed)."""
        return self.raw(f"trees.{split}.mrg")

    def raw_caption(self, split: str, lang: str) -> Path:
        return self.raw(f"caption.{split}.{lang}")

    def caption_features(self, split: str) -> Path:
        """float32 array [n_images, dim]; row i is image i."""
        return self.raw(f"caption.{split}.npy")

    def caption_image_ids(self, split: str) -> Path:
        """One integer a line: the feature row that caption line describes."""
        return self.raw(f"caption.{split}.img")

    def raw_mono(self, split: str, lang: str) -> Path:
        return self.raw(f"mono.{split}.{lang}")

    def mono_doc_ids(self, split: str, lang: str) -> Path:
        """One document id a line, aligned with mono.<split>.<lang>; documents are contiguous."""
        return self.raw(f"mono.{split}.{lang}.doc")

    # tok/ ---------------------------------------------------------------
    def tok(self, raw_path: Path) -> Path:
        return self.root / "tok" / Path(raw_path).name

    # trees/ -------------------------------------------------------------
    def parse_tokens(self, split: str) -> Path:
        return self.root / "trees" / f"parse.{split}.en"

    def parse_linearised(self, split: str) -> Path:
        return self.root / "trees" / f"parse.{split}.lin"

    def parse_clean(self, split: str) -> Path:
        """Cleaned gold trees, one per line: the reference for parse F1."""
        return self.root / "trees" / f"parse.{split}.mrg"

    # vocab/ -------------------------------------------------------------
    def vocab(self, name: str) -> Path:
        return self.root / "vocab" / f"{name}.txt"

    def stats(self) -> Path:
        return self.root / "STATS.json"
