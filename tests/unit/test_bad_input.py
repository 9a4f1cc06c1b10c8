"""Bad input is refused and nothing is lost: the reliability matrix of docs/reliability.md as tests.

Every case of the matrix runs the real CLI in-process (``mtseq.cli.main``) on files built in
``tmp_path`` and checks one contract: exit status 2, exactly one line on stderr,
``mtseq: error: <where>: <problem>``, where ``<where>`` is ``file:line`` (the file alone when no
one line is at fault, the config key or CLI argument for a bad setting), no output left behind
(or, where an earlier good output existed, that output unchanged), and no temp file (``.*.tmp``,
``*.part``) beside the outputs. A few positive cases pin down what is accepted on purpose.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from helpers.config_files import config_file, fetch_argv, parse_argv

from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.cli import main
from mtseq.io import AtomicOutputs, read_lines
from mtseq.layout import Layout
from mtseq.train.checkpoint import CheckpointDir, read_checkpoint, write_checkpoint
from mtseq.trees.ptb import read_trees

TRAIN_OUTPUTS = ("train.json", "model.pt", "COMPLETED")


@dataclass
class Call:
    """One refused command: what to run and what must hold afterwards."""

    argv: list[str]
    where: str  # the error line starts "mtseq: error: <where>: " (file:line, file, config key or argument)
    words: str  # ... and contains this
    names: list[str] = field(default_factory=list)  # ... and these (for messages that end with the paths)
    absent: list[Path] = field(default_factory=list)  # outputs that must not exist afterwards
    unchanged: list[Path] = field(default_factory=list)  # earlier outputs that must survive byte for byte
    folders: list[Path] = field(default_factory=list)  # no temp files may be left in these
    quiet: bool = True  # nothing but the error line on stderr (False: a run's start-up log lines come first)


@dataclass
class Env:
    corpus: Path  # a tiny corpus in the standard layout (read-only: cases copy it)
    config: Path  # a valid tiny config
    trained: Path  # a completed run of that config (read-only: cases copy it)


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _config(path: Path, **sections) -> Path:
    cfg = tiny_config(train={"updates": 2, "checkpoint_every": 1, "validate_every": 0}, decode={"beam": 1})
    for name, values in sections.items():
        cfg[name].update(values)
    return _write(path, yaml.safe_dump(cfg))


def _train_argv(config, data, out, setting="many_to_one", reference="translate_de_en", ratios=("caption_en=0.5",)):
    argv = ["train", "--config", str(config), "--setting", setting, "--reference", reference]
    for r in ratios:
        argv += ["--ratios", r]
    return [*argv, "--seed", "1", "--data", str(data), "--out", str(out), "--no-progress"]


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Env:
    root = tmp_path_factory.mktemp("bad_input")
    corpus = build_corpus(root / "corpus", n_train=32, n_valid=6)
    config = _config(root / "config.yaml")
    trained = root / "trained"
    # a zero ratio on the train CLI is the single-task baseline (legitimate, not an error)
    assert main(_train_argv(config, corpus, trained, "one_to_many", "translate_en_de", ["parse_en=0"])) == 0
    return Env(corpus, config, trained)


# --- corpora: Moses tokenisation of aligned files -------------------------------------------------------------


def _tokenise(tmp: Path, en: bytes | None, de: bytes | None, langs=("en", "de")) -> tuple[list[str], Path, Path, Path]:
    src_en, src_de, out = tmp / "in" / "x.en", tmp / "in" / "x.de", tmp / "tok"
    if en is not None:
        _write(src_en, en)
    if de is not None:
        _write(src_de, de)
    argv = ["tokenise", "--inputs", str(src_en), str(src_de), "--langs", *langs]
    return [*argv, "--outputs", str(out / "x.en"), str(out / "x.de")], src_en, src_de, out


def _tok_case(en, de, where: Callable[[Path, Path], str], words: str, langs=("en", "de"), stale: bool = False):
    """``stale``: an earlier run's complete outputs are there and must survive the refusal unchanged."""

    def build(tmp: Path, env: Env) -> Call:
        argv, src_en, src_de, out = _tokenise(tmp, en, de, langs)
        outputs = [out / "x.en", out / "x.de"]
        if stale:
            for path in outputs:
                _write(path, f"earlier complete output {path.suffix}\n")
            return Call(argv, where(src_en, src_de), words, unchanged=outputs, folders=[out])
        return Call(argv, where(src_en, src_de), words, absent=outputs, folders=[out])

    return build


# --- trees: linearise and delinearise --------------------------------------------------------------------------

GOOD_TREE = "( (S (NP (DT The) (NN cat)) (VP (VBD sat)) (. .)) )\n"


def _linearise_case(text: str | bytes, line: int | None, words: str):
    def build(tmp: Path, env: Env) -> Call:
        good = _write(tmp / "good.mrg", GOOD_TREE)
        bad = _write(tmp / "bad.mrg", text)
        out = tmp / "trees"
        names = ("parse.en", "parse.lin", "parse.mrg", "stats.json")
        argv = ["linearise", "--trees", str(good), str(bad)]
        argv += ["--tokens", str(out / names[0]), "--lin", str(out / names[1]), "--clean", str(out / names[2])]
        argv += ["--stats", str(out / names[3])]
        where = f"{bad}:{line}" if line else str(bad)
        return Call(argv, where, words, absent=[out / n for n in names], folders=[out])

    return build


def _delinearise_case(lin: bytes, tokens: bytes, where_lin: bool, line: int | None, words: str):
    def build(tmp: Path, env: Env) -> Call:
        lin_path, tok_path = _write(tmp / "hyp.lin", lin), _write(tmp / "src.en", tokens)
        out = tmp / "out"
        argv = ["delinearise", "--lin", str(lin_path), "--tokens", str(tok_path)]
        argv += ["--out", str(out / "hyp.mrg"), "--stats", str(out / "stats.json")]
        path = lin_path if where_lin else tok_path
        where = f"{path}:{line}" if line else str(path)
        return Call(argv, where, words, absent=[out / "hyp.mrg", out / "stats.json"], folders=[out])

    return build


# --- vocabularies ----------------------------------------------------------------------------------------------


def _vocab_build_case(text: bytes, min_count: int, words: str):
    def build(tmp: Path, env: Env) -> Call:
        src = _write(tmp / "t.en", text)
        out = tmp / "vocab" / "en.txt"
        section = config_file(tmp, {"data": {"vocab": {"min_count": min_count}}})  # the rule's section file
        codes = out.with_suffix(".bpe")
        argv = ["vocab", "--config", section, "--inputs", str(src), "--out", str(out), "--codes", str(codes)]
        return Call(argv, str(src), words, absent=[out, codes], folders=[out.parent])

    return build


# --- training data, read by `mtseq train` (vocabularies, corpora, image features) -----------------------------


def _train_data_case(damage: Callable[[Layout], tuple[Path, int | None]], words: str):
    """Copy the corpus, damage one file, and run `mtseq train` (many_to_one: translate_de_en + caption_en).

    The run directory may hold the config.yaml/train.log of the refused start (harmless: no
    checkpoint, no output), never a checkpoint, model.pt, train.json or COMPLETED.
    """

    def build(tmp: Path, env: Env) -> Call:
        data = tmp / "data"
        shutil.copytree(env.corpus, data)
        path, line = damage(Layout(data))
        run = tmp / "run"
        where = f"{path}:{line}" if line else str(path)
        absent = [run / n for n in TRAIN_OUTPUTS] + [run / "checkpoints"]
        return Call(_train_argv(env.config, data, run), where, words, absent=absent, folders=[run, data])

    return build


def _edit_lines(path: Path, edit: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("".join(ln + "\n" for ln in edit(lines)), encoding="utf-8")


def _vocab_line(lay: Layout, line: int, text: str) -> tuple[Path, int]:
    path = lay.vocab("en")
    _edit_lines(path, lambda ls: ls[: line - 1] + [text] + ls[line:])
    return path, line


def _missing_specials(lay: Layout) -> tuple[Path, int]:
    _edit_lines(lay.vocab("en"), lambda ls: ls[1:])
    return lay.vocab("en"), 1


def _bad_codes(lay: Layout) -> tuple[Path, int]:
    path = lay.vocab_codes("en")  # a subword codes file whose third line is not a merge
    path.write_text("#version: 0.2\ne n</w>\nabc\n", encoding="utf-8")
    return path, 3


def _duplicate_token(lay: Layout) -> tuple[Path, int]:
    path = lay.vocab("en")
    n = len(path.read_text(encoding="utf-8").splitlines())
    _edit_lines(path, lambda ls: [*ls, ls[5]])
    return path, n + 1


def _features(array: np.ndarray | None = None, edit: Callable[[np.ndarray], None] | None = None):
    def damage(lay: Layout) -> tuple[Path, None]:
        path = lay.caption_features("train")
        if array is not None:
            np.save(path, array)
        elif edit is not None:
            feats = np.load(path)
            edit(feats)
            np.save(path, feats)
        else:  # cut the file in half, as a killed copy would
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
        return path, None

    return damage


def _nan_row_3(feats: np.ndarray) -> None:
    feats[3, 2] = np.nan


def _image_id(value: str):
    def damage(lay: Layout) -> tuple[Path, int]:
        path = lay.caption_image_ids("train")
        _edit_lines(path, lambda ls: ls[:4] + [value] + ls[5:])
        return path, 5

    return damage


def _drop_last_caption(lay: Layout) -> tuple[Path, None]:
    _edit_lines(lay.tok(lay.raw_caption("train", "en")), lambda ls: ls[:-1])
    return lay.caption_image_ids("train"), None  # the first of the aligned files is named, with both counts


def _drop_last_de(lay: Layout) -> tuple[Path, None]:
    de = lay.tok(lay.raw_translate("train", "de"))
    _edit_lines(de, lambda ls: ls[:-1])
    return de, None  # translate_de_en: German is the source, named first


def _bad_utf8_de(lay: Layout) -> tuple[Path, int]:
    de = lay.tok(lay.raw_translate("train", "de"))
    lines = de.read_bytes().split(b"\n")
    lines[2] = b"d\xe4 caf\xe9"  # Latin-1, not UTF-8
    de.write_bytes(b"\n".join(lines))
    return de, 3


# --- train CLI arguments ---------------------------------------------------------------------------------------


def _train_args_case(setting: str, reference: str, ratios: list[str], where: str, words: str):
    """Refused before the run directory is created."""

    def build(tmp: Path, env: Env) -> Call:
        run = tmp / "run"
        return Call(_train_argv(env.config, env.corpus, run, setting, reference, ratios), where, words, absent=[run])

    return build


def _train_missing_data(tmp: Path, env: Env) -> Call:
    run, data = tmp / "run", tmp / "nodata"
    absent = [run / n for n in TRAIN_OUTPUTS] + [run / "checkpoints"]
    where = str(Layout(data).vocab("de"))
    return Call(_train_argv(env.config, data, run), where, "file not found", absent=absent, folders=[run])


# --- config files (checked by every stage; `mtseq corpus synth` here) -----------------------------------------

ONE_TO_MANY = "grid:\n  settings:\n    one_to_many:\n      reference: translate_en_de\n      auxiliary: {aux}\n"


def _config_case(text: str | bytes | None, where: Callable[[Path], str], words: str):
    def build(tmp: Path, env: Env) -> Call:
        cfg = tmp / "cfg.yaml"
        if text is not None:
            _write(cfg, text)
        out = tmp / "synthetic"
        argv = ["corpus", "synth", "--config", str(cfg), "--out", str(out)]
        return Call(argv, where(cfg), words, absent=[out])

    return build


def _key(name: str) -> Callable[[Path], str]:
    return lambda cfg: f"{cfg}: config key '{name}'"


# --- checkpoints, models, run directories ----------------------------------------------------------------------


def _evaluate_case(damage: Callable[[Path], Path], words: str, line: int | None = None):
    """Copy the completed run, damage one of its files, and evaluate it."""

    def build(tmp: Path, env: Env) -> Call:
        run = tmp / "run"
        shutil.copytree(env.trained, run)
        path = damage(run)
        argv = ["evaluate", "--run", str(run), "--config", str(env.config), "--data", str(env.corpus)]
        absent = [run / "metrics.json", run / "hyp.translate_en_de.valid"]
        where = f"{path}:{line}" if line else str(path)
        return Call(argv, where, words, absent=absent, folders=[run])

    return build


def _garbage_model(run: Path) -> Path:
    _write(run / "model.pt", b"\x00garbage, not a torch file" * 10)
    return run / "model.pt"


def _truncated_model(run: Path) -> Path:
    data = (run / "model.pt").read_bytes()
    (run / "model.pt").write_bytes(data[: len(data) // 2])
    return run / "model.pt"


def _foreign_model(run: Path) -> Path:
    torch.save({"state_dict": {}}, run / "model.pt")
    return run / "model.pt"


def _other_config_model(run: Path) -> Path:
    """Weights of this run under another model config (a file spliced together from two runs)."""
    payload = torch.load(run / "model.pt", weights_only=True)
    payload["config"] = {**payload["config"], "hidden": payload["config"]["hidden"] // 2}
    torch.save(payload, run / "model.pt")
    return run / "model.pt"


def _corrupt_train_json(run: Path) -> Path:
    _write(run / "train.json", '{"setting": "one_to_many",\n  "cell": \n')
    return run / "train.json"


def _no_train_json(run: Path) -> Path:
    (run / "train.json").unlink()
    return run / "train.json"


def _resume_case(keep_outputs: bool, section: str, change: dict, words: str):
    """Start the completed run's directory again under a changed config: refused, the old run intact."""

    def build(tmp: Path, env: Env) -> Call:
        run = tmp / "run"
        shutil.copytree(env.trained, run)
        if not keep_outputs:  # killed before the end: only config.yaml and checkpoints remain
            for name in TRAIN_OUTPUTS:
                (run / name).unlink()
        cfg = _config(tmp / "changed.yaml", **{section: change})
        argv = _train_argv(cfg, env.corpus, run, "one_to_many", "translate_en_de", ["parse_en=0"])
        kept = [run / "config.yaml", *sorted((run / "checkpoints").iterdir())]
        kept += [run / n for n in TRAIN_OUTPUTS] if keep_outputs else []
        absent = [] if keep_outputs else [run / n for n in TRAIN_OUTPUTS]
        return Call(argv, str(run), words, absent=absent, unchanged=kept, folders=[run])

    return build


def _spliced_checkpoint(tmp: Path, env: Env) -> Call:
    """An intact checkpoint (valid SHA-256 trailer) whose weights come from another model, in a run killed
    before its end: the fingerprint matches, the checkpoint does not fit, and resuming is refused."""
    run = tmp / "run"
    shutil.copytree(env.trained, run)
    for name in TRAIN_OUTPUTS:
        (run / name).unlink()
    latest = CheckpointDir(run / "checkpoints").paths()[-1]
    state = read_checkpoint(latest)
    state["model"] = {k: torch.zeros(*v.shape[:-1], v.shape[-1] + 1) for k, v in state["model"].items()}
    write_checkpoint(latest, state)
    kept = [run / "config.yaml", *sorted((run / "checkpoints").iterdir())]
    argv = _train_argv(env.config, env.corpus, run, "one_to_many", "translate_en_de", ["parse_en=0"])
    absent = [run / n for n in TRAIN_OUTPUTS]
    words = "checkpoint does not fit this run (RuntimeError: Error(s) in loading state_dict"
    return Call(argv, str(latest), words, absent=absent, unchanged=kept, folders=[run], quiet=False)


# --- silver trees and downloads --------------------------------------------------------------------------------


def _silver_case(tokens: bytes, model_exists: bool, where_tokens: bool, line: int | None, words: str):
    def build(tmp: Path, env: Env) -> Call:
        tok = _write(tmp / "sents.en", tokens)
        model = tmp / "models" / "benepar_en3_missing"
        out = tmp / "silver"
        argv = [*parse_argv(tmp, model), "--tokens", str(tok), "--out", str(out / "trees.mrg")]
        argv += ["--stats", str(out / "stats.json"), "--no-progress"]
        path = tok if where_tokens else model
        where = f"{path}:{line}" if line else str(path)
        return Call(argv, where, words, absent=[out / "trees.mrg", out / "stats.json"], folders=[out])

    return build


def _fetch_case(source: bytes | None, sha256: str, words: str):
    def build(tmp: Path, env: Env) -> Call:
        src = tmp / "src" / "corpus.tar.gz"
        if source is not None:
            _write(src, source)
        out = tmp / "downloads" / "corpus.tar.gz"
        argv = [*fetch_argv(tmp, src, sha256, "corpus.tar.gz"), "--out", str(out), "--quiet"]
        absent = [out, out.with_name(out.name + ".part")]
        if "config key" in words:  # refused before anything is read: the config file is named
            return Call(argv, argv[2], words, absent=absent, folders=[out.parent])
        # a failed transfer ends "<source> -> <destination>", naming both
        return Call(argv, "", words, names=[f"{src} -> {out}"], absent=absent, folders=[out.parent])

    return build


# --- the matrix ------------------------------------------------------------------------------------------------

CASES: dict[str, Callable[[Path, Env], Call]] = {
    # corpora (tokenise)
    "corpus-line-count-mismatch": _tok_case(b"a\nb\nc\n", b"a\nb\n", lambda en, de: str(en), "differ in line count"),
    "corpus-empty-line": _tok_case(b"one\n\nthree\n", b"x\ny\nz\n", lambda en, de: f"{en}:2", "empty line"),
    "corpus-blank-line": _tok_case(b"one\ntwo\n \t\n", b"x\ny\nz\n", lambda en, de: f"{en}:3", "empty line"),
    "corpus-empty-file": _tok_case(b"", b"", lambda en, de: str(en), "file is empty"),
    "corpus-invalid-utf8-earlier-outputs-kept": _tok_case(
        b"a\nb\nc\n", b"x\ny\n\xff\xfez\n", lambda en, de: f"{de}:3", "invalid UTF-8 (byte 0xff)", stale=True
    ),
    "corpus-missing-file": _tok_case(b"a\n", None, lambda en, de: str(de), "file not found"),
    "tokenise-langs-count": _tok_case(
        b"a\n", b"b\n", lambda en, de: "--langs/--outputs", "got 2 --inputs, 1 --langs", ("en",)
    ),
    # trees (linearise)
    "tree-unclosed-bracket": _linearise_case(
        "(S (NP (NN a)))\n\n( (S\n  (NP (NN x))\n", 3, "still open at end of file"
    ),
    "tree-extra-close": _linearise_case("(S (NP (NN a)))\n(S (NP (NN b))))\n", 2, "extra ')' on line 2"),
    "tree-empty-tree": _linearise_case("(S (NP (NN a)))\n()\n", 2, "empty tree '()'"),
    "tree-empty-constituent": _linearise_case("(S (NP (NN a)))\n(S (NP ) (VP (VB b)))\n", 2, "empty constituent (NP)"),
    "tree-text-outside": _linearise_case("(S (NP (NN a)))\nstray words\n", 2, "text outside a tree: 'stray'"),
    "tree-word-without-pos": _linearise_case("(S (NP word (NN x)))\n", 1, "not under a POS tag"),
    "tree-invalid-utf8": _linearise_case(b"(S (NP (NN a)))\n(S (NP (NN caf\xe9)))\n", 2, "invalid UTF-8"),
    "tree-no-trees": _linearise_case("\n\n", None, "no trees in file"),
    # trees (delinearise)
    "delinearise-line-count-mismatch": _delinearise_case(
        b"(S XX )S\n(S XX )S\n", b"one\n", True, None, "differ in line count"
    ),
    "delinearise-empty-sentence": _delinearise_case(b"(S XX )S\n(S XX )S\n", b"one\n\n", False, 2, "empty line"),
    "delinearise-invalid-utf8": _delinearise_case(b"(S XX )S\n(S \xc3 )S\n", b"a\nb\n", True, 2, "invalid UTF-8"),
    # vocabularies
    "vocab-min-count-leaves-nothing": _vocab_build_case(b"x y y z\n", 9, "no token occurs at least 9 times"),
    "vocab-empty-input": _vocab_build_case(b"", 1, "file is empty"),
    "vocab-file-malformed-line": _train_data_case(lambda lay: _vocab_line(lay, 6, "word many"), "token<TAB>count"),
    "vocab-file-missing-specials": _train_data_case(_missing_specials, "must start with <pad> <unk> <s> </s>"),
    "vocab-file-duplicate-token": _train_data_case(_duplicate_token, "duplicate token in vocabulary"),
    "vocab-codes-bad-merge": _train_data_case(_bad_codes, "expected a merge 'left right'"),
    # training corpora as read by `mtseq train`
    "train-corpus-line-count-mismatch": _train_data_case(_drop_last_de, "differ in line count"),
    "train-corpus-invalid-utf8": _train_data_case(_bad_utf8_de, "invalid UTF-8"),
    # image features and captions
    "features-1d": _train_data_case(_features(np.ones(8, np.float32)), "expected a float array [n_images, dim]"),
    "features-integer": _train_data_case(_features(np.ones((8, 12), np.int64)), "got int64 (8, 12)"),
    "features-nan": _train_data_case(_features(edit=_nan_row_3), "NaN or inf (first in row 3)"),
    "features-truncated": _train_data_case(_features(), "not a numpy array file"),
    "caption-image-id-out-of-range": _train_data_case(_image_id("999"), "image id 999 outside the 16 feature rows"),
    "caption-image-id-negative": _train_data_case(_image_id("-1"), "image id -1 outside"),
    "caption-image-id-not-integer": _train_data_case(_image_id("x1"), "expected an integer, got 'x1'"),
    "caption-ids-vs-captions": _train_data_case(_drop_last_caption, "differ in line count"),
    # train CLI arguments
    "ratio-negative": _train_args_case(
        "one_to_many", "translate_en_de", ["parse_en=-1"], "config key '--ratios'", "ratio of parse_en is negative"
    ),
    "ratio-not-a-number": _train_args_case(
        "one_to_many", "translate_en_de", ["parse_en=abc"], "config key '--ratios'", "expected TASK=RATIO"
    ),
    "ratio-infinite": _train_args_case(
        "one_to_many", "translate_en_de", ["parse_en=inf"], "config key '--ratios'", "expected TASK=RATIO"
    ),
    "ratio-given-twice": _train_args_case(
        "one_to_many", "translate_en_de", ["parse_en=0.1,parse_en=0.2"], "config key '--ratios'", "given twice"
    ),
    "ratio-unknown-task": _train_args_case(
        "one_to_many", "translate_en_de", ["parsing_en=0.1"], "config key '--ratios'", "unknown task 'parsing_en'"
    ),
    "ratio-for-reference": _train_args_case(
        "one_to_many", "translate_en_de", ["translate_en_de=0.5"], "config key '--ratios'", "is the reference task"
    ),
    "ratio-task-outside-setting": _train_args_case(
        "one_to_many", "translate_en_de", ["translate_de_en=0.1"], "config key '--ratios'", "one source language"
    ),
    "setting-unknown": _train_args_case(
        "few_to_one", "translate_en_de", [], "config key '--setting'", "unknown setting 'few_to_one'"
    ),
    "reference-unknown": _train_args_case(
        "one_to_many", "translate_en_xx", [], "config key '--reference'", "unknown task 'translate_en_xx'"
    ),
    "train-data-missing": _train_missing_data,
    # config files
    "config-negative-ratio": _config_case(
        ONE_TO_MANY.format(aux="{parse_en: [0.1, -0.5]}"),
        _key("grid.settings.one_to_many.auxiliary.parse_en[1]"),
        "less than the minimum of 0",
    ),
    "config-empty-ratio-list": _config_case(
        ONE_TO_MANY.format(aux="{parse_en: []}"), _key("grid.settings.one_to_many.auxiliary.parse_en"), "non-empty"
    ),
    "config-unknown-task": _config_case(
        ONE_TO_MANY.format(aux="{parsing_en: [0.1]}"),
        _key("grid.settings.one_to_many.auxiliary.parsing_en"),
        "unknown task 'parsing_en'",
    ),
    "config-unknown-key": _config_case("model:\n  hiden: 64\n", _key("model.hiden"), "unknown key"),
    "config-wrong-type": _config_case("model:\n  layers: two\n", _key("model.layers"), "is not of type 'integer'"),
    "config-bad-choice": _config_case("train:\n  optimizer: rmsprop\n", _key("train.optimizer"), "not one of"),
    "config-mixed-source-languages": _config_case(
        ONE_TO_MANY.format(aux="{parse_en: [0.1], translate_de_en: [0.1]}"),
        _key("grid.settings.one_to_many.auxiliary"),
        "one_to_many needs one source language",
    ),
    "config-yaml-syntax": _config_case(
        "model:\n  layers: 2\n  hidden: [1, 2\ntrain:\n  lr: 0.5\n", lambda cfg: f"{cfg}:4", "invalid YAML"
    ),
    "config-not-a-mapping": _config_case("- model\n- train\n", str, "config must be a mapping"),
    "config-invalid-utf8": _config_case(b"data:\n  name: caf\xe9\n", str, "not valid UTF-8"),
    "config-missing": _config_case(None, str, "config file not found"),
    # checkpoints, models, run directories
    "model-garbage": _evaluate_case(_garbage_model, "cannot read model (damaged, truncated or not a torch file)"),
    "model-truncated": _evaluate_case(_truncated_model, "cannot read model (damaged, truncated or not a torch file)"),
    "model-foreign-format": _evaluate_case(_foreign_model, "not an mtseq model file"),
    "model-weights-of-another-config": _evaluate_case(
        _other_config_model, "do not fit the model's config: RuntimeError"
    ),
    "run-train-json-corrupt": _evaluate_case(_corrupt_train_json, "corrupt JSON", line=3),
    "run-not-trained": _evaluate_case(_no_train_json, "file not found (train this run first)"),
    "resume-completed-run-changed-config": _resume_case(
        True, "train", {"lr": 0.5}, "holds a completed run with a different config"
    ),
    "resume-checkpoints-changed-model": _resume_case(
        False, "model", {"hidden": 16}, "holds checkpoints of a run with a different config"
    ),
    "resume-checkpoint-of-another-model": _spliced_checkpoint,
    # silver trees
    "silver-missing-model": _silver_case(b"The cat sat .\n", False, False, None, "benepar model not found"),
    "silver-empty-sentence": _silver_case(b"The cat sat .\n\n", False, True, 2, "empty line"),
    # downloads
    "fetch-sha256-mismatch": _fetch_case(b"not the corpus you want\n", "0" * 64, "checksum mismatch"),
    "fetch-sha256-malformed": _fetch_case(b"data\n", "abc123", "config key 'fetch.corpus.tar.gz.sha256'"),
    "fetch-missing-local-source": _fetch_case(None, "0" * 64, "local source not found"),
}


def _leftovers(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(str(p) for p in folder.rglob("*") if p.name.endswith((".tmp", ".part")) and p.is_file())


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_and_nothing_is_lost(case, env, tmp_path, capsys):
    call = CASES[case](tmp_path, env)
    before = {p: p.read_bytes() for p in call.unchanged}
    capsys.readouterr()
    code = main(call.argv)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.splitlines()
    assert err.endswith("\n") and sum(ln.startswith("mtseq: error:") for ln in lines) == 1, err
    assert len(lines) == 1 or not call.quiet, err
    line = lines[-1]
    assert line.startswith(f"mtseq: error: {call.where}: " if call.where else "mtseq: error: "), err
    assert call.words in line, err
    for name in call.names:
        assert name in line, err
    for path in call.absent:
        assert not path.exists(), f"{path} left behind"
    for path, data in before.items():
        assert path.read_bytes() == data, f"{path} changed"
    for folder in call.folders:
        assert _leftovers(folder) == []


# --- accepted on purpose ---------------------------------------------------------------------------------------


def test_bom_and_crlf_are_accepted_and_normalised(tmp_path, capsys):
    en = "\ufeffThe cat, it sat.\r\nIt rained!\r\n".encode()
    de = "\ufeffDie Katze saß.\r\nEs regnete!\r\n".encode()
    argv, _, _, out = _tokenise(tmp_path, en, de)
    assert main(argv) == 0
    assert (out / "x.en").read_bytes() == b"The cat , it sat .\nIt rained !\n"
    assert (out / "x.de").read_bytes() == "Die Katze saß .\nEs regnete !\n".encode()
    trees = _write(tmp_path / "bom.mrg", "\ufeff( (S (NP (DT The) (NN cat))\r\n   (VP (VBD sat))) )\r\n".encode())
    tdir = tmp_path / "trees"
    code = main(["linearise", "--trees", str(trees), "--tokens", str(tdir / "p.en"), "--lin", str(tdir / "p.lin"),
                 "--clean", str(tdir / "p.mrg")])  # fmt: skip
    assert code == 0
    assert (tdir / "p.en").read_bytes() == b"The cat sat\n"
    assert (tdir / "p.lin").read_bytes() == b"(S (NP XX XX )NP (VP XX )VP )S\n"


def test_tree_whose_leaves_do_not_match_the_sentence_is_repaired(tmp_path):
    """delinearise repairs by design: the sentence's words are the leaves, whatever the XX count."""
    lin = _write(tmp_path / "hyp.lin", "(S (NP XX XX )NP (VP XX )VP )S\n" * 3)
    src = _write(tmp_path / "src.en", "the cat sat\nthe big cat sat down\nit\n")
    out = tmp_path / "out"
    argv = ["delinearise", "--lin", str(lin), "--tokens", str(src), "--out", str(out / "h.mrg")]
    assert main([*argv, "--stats", str(out / "stats.json")]) == 0
    trees = read_trees(out / "h.mrg")
    assert [t.leaves() for t in trees] == [s.split() for s in read_lines(src)]
    assert json.loads((out / "stats.json").read_text()) == {"n": 3, "n_repaired": 2, "repaired_share": 2 / 3}


def test_zero_ratio_on_the_train_cli_is_the_baseline(env):
    info = json.loads((env.trained / "train.json").read_text())
    assert info["cell"] == "baseline"
    assert info["ratios"] == {"translate_en_de": 1.0} and set(info["updates"]) == {"translate_en_de"}


@pytest.mark.parametrize(
    ("aux", "cells"),
    [
        ("{parse_en: [0.1, 1]}", ["baseline", "parse0.1", "parse1"]),  # no 0 in the config: baseline added
        ("{parse_en: [0]}", ["baseline"]),  # every ratio 0: the baseline alone, once
        ("{parse_en: [0, 0.1], autoencode_en: [0]}", ["baseline", "parse0.1"]),
    ],
    ids=["baseline-added", "all-zero-is-baseline", "zero-folds-into-baseline"],
)
def test_grid_always_holds_one_baseline(tmp_path, capsys, aux, cells):
    cfg = _write(tmp_path / "grid.yaml", ONE_TO_MANY.format(aux=aux))
    capsys.readouterr()
    assert main(["grid", "--config", str(cfg), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["cell"] for r in rows] == cells
    assert rows[0]["ratios"] == {"translate_en_de": 1.0}


# --- what a failure or a kill half-way through writing leaves ---------------------------------------------------


def test_aligned_outputs_land_together_or_not_at_all(tmp_path):
    out_en, out_de = tmp_path / "x.en", tmp_path / "x.de"
    _write(out_de, "earlier complete output\n")
    with pytest.raises(RuntimeError, match="half-way"), AtomicOutputs() as out:
        out.write_lines(out_en, ["new"])
        raise RuntimeError("failed half-way, after one of two aligned outputs")
    assert not out_en.exists() and out_de.read_text() == "earlier complete output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.de"]  # the temp file of x.en is gone too
    with AtomicOutputs() as out:
        out.write_lines(out_en, ["new en"])
        out.write_lines(out_de, ["new de"])
    assert read_lines(out_en) == ["new en"] and read_lines(out_de) == ["new de"]


def test_sigkill_while_writing_never_leaves_a_partial_output(tmp_path):
    """A process killed inside AtomicOutputs leaves the earlier outputs as they were; at most a hidden temp file."""
    out_en, out_de = tmp_path / "x.en", tmp_path / "x.de"
    _write(out_en, "earlier en\n")
    _write(out_de, "earlier de\n")
    child = (
        "import os, signal, sys\n"
        "from mtseq.io import AtomicOutputs\n"
        "with AtomicOutputs() as out:\n"
        "    out.write_lines(sys.argv[1], ['new en'] * 1000)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", child, str(out_en)], capture_output=True, timeout=60, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert out_en.read_text() == "earlier en\n" and out_de.read_text() == "earlier de\n"
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("x.en", "x.de"))
    assert len(leftovers) == 1 and leftovers[0].startswith(".x.en.") and leftovers[0].endswith(".tmp")
