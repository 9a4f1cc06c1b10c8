"""Where every stage reads and writes, relative to a corpus root.

Generated and fetched corpora share this layout, so no stage after
``raw/`` can tell them apart. Snakemake rules and the Python stages both
take their paths from here: one source of truth for file names.

raw/     as generated or fetched (detokenised text, PTB trees, features)
tok/     Moses-tokenised text, aligned like raw/
trees/   cleaned trees, their tokens and their linearisations
silver/  the high-confidence parse corpus on its way: pool shards, each parser's trees, agreed trees
vocab/   one vocabulary per language or modality

A split of the translation data may have one test set per direction (WMT'15:
newstest2014 for EN->DE, newstest2015 for DE->EN): ``translate.test.en-de.en``
beside the shared ``translate.test.en``. A stage reading a translation task
takes the direction's files when they exist (``translate_files``).
"""

from __future__ import annotations

from pathlib import Path

SPLITS = ("train", "valid", "test")
LANGS = ("en", "de")
TREEBANKS = ("parse", "silver")  # gold trees (PTB or generated), high-confidence parser output


class Layout:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    # raw/ ---------------------------------------------------------------
    def raw(self, name: str) -> Path:
        return self.root / "raw" / name

    def raw_translate(self, split: str, lang: str, direction: str | None = None) -> Path:
        """``direction`` (``en-de``) names a split held per direction, e.g. a test set per direction."""
        return self.raw(f"translate.{split}.{lang}" if direction is None else f"translate.{split}.{direction}.{lang}")

    def translate_files(self, split: str, source: str, target: str, directional: bool | None = None) -> dict:
        """Tokenised source and target of one direction and split.

        ``directional=None`` looks whether the direction has files of its own
        (a training or evaluation run); the workflow, which plans before any
        file exists, says so from the config.
        """
        direction = f"{source}-{target}"
        if directional is None:
            directional = self.tok(self.raw_translate(split, source, direction)).is_file()
        d = direction if directional else None
        return {
            "source": self.tok(self.raw_translate(split, source, d)),
            "target": self.tok(self.raw_translate(split, target, d)),
        }

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
    def parse_tokens(self, split: str, bank: str = "parse") -> Path:
        return self.root / "trees" / f"{bank}.{split}.en"

    def parse_linearised(self, split: str, bank: str = "parse") -> Path:
        return self.root / "trees" / f"{bank}.{split}.lin"

    def parse_clean(self, split: str, bank: str = "parse") -> Path:
        """Cleaned gold trees, one per line: the reference for parse F1."""
        return self.root / "trees" / f"{bank}.{split}.mrg"

    def parse_stats(self, split: str, bank: str = "parse") -> Path:
        return self.root / "trees" / f"{bank}.{split}.stats.json"

    def treebank_source(self, split: str, bank: str = "parse") -> Path:
        """What the linearise stage reads: raw/trees.<split>.mrg, or the resampled silver trees."""
        return self.raw_trees(split) if bank == "parse" else self.raw(f"silver.{split}.mrg")

    # silver/ ------------------------------------------------------------
    def silver(self, name: str) -> Path:
        return self.root / "silver" / name

    def silver_pool(self, shard: int | str) -> Path:
        """Tokenised English sentences to parse, one a line (shard k of the pool)."""
        return self.silver(f"pool.{shard}.en")

    def silver_pool_stats(self) -> Path:
        return self.silver("pool.json")

    def silver_parsed(self, parser: str, shard: int | str) -> Path:
        """One-line trees of one parser, aligned with the pool shard."""
        return self.silver(f"parse.{parser}.{shard}.mrg")

    def silver_parse_stats(self, parser: str, shard: int | str) -> Path:
        return self.silver(f"parse.{parser}.{shard}.json")

    def silver_agreed(self, shard: int | str) -> Path:
        """The first parser's trees where the second agrees."""
        return self.silver(f"agreed.{shard}.mrg")

    def silver_agree_stats(self, shard: int | str) -> Path:
        return self.silver(f"agreed.{shard}.json")

    def silver_resample_stats(self) -> Path:
        return self.silver("resample.json")

    # vocab/ -------------------------------------------------------------
    def vocab(self, name: str) -> Path:
        return self.root / "vocab" / f"{name}.txt"

    def vocab_codes(self, name: str) -> Path:
        """The subword codes of vocabulary ``name`` (a header alone: whole words)."""
        return self.root / "vocab" / f"{name}.bpe"

    def vocab_files(self, name: str) -> tuple[Path, Path]:
        """What a model's ids of ``name`` mean: the vocabulary and its subword codes."""
        return self.vocab(name), self.vocab_codes(name)

    def stats(self) -> Path:
        return self.root / "STATS.json"
