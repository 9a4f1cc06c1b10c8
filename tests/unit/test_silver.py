"""The silver-tree path: benepar parsing (with a tiny offline model), agreement filter, length resampling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import benepar_tiny
from helpers.config_files import config_file, parse_argv

from mtseq.cli import main
from mtseq.errors import MtseqError
from mtseq.silver.agreement import filter_agreeing
from mtseq.silver.parser import escape_token
from mtseq.silver.resample import allocate, draw, resample_file, tree_lengths
from mtseq.trees.ptb import read_trees
from mtseq.trees.run import linearise_files

SENTENCES = [
    "the dog sat on a mat .",
    "Anna likes birds .",
    "is it old ?",
    "hello",
    "the old man gave ( a ) book to Mary .",
    "we will go home with the children and the cat .",
    "unknownword zzz qqq",
]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> tuple[Path, Path]:
    """Two tiny parsers that differ (seed and training length), like two real parsers would."""
    d = tmp_path_factory.mktemp("benepar")
    return benepar_tiny.tiny_model(d, "a.pt", steps=40, seed=0), benepar_tiny.tiny_model(d, "b.pt", steps=15, seed=1)


@pytest.fixture
def tokens(tmp_path: Path) -> Path:
    path = tmp_path / "sents.en"
    path.write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    return path


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _silver(*args: str | Path) -> int:
    return main(["silver", *map(str, args)])


def _parse(folder: Path, model: str | Path, *args: str | Path, batch_size: int | None = None) -> int:
    """`mtseq silver parse` with ``model`` as the config's parser a."""
    return main([*parse_argv(folder, model, batch_size), *map(str, args)])


# parse ---------------------------------------------------------------------


def test_tiny_model_loads_through_benepar_parser(models):
    import benepar

    parser = benepar.Parser(str(models[0]), language_code="en")
    trees = list(parser.parse_sents([s.split() for s in SENTENCES]))
    assert [t.leaves() for t in trees] == [[escape_token(w) for w in s.split()] for s in SENTENCES]
    assert len({t.pformat(margin=10**6).count("(") - len(t.leaves()) for t in trees}) > 1  # not one fixed shape


def test_parse_cli_writes_one_linearisable_tree_per_sentence(models, tokens, tmp_path):
    out, stats = tmp_path / "a.mrg", tmp_path / "a.json"
    assert _parse(tmp_path, models[0], "--tokens", tokens, "--out", out, "--stats", stats, batch_size=3) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(SENTENCES)
    trees = read_trees(out)
    assert [t.leaves() for t in trees] == [[escape_token(w) for w in s.split()] for s in SENTENCES]
    assert "-LRB-" in trees[4].leaves() and all(t.label() != "TOP" for t in trees)
    assert json.loads(stats.read_text())["n_sentences"] == len(SENTENCES)

    lin_stats = linearise_files([out], tmp_path / "p.en", tmp_path / "p.lin", tmp_path / "p.clean")
    assert lin_stats["n_kept"] == len(SENTENCES)
    assert (tmp_path / "p.en").read_text().splitlines()[0] == SENTENCES[0]


@pytest.mark.parametrize("model", ["benepar_no_such_model", "no/such/model.pt"])
def test_missing_model_is_one_line_with_install_advice(model, tokens, tmp_path, capsys):
    out = tmp_path / "x.mrg"
    assert _parse(tmp_path, model, "--tokens", tokens, "--out", out) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("mtseq: error:")
    assert "benepar.download(" in err and model in err
    assert not out.exists() and not list(tmp_path.glob(".x.mrg*"))


def test_damaged_model_file_is_one_line(tokens, tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_text("not a model", encoding="utf-8")
    assert _parse(tmp_path, bad, "--tokens", tokens, "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{bad}: cannot load benepar model" in err


def test_sentence_too_long_for_the_model_names_its_lines(models, tmp_path, capsys):
    path = _write(tmp_path / "s.en", ["a b", " ".join(["w"] * 80)])  # the tiny model's limit is 62 words
    out = tmp_path / "o"
    assert _parse(tmp_path, models[0], "--tokens", path, "--out", out, batch_size=1) == 2
    assert f"{path}: benepar refused a sentence in lines 2:" in capsys.readouterr().err
    assert not out.exists()


def test_parse_agree_resample_end_to_end(models, tokens, tmp_path):
    many = _write(tmp_path / "many.en", SENTENCES * 6)
    for name, model in zip("ab", models):
        assert _parse(tmp_path, model, "--tokens", many, "--out", tmp_path / f"{name}.mrg") == 0
    kept, agree = tmp_path / "kept.mrg", tmp_path / "agree.json"
    # by hand, one config file gives every step its options (the workflow gives each its section file)
    silver = {"agree": {"min_f1": 0}, "resample": {"seed": 0}, "parse": {"parsers": {"a": "x", "b": "y"}}}
    config = config_file(tmp_path, {"data": {"parts": ["translate", "trees", "silver"], "silver": silver}})
    args = ["--a", tmp_path / "a.mrg", "--b", tmp_path / "b.mrg", "--out", kept, "--stats", agree, "--config", config]
    assert _silver("agree", *args) == 0
    stats = json.loads(agree.read_text())
    assert stats["n_in"] == 42 and stats["n_kept"] == len(read_trees(kept)) > 0
    out, res = tmp_path / "silver.mrg", tmp_path / "res.json"
    args = ["--trees", kept, "--reference", tmp_path / "a.mrg", "--config", config]
    assert _silver("resample", *args, "--out", out, "--stats", res) == 0
    assert len(read_trees(out)) == json.loads(res.read_text())["size_achieved"] > 0


def test_parse_refuses_empty_line_before_loading_a_model(tmp_path, capsys):
    path = tmp_path / "s.en"
    path.write_text("a b\n\nc\n", encoding="utf-8")
    assert _parse(tmp_path, "benepar_no_such_model", "--tokens", path, "--out", tmp_path / "o") == 2
    assert f"{path}:2: empty line" in capsys.readouterr().err


def test_silver_modules_do_not_import_benepar():
    code = (
        "import sys, mtseq.silver, mtseq.commands.silver;"
        "bad = [m for m in ('benepar', 'transformers') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# agree ---------------------------------------------------------------------

A_TREES = [
    "(S (NP (DT the) (NN cat)) (VP (VBD sat)) (. .))",  # same as B: kept
    "(S (NP (DT a) (NN dog)) (VP (VBD saw) (NP (DT a) (NN cat))))",  # B attaches differently: dropped
    "(S (NP (PRP it)) (VP (VBD rained)) (. .))",  # B differs only in POS tags: kept (EVALB ignores them)
    "(FRAG (. .))",  # nothing scored: dropped
]
B_TREES = [
    "(TOP (S (NP (DT the) (NN cat)) (VP (VBD sat)) (. .)))",
    "(S (NP (DT a)) (VP (NN dog) (VBD saw) (NP (DT a) (NN cat))))",
    "(S (NP (NN it)) (VP (VBZ rained)) (. .))",
    "(X (. .))",
]


def test_agree_keeps_identical_and_drops_differing(tmp_path):
    a, b = _write(tmp_path / "a", A_TREES), _write(tmp_path / "b", B_TREES)
    out, stats_path = tmp_path / "kept.mrg", tmp_path / "agree.json"
    section = config_file(tmp_path, {"data": {"silver": {"agree": {}}}})  # min_f1: the schema's 100
    assert _silver("agree", "--config", section, "--a", a, "--b", b, "--out", out, "--stats", stats_path) == 0
    assert out.read_text().splitlines() == [A_TREES[0], A_TREES[2]]
    stats = json.loads(stats_path.read_text())
    assert (stats["n_in"], stats["n_kept"], stats["n_unscored"]) == (4, 2, 1)
    assert stats["agreement_rate"] == 0.5
    by_length = {row["length"]: (row["n"], row["kept"]) for row in stats["by_length"]}
    assert by_length == {1: (1, 0), 3: (1, 1), 4: (1, 1), 5: (1, 0)}


@pytest.mark.parametrize("min_f1, n_kept", [(50.0, 3), (51.0, 2), (0.0, 3)])
def test_agree_threshold_keeps_partial_agreement(tmp_path, min_f1, n_kept):
    a, b = _write(tmp_path / "a", A_TREES), _write(tmp_path / "b", B_TREES)
    # sentence 2: brackets S NP VP NP in both, but NP and VP span differently: 2 of 4 match, F1 50
    stats = filter_agreeing(a, b, tmp_path / "kept", min_f1=min_f1)
    assert stats["n_kept"] == n_kept and stats["n_unscored"] == 1


@pytest.mark.parametrize(
    "b_lines, message",
    [
        (B_TREES[:3], "ends after 3 trees"),
        (["(S (NP (DT the) (NN dog)) (VP (VBD sat)) (. .))", *B_TREES[1:]], "other words"),
    ],
)
def test_agree_refuses_misaligned_files(tmp_path, b_lines, message):
    a, b = _write(tmp_path / "a", A_TREES), _write(tmp_path / "b", b_lines)
    with pytest.raises(MtseqError, match=message):
        filter_agreeing(a, b, tmp_path / "kept", stats_path=tmp_path / "s.json")
    assert not (tmp_path / "kept").exists() and not (tmp_path / "s.json").exists()


# resample ------------------------------------------------------------------


def _flat(words: list[str]) -> str:
    return "(S " + " ".join(f"(NN {w})" for w in words) + ")"


@pytest.fixture
def corpus(tmp_path) -> tuple[Path, Path]:
    """A WSJ-style reference (multi-line, traces) peaked at length 8; a pool skewed short."""
    rng = np.random.default_rng(7)
    ref_lengths = np.clip(rng.normal(8, 3, size=400).round().astype(int), 1, 16)
    ref = tmp_path / "wsj.mrg"
    with open(ref, "w", encoding="utf-8") as fh:
        for n in ref_lengths:
            words = " ".join(f"(NN w{i})" for i in range(n))
            fh.write(f"( (S (NP-SBJ (-NONE- *T*-1))\n    {words}) )\n")
    pool_lengths = np.concatenate([rng.integers(1, 6, size=3000), rng.integers(1, 21, size=4000)])
    pool = _write(tmp_path / "pool.mrg", [_flat([f"s{k}w{i}" for i in range(n)]) for k, n in enumerate(pool_lengths)])
    return pool, ref


def test_reference_lengths_ignore_traces(corpus):
    lengths = tree_lengths([corpus[1]])
    assert len(lengths) == 400 and lengths.min() >= 1 and lengths.max() <= 16


def test_resample_matches_reference_and_is_deterministic(corpus, tmp_path):
    pool, ref = corpus
    runs = []
    for name, seed in [("a", 3), ("b", 3), ("c", 4)]:
        out, stats = tmp_path / f"{name}.mrg", tmp_path / f"{name}.json"
        section = config_file(tmp_path, {"data": {"silver": {"resample": {"size": 600, "seed": seed}}}}, f"{name}.yaml")
        args = ["resample", "--trees", pool, "--reference", ref, "--config", section]
        assert _silver(*args, "--out", out, "--stats", stats) == 0
        runs.append((out.read_text(), json.loads(stats.read_text())))
    (text_a, stats_a), (text_b, _), (text_c, _) = runs
    assert text_a == text_b and text_a != text_c
    assert stats_a["size_achieved"] == 600 == len(text_a.splitlines())
    assert stats_a["n_duplicates"] == 0 and stats_a["reference_mass_uncovered"] == 0
    assert stats_a["total_variation"] < 0.01
    assert sum(b["target"] for b in stats_a["buckets"]) == 600
    assert all(b["achieved"] == b["target"] for b in stats_a["buckets"])
    unshaped = tree_lengths([pool])
    ref_hist = np.bincount(tree_lengths([ref]), minlength=21)[1:17] / 400
    pool_hist = np.bincount(unshaped, minlength=21)[1:17] / np.sum(unshaped <= 16)
    assert 0.5 * np.abs(ref_hist - pool_hist).sum() > 0.2  # the pool really was skewed


def test_resample_short_buckets_and_max_size(corpus):
    pool_lengths = tree_lengths([corpus[0]])
    ref_lengths = tree_lengths([corpus[1]])
    copies, stats = draw(pool_lengths, ref_lengths, size=20000, seed=1)
    assert stats["size_achieved"] == 20000 and stats["n_duplicates"] > 0 and stats["total_variation"] < 0.01
    copies, stats = draw(pool_lengths, ref_lengths, size=20000, seed=1, allow_duplicates=False)
    assert copies.max() == 1 and stats["size_achieved"] < 20000
    copies, stats = draw(pool_lengths, ref_lengths, size=None, seed=1)
    assert copies.max() == 1 and stats["size_achieved"] == stats["size_target"] > 600


def test_resample_buckets_and_refusals(corpus, tmp_path):
    stats = resample_file(corpus[0], [corpus[1]], tmp_path / "o", size=300, seed=0, bucket_width=5)
    assert stats["buckets"][0]["lengths"] == [1, 5] and stats["total_variation"] < 0.01
    with pytest.raises(MtseqError, match="no tree in the pool"):
        draw(np.array([30, 31]), np.array([3, 4]), size=5, seed=0)
    with pytest.raises(MtseqError, match="size must be at least 1"):
        draw(np.array([3]), np.array([3]), size=0, seed=0)


def test_allocate_sums_to_size():
    counts = allocate(np.array([1 / 3, 1 / 3, 1 / 3]), 10)
    assert counts.tolist() == [4, 3, 3]
