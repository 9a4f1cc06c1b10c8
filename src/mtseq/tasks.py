"""The task catalogue: what each task reads and which modules it uses.

A task maps a source modality to a target modality. Settings share
encoders by source modality and decoders by target modality, which is how
the paper's one-to-many / many-to-one / many-to-many sharing arises.
"""

from __future__ import annotations

from dataclasses import dataclass

from mtseq.errors import ConfigError
from mtseq.layout import Layout

SETTINGS = ("one_to_many", "many_to_one", "many_to_many")


@dataclass(frozen=True)
class Task:
    name: str
    source: str  # "en", "de" or "img"
    target: str  # "en", "de" or "lin"
    kind: str  # translate | parse | caption | autoencode | skipthought | skipthought_halves
    treebank: str = "parse"  # parse tasks: the training trees (parse: gold, silver: high-confidence)

    def files(self, layout: Layout, split: str, directional: bool | None = None) -> dict[str, object]:
        """Input files of this task for one split (paths; interpretation by kind).

        ``directional``: whether translation has files per direction for this
        split (None: look on disk; see ``Layout.translate_files``).
        """
        if self.kind == "translate":
            return layout.translate_files(split, self.source, self.target, directional)
        if self.kind == "parse":
            # a silver-trained parser is validated and tested on the gold trees (WSJ 22 / 23), as in the paper
            bank = self.treebank if split == "train" else "parse"
            return {"source": layout.parse_tokens(split, bank), "target": layout.parse_linearised(split, bank)}
        if self.kind == "caption":
            return {
                "features": layout.caption_features(split),
                "image_ids": layout.caption_image_ids(split),
                "target": layout.tok(layout.raw_caption(split, self.target)),
            }
        # autoencode and both skip-thought variants read monolingual documents
        return {
            "text": layout.tok(layout.raw_mono(split, self.source)),
            "doc_ids": layout.mono_doc_ids(split, self.source),
        }


def _catalogue() -> dict[str, Task]:
    tasks = [
        Task("translate_en_de", "en", "de", "translate"),
        Task("translate_de_en", "de", "en", "translate"),
        Task("parse_en", "en", "lin", "parse"),
        Task("parse_silver_en", "en", "lin", "parse", treebank="silver"),
        Task("caption_en", "img", "en", "caption"),
        Task("caption_de", "img", "de", "caption"),
    ]
    for lang in ("en", "de"):
        tasks.append(Task(f"autoencode_{lang}", lang, lang, "autoencode"))
        tasks.append(Task(f"skipthought_{lang}", lang, lang, "skipthought"))
        tasks.append(Task(f"skipthought_halves_{lang}", lang, lang, "skipthought_halves"))
    return {t.name: t for t in tasks}


TASKS: dict[str, Task] = _catalogue()


def get_task(name: str, key: str = "task") -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise ConfigError(key, f"unknown task '{name}' (known: {', '.join(sorted(TASKS))})") from None


def check_setting(setting: str, task_names: list[str], key: str) -> None:
    """Refuse task sets that the setting's sharing pattern cannot hold.

    one_to_many: one shared encoder, so every task has the same source.
    many_to_one: one shared decoder, so every task has the same target.
    """
    tasks = [get_task(n, key) for n in task_names]
    if setting == "one_to_many":
        sources = sorted({t.source for t in tasks})
        if len(sources) > 1:
            raise ConfigError(key, f"one_to_many needs one source language, tasks have {sources}")
    elif setting == "many_to_one":
        targets = sorted({t.target for t in tasks})
        if len(targets) > 1:
            raise ConfigError(key, f"many_to_one needs one target language, tasks have {targets}")
    elif setting != "many_to_many":
        raise ConfigError(key, f"unknown setting '{setting}' (known: {', '.join(SETTINGS)})")
