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


def write_section(config: dict, paths: tuple[str, ...], out: str | Path) -> str:
    """Write the config sections at dotted `paths` (e.g. "data.synth", "model") as a config file of their own.

    The file is touched only when its content changes. Rules take these files
    as inputs, so editing a section reruns exactly the stages that read it.
    """
    doc: dict = {}
    for dotted in paths:
        keys = dotted.split(".")
        node, target = config, doc
        for key in keys[:-1]:
            node = node[key]
            target = target.setdefault(key, {})
        target[keys[-1]] = node[keys[-1]]
    text = yaml.safe_dump(doc, sort_keys=True)
    out = Path(out)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        with atomic_open(out) as fh:
            fh.write(text)
    return str(out)


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


def task_inputs(config: dict, tasks: list[str]) -> list[str]:
    """Every data file (all splits) and vocabulary that training or evaluating these tasks reads."""
    from mtseq.tasks import get_task

    lay = layout(config)
    files: list[str] = []
    for name in tasks:
        task = get_task(name)
        for split in SPLITS:
            files += [str(p) for p in task.files(lay, split).values()]
        files += [str(lay.vocab(side)) for side in (task.source, task.target) if side != "img"]
    return sorted(set(files))


def ratio_args(ratios: dict[str, float], reference: str) -> str:
    """`--ratios task=alpha` for every auxiliary task (the reference is passed on its own)."""
    return " ".join(f"--ratios {task}={alpha!r}" for task, alpha in ratios.items() if task != reference)


def plot_files(config: dict) -> dict[str, list[str]]:
    """Figures `mtseq plot` draws: per setting a ratio curve, a heatmap where a grid varies two ratios."""
    plots = f"{config['results']}/plots"
    out: dict[str, list[str]] = {"curve": [], "heatmap": [], "overview": [f"{plots}/overview.png"]}
    for setting, spec in config["grid"]["settings"].items():
        out["curve"].append(f"{plots}/{setting}.png")
        if spec.get("combine") == "product" and len(spec.get("auxiliary", {})) >= 2:
            out["heatmap"].append(f"{plots}/{setting}_heatmap.png")
    return out


def ptb_split_args(config: dict) -> str:
    """`--train A-B --valid C-D --test E-F`: the file ranges that split the PTB sample."""
    trees = config["data"]["prepare"]["trees"]
    return " ".join(f"--{split} {trees[split]}" for split in SPLITS)
