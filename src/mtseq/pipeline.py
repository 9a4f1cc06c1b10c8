"""File lists the Snakefile and dvc.yaml need, derived from the config and the layout.

Rules stay thin: they ask here which files a stage reads and writes, so the
names live in one place (mtseq.layout) and are unit-testable.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from mtseq.errors import ConfigError
from mtseq.io import atomic_open
from mtseq.layout import LANGS, SPLITS, Layout

TEXT_PARTS = ("translate", "caption", "mono")


def data_root(config: dict) -> Path:
    return Path("data") / config["data"]["name"]


def layout(config: dict) -> Layout:
    return Layout(data_root(config))


def raw_text(lay: Layout, part: str, split: str, lang: str) -> Path:
    return {"translate": lay.raw_translate, "caption": lay.raw_caption, "mono": lay.raw_mono}[part](split, lang)


def synth_outputs(config: dict) -> list[str]:
    """Every file `mtseq corpus synth` writes."""
    lay = layout(config)
    out = [lay.stats()]
    for split in SPLITS:
        out.append(lay.raw_trees(split))
        out += [lay.caption_features(split), lay.caption_image_ids(split)]
        for lang in LANGS:
            out += [lay.raw_translate(split, lang), lay.raw_caption(split, lang)]
            out += [lay.raw_mono(split, lang), lay.mono_doc_ids(split, lang)]
        out.append(lay.raw(f"translate.{split}.en.mrg"))
    return [str(p) for p in out]


def vocab_inputs(config: dict, name: str) -> list[str]:
    """Training files whose tokens enter vocabulary `name` (en, de or lin)."""
    lay, parts = layout(config), config["data"]["parts"]
    if name == "lin":
        return [str(lay.parse_linearised("train"))] if "trees" in parts else []
    files = [lay.tok(raw_text(lay, part, "train", name)) for part in TEXT_PARTS if part in parts]
    if name == "en" and "trees" in parts:
        files.append(lay.parse_tokens("train"))
    return [str(p) for p in files]


def vocab_names(config: dict) -> list[str]:
    return [name for name in ("en", "de", "lin") if vocab_inputs(config, name)]


def data_targets(config: dict) -> list[str]:
    """Everything the data stages produce: tokenised text, linearised trees, vocabularies."""
    lay, parts = layout(config), config["data"]["parts"]
    out = []
    for split in SPLITS:
        for part in TEXT_PARTS:
            if part in parts:
                out += [lay.tok(raw_text(lay, part, split, lang)) for lang in LANGS]
        if "trees" in parts:
            out += [lay.parse_tokens(split), lay.parse_linearised(split), lay.parse_clean(split)]
    out += [lay.vocab(name) for name in vocab_names(config)]
    return [str(p) for p in out]


def write_section(config: dict, keys: tuple[str, ...], path: str | Path) -> str:
    """Write one config section as a config file of its own, touching it only when it changed.

    Rules take these files as inputs, so editing one section reruns exactly
    the stages that read it, and an unchanged section keeps its mtime.
    """
    node = config
    for key in keys:
        node = node[key]
    doc: dict = node
    for key in reversed(keys):
        doc = {key: doc}
    text = yaml.safe_dump(doc, sort_keys=True)
    path = Path(path)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        with atomic_open(path) as fh:
            fh.write(text)
    return str(path)


def download(config: dict, part: str, split: str | None = None, lang: str | None = None) -> str:
    """The downloaded file (under data/<name>/download/) that a fetch-source part is prepared from."""
    spec = config["data"]["prepare"].get(part)
    key = f"data.prepare.{part}"
    if spec is None:
        raise ConfigError(key, f"data.parts has '{part}' but no download is named for it")
    name = spec["source"] if part == "trees" else spec.get(split, {}).get(lang)
    if name is None:
        raise ConfigError(f"{key}.{split}", "missing")
    if name not in config.get("fetch", {}):
        raise ConfigError(key, f"'{name}' is not a key of fetch")
    return str(data_root(config) / "download" / name)
