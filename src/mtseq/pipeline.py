"""File lists the Snakefile and dvc.yaml need, derived from the config and the layout.

Rules stay thin: they ask here which files a stage reads and writes, so the
names live in one place (mtseq.layout) and are unit-testable.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from mtseq.errors import ConfigError, MtseqError
from mtseq.layout import LANGS, SPLITS, Layout

TEXT_PARTS = ("translate", "caption", "mono")
DIRECTIONS = ("en-de", "de-en")
# the data part each task kind reads (a silver-trained parser also needs the silver part)
KIND_PARTS = {"translate": "translate", "parse": "trees", "caption": "caption"}


def data_root(config: dict) -> Path:
    return Path("data") / config["data"]["name"]


def layout(config: dict) -> Layout:
    return Layout(data_root(config))


def raw_text(lay: Layout, part: str, split: str, lang: str) -> Path:
    return {"translate": lay.raw_translate, "caption": lay.raw_caption, "mono": lay.raw_mono}[part](split, lang)


def part_langs(config: dict, part: str) -> tuple[str, ...]:
    """Languages a text part has: fetched captions (MSCOCO) are English only; fetched mono text has what is named."""
    if config["data"]["source"] != "fetch" or part == "translate":
        return LANGS
    if part == "caption":
        return ("en",)
    mono = config["data"]["prepare"].get("mono", {})
    return tuple(lang for lang in LANGS if mono.get(lang))


def tokenise_groups(config: dict) -> dict[str, str]:
    """Wildcard patterns of the parts tokenised as EN-DE pairs and as single files (disjoint, so rules never clash)."""
    pairs = [p for p in ("translate", "caption") if part_langs(config, p) == LANGS]
    single = ["mono"] + [p for p in ("caption",) if p not in pairs]
    return {"pair": "|".join(pairs), "single": "|".join(single)}


def directions(config: dict, split: str) -> list[str]:
    """The translation directions that have a split of their own (WMT'15 test: en-de, de-en); [] when shared."""
    if config["data"]["source"] != "fetch":
        return []
    spec = config["data"]["prepare"].get("translate", {}).get(split, {})
    return [d for d in DIRECTIONS if d in spec]


def translate_splits(config: dict) -> list[tuple[str, str | None]]:
    """(split, direction or None) of every raw translation pair the data has."""
    return [(split, d) for split in SPLITS for d in (directions(config, split) or [None])]


def treebanks(config: dict) -> list[str]:
    """parse (gold trees) when the data has trees, and silver when the high-confidence corpus is built."""
    parts = config["data"]["parts"]
    return [b for b, part in (("parse", "trees"), ("silver", "silver")) if part in parts]


def check_parts(config: dict) -> None:
    """Refuse a grid whose tasks read data parts the config does not make (one line, naming the key)."""
    from mtseq.tasks import get_task

    parts = config["data"]["parts"]
    if "silver" in parts and "trees" not in parts:
        raise ConfigError("data.parts", "silver needs trees (WSJ 02-21 lengths to resample to, 22 / 23 to test on)")
    for setting, spec in config.get("grid", {}).get("settings", {}).items():
        names = [spec["reference"]] + [t for key in spec.get("auxiliary", {}) for t in key.split("+")]
        for name in names:
            task = get_task(name)
            need = [KIND_PARTS.get(task.kind, "mono")] + (["silver"] if task.treebank == "silver" else [])
            missing = [p for p in need if p not in parts]
            if missing:
                raise ConfigError("data.parts", f"task {name} (grid.settings.{setting}) needs {', '.join(missing)}")
    if "silver" in parts:
        silver_pool_inputs(config)
    if config["data"]["source"] == "fetch":
        check_sources(config)


def check_sources(config: dict) -> None:
    """Every fetched part names its sources: the first missing or unknown one is refused before planning."""
    parts, prepare = config["data"]["parts"], config["data"]["prepare"]
    for part in ("translate", "trees", "caption", "mono"):
        if part in parts and not prepare.get(part):
            raise ConfigError(f"data.prepare.{part}", f"data.parts has '{part}' but nothing says where it comes from")
    if "translate" in parts:
        for split, direction in translate_splits(config):
            translate_sources(config, split if direction is None else f"{split}.{direction}")
    if "trees" in parts and not prepare["trees"].get("wsj_root"):
        download(config, "trees")
    if "caption" in parts:
        for split in SPLITS:
            caption_sources(config, split)
    if "mono" in parts:
        langs = part_langs(config, "mono")
        if not langs:
            raise ConfigError("data.prepare.mono", "name the sources of at least one language (en, de)")
        for lang in langs:
            mono_sources(config, lang)


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
        return [str(lay.parse_linearised("train", bank)) for bank in treebanks(config)]
    files = [
        lay.tok(raw_text(lay, part, "train", name))
        for part in TEXT_PARTS
        if part in parts and name in part_langs(config, part)
    ]
    if name == "en":
        files += [lay.parse_tokens("train", bank) for bank in treebanks(config)]
    return [str(p) for p in files]


def vocab_flags(name: str) -> str:
    """`mtseq vocab` flags of vocabulary `name`: tree labels (lin) are never split into subwords."""
    return "--words" if name == "lin" else ""


def vocab_names(config: dict) -> list[str]:
    return [name for name in ("en", "de", "lin") if vocab_inputs(config, name)]


def data_targets(config: dict) -> list[str]:
    """Everything the data stages produce: tokenised text, linearised trees, vocabularies."""
    lay, parts = layout(config), config["data"]["parts"]
    out = []
    if "translate" in parts:
        for split, direction in translate_splits(config):
            out += [lay.tok(lay.raw_translate(split, lang, direction)) for lang in LANGS]
    for split in SPLITS:
        for part in ("caption", "mono"):
            if part in parts:
                out += [lay.tok(raw_text(lay, part, split, lang)) for lang in part_langs(config, part)]
        if "trees" in parts:
            out += [lay.parse_tokens(split), lay.parse_linearised(split), lay.parse_clean(split)]
    if "silver" in parts:
        out += [lay.parse_tokens("train", "silver"), lay.parse_linearised("train", "silver")]
        out += [lay.parse_clean("train", "silver"), lay.silver_resample_stats()]
    out += [path for name in vocab_names(config) for path in lay.vocab_files(name)]
    return [str(p) for p in out]


def _keys(path: str | tuple[str, ...]) -> list[str]:
    """A section's keys: a dotted string, or a tuple where a key holds dots (a fetch key, ``wmt15.tgz``)."""
    return path.split(".") if isinstance(path, str) else list(path)


def section_text(config: dict, paths: tuple[str | tuple[str, ...], ...]) -> str:
    """The config sections at ``paths`` (``"data.synth"``, ``"model"``, ``("fetch", key)``) as YAML, keys sorted."""
    doc: dict = {}
    for path in paths:
        keys = _keys(path)
        node, target = config, doc
        for key in keys[:-1]:
            node = node[key]
            target = target.setdefault(key, {})
        target[keys[-1]] = node[keys[-1]]
    return yaml.safe_dump(doc, sort_keys=True)


def section_file(config: dict, paths: tuple[str | tuple[str, ...], ...], folder: str | Path) -> tuple[str, str]:
    """(file, YAML text) of the config sections at dotted ``paths``: the file a rule takes as its input.

    The file is ``<folder>/<paths joined by +>-<first 12 hex digits of its SHA-256>.yaml``: a name
    always holds the same content, so editing a section gives its rules a new input file (exactly the
    stages that read it rerun) and planning another config never changes a file a running job reads.
    Nothing is written here: planning (a dry run, ``--report``) must leave the directory as it was, so
    the workflow's ``section`` rule writes the file when a job first needs it. A working directory
    from before content-named files holds the same section as ``<paths>.yaml``; that file is the input
    then, so the outputs made from it stay up to date. A content-named file with other content (edited
    by hand) is refused: its name says what it must hold, and silently keeping it would feed a job
    the wrong config.
    """
    text = section_text(config, paths)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    name = "+".join(".".join(_keys(p)) for p in paths)
    out = Path(folder) / f"{name}-{digest}.yaml"
    if out.exists():
        if _read(out) != text:
            raise MtseqError("holds other content than its name says (edited by hand?): delete it", out)
        return str(out), text
    legacy = Path(folder) / f"{name}.yaml"
    if _read(legacy) == text:
        return str(legacy), text
    return str(out), text


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


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


# sources: a fetch key, a fetch key and an archive member, or a path the user supplies ----------


def resolve_source(config: dict, spec: str, key: str) -> tuple[str, str | None]:
    """``(what the command reads, the download it needs or None)`` for a source in the config.

    ``KEY`` or ``KEY:MEMBER`` name a download (``fetch.KEY``, and an entry of
    that archive); anything else is a path the user supplies (LDC data, image
    features), read when the stage runs, so planning never needs it on disk.
    """
    name, sep, member = spec.partition(":")
    downloads = config.get("fetch", {})
    if name in downloads:
        path = str(data_root(config) / "download" / name)
        return (f"{path}:{member}" if sep else path), path
    if "/" not in spec and not spec.startswith("~"):
        raise ConfigError(key, f"'{name}' is not a key of fetch (a file you supply must be given as a path)")
    return str(Path(spec).expanduser()), None


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def sources(config: dict, specs, key: str) -> dict[str, list[str]]:
    """``{"read": [...], "downloads": [...]}`` for one config entry (a source or a list of them)."""
    resolved = [resolve_source(config, spec, key) for spec in _as_list(specs)]
    return {"read": [r for r, _ in resolved], "downloads": sorted({d for _, d in resolved if d})}


def translate_sources(config: dict, split_tag: str) -> dict[str, dict[str, list[str]]]:
    """Per language, the sources of raw/translate.<split_tag>.* (``test`` or ``test.en-de``)."""
    split, _, direction = split_tag.partition(".")
    spec = config["data"]["prepare"].get("translate", {}).get(split)
    key = f"data.prepare.translate.{split}" + (f".{direction}" if direction else "")
    if spec is None:
        raise ConfigError(key, "missing")
    if direction:
        spec = spec.get(direction)
        if spec is None:
            raise ConfigError(key, "missing")
    out = {lang: sources(config, spec[lang], f"{key}.{lang}") for lang in LANGS}
    if len(out["en"]["read"]) != len(out["de"]["read"]):
        raise ConfigError(key, "en and de must list as many sources (the i-th of each are aligned)")
    return {**out, "downloads": sorted({d for lang in LANGS for d in out[lang]["downloads"]})}


def caption_sources(config: dict, split: str) -> dict[str, dict[str, list[str]]]:
    """Annotation JSONs, the feature array and its image ids of one caption split."""
    spec = config["data"]["prepare"].get("caption")
    key = f"data.prepare.caption.{split}"
    if spec is None or split not in spec:
        raise ConfigError(key, "missing (annotations, features and ids of the split)")
    return {part: sources(config, spec[split][part], f"{key}.{part}") for part in ("annotations", "features", "ids")}


def mono_sources(config: dict, lang: str) -> dict[str, list[str]]:
    spec = config["data"]["prepare"].get("mono", {}).get(lang)
    if not spec:
        raise ConfigError(f"data.prepare.mono.{lang}", "missing")
    return sources(config, spec, f"data.prepare.mono.{lang}")


# the silver corpus -------------------------------------------------------------------------


def silver_parsers(config: dict) -> list[str]:
    """The two parsers' names: the first one's trees are kept where the second agrees."""
    return list(config["data"]["silver"]["parse"]["parsers"])


def silver_shards(config: dict) -> list[int]:
    return list(range(config["data"]["silver"]["pool"]["shards"]))


def silver_pool_inputs(config: dict) -> list[str]:
    """Tokenised English training text the pool is drawn from (mono and/or the translation data)."""
    lay = layout(config)
    out = []
    for part in config["data"]["silver"]["pool"]["sources"]:
        if part not in config["data"]["parts"]:
            raise ConfigError("data.silver.pool.sources", f"'{part}' is not in data.parts")
        out.append(str(lay.tok(raw_text(lay, part, "train", "en"))))
    return out


def task_inputs(config: dict, tasks: list[str]) -> list[str]:
    """Every data file (all splits) and vocabulary that training or evaluating these tasks reads."""
    from mtseq.tasks import get_task

    lay = layout(config)
    files: list[str] = []
    for name in tasks:
        task = get_task(name)
        for split in SPLITS:
            directional = bool(directions(config, split))  # from the config: planning runs before any file exists
            files += [str(p) for p in task.files(lay, split, directional).values()]
        files += [str(p) for side in (task.source, task.target) if side != "img" for p in lay.vocab_files(side)]
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


def prepares(config: dict, path: str) -> bool:
    """Whether the config prepares the part a ``data.prepare.<part>...`` path names (its rules run)."""
    part = path.split(".")[2]
    return bool(config["data"]["prepare"].get(part))


def trees_corpus(config: dict) -> str:
    """The `mtseq prepare` words for the treebank: ``wsj`` (a WSJ copy the user supplies, ``wsj_root``),
    else ``ptb-sample --source`` (followed by the download)."""
    return "wsj" if config["data"]["prepare"].get("trees", {}).get("wsj_root") else "ptb-sample --source"


def trees_downloads(config: dict) -> list[str]:
    """The treebank download `prepare_trees` waits for: none for a WSJ folder the user supplies."""
    return [] if config["data"]["prepare"].get("trees", {}).get("wsj_root") else [download(config, "trees")]


def data_resources(config: dict, **extra) -> dict:
    """Scheduler resources of a data job: data.resources without its nulls, then ``extra`` (nulls dropped)."""
    res = {k: v for k, v in config["data"]["resources"].items() if v is not None}
    return {**res, **{k: v for k, v in extra.items() if v is not None}}


def train_gpus(config: dict) -> int:
    """GPUs per training job: ``resources.train.gpus``, or 1 with ``train.device: cuda``, else 0."""
    gpus = config["resources"]["train"]["gpus"]
    return int(gpus) if gpus is not None else int(config["train"]["device"] == "cuda")


def train_resources(config: dict) -> dict:
    """What a training job asks a scheduler for, as the Slurm plugin reads it (gpu_model only with GPUs)."""
    res, gpus = config["resources"]["train"], train_gpus(config)
    model = {"gpu_model": res["gpu_model"]} if gpus and res["gpu_model"] else {}
    return {"gpu": gpus, **model, "mem_mb": res["mem_mb"], "runtime": res["runtime"]}


def nproc_arg(config: dict) -> str:
    """`` --nproc N`` when a training job holds several GPUs: one data-parallel process per GPU."""
    gpus = train_gpus(config)
    return f" --nproc {gpus}" if gpus > 1 else ""
