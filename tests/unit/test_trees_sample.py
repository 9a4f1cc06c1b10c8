"""The NLTK 10% WSJ sample, end to end: every tree read, cleaned, linearised and recovered exactly."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from mtseq.io import read_lines
from mtseq.trees.clean import clean_tree, is_preterminal, shape_problem
from mtseq.trees.linearise import linearise, strip_pos
from mtseq.trees.ptb import iter_trees, list_mrg_files, parse_tree
from mtseq.trees.repair import delinearise
from mtseq.trees.run import linearise_files

N_TREES = 3914  # trees in treebank/combined/wsj_0001.mrg ... wsj_0199.mrg
FUNCTION_TAG = re.compile(r"^[^-=]+[-=]")


@pytest.fixture(scope="module")
def mrg_files(ptb_sample_zip, tmp_path_factory):
    root = tmp_path_factory.mktemp("ptb")
    with zipfile.ZipFile(ptb_sample_zip) as zf:
        zf.extractall(root, [m for m in zf.namelist() if m.startswith("treebank/combined/") and m.endswith(".mrg")])
    return list_mrg_files(root / "treebank" / "combined")


@pytest.fixture(scope="module")
def raw_trees(mrg_files):
    return [tree for path in mrg_files for tree, _ in iter_trees(path)]


@pytest.fixture(scope="module")
def clean_trees(raw_trees):
    return [clean_tree(t) for t in raw_trees]


def test_every_tree_is_read(mrg_files, raw_trees):
    assert len(mrg_files) == 199
    assert mrg_files[0].name == "wsj_0001.mrg" and mrg_files[-1].name == "wsj_0199.mrg"
    assert len(raw_trees) == N_TREES
    assert all(t.label() == "" and len(t) == 1 for t in raw_trees)  # the WSJ empty root
    assert raw_trees[0].leaves()[:3] == ["Pierre", "Vinken", ","]


def test_cleaning_removes_traces_function_tags_and_the_empty_root(raw_trees, clean_trees):
    assert sum("-NONE-" in {t.label() for t in tree.subtrees()} for tree in raw_trees) > 1000  # there was work
    assert all(c is not None for c in clean_trees)
    labels = {t.label() for tree in clean_trees for t in tree.subtrees()}
    assert "-NONE-" not in labels
    assert "" not in labels
    assert not [lab for lab in labels if FUNCTION_TAG.match(lab)]
    assert {"-LRB-", "-RRB-", ",", ".", "``", "''"} <= labels  # bracket tags and punctuation survive
    assert all(not is_preterminal(tree) and tree.label() for tree in clean_trees)
    assert all(shape_problem(tree) is None for tree in clean_trees)
    # every word that is not a trace survives, in order
    for raw, clean in zip(raw_trees, clean_trees):
        assert clean.leaves() == [w for w, tag in raw.pos() if tag != "-NONE-"]


def test_unary_chains_are_kept(clean_trees):
    phrases = (t for tree in clean_trees for t in tree.subtrees() if not is_preterminal(t))
    unary = sum(len(t) == 1 and not is_preterminal(t[0]) for t in phrases)
    assert unary > 1000


def test_round_trip_is_exact_for_every_tree(clean_trees):
    exact = unrepaired = 0
    for tree in clean_trees:
        back, repaired = delinearise(linearise(tree), tree.leaves())
        exact += back == strip_pos(tree)
        unrepaired += not repaired
    assert (exact, unrepaired) == (N_TREES, N_TREES)


def test_stage_writes_aligned_outputs_and_stats(mrg_files, clean_trees, tmp_path):
    out = tmp_path / "trees"
    stats = linearise_files(
        mrg_files, out / "parse.en", out / "parse.lin", out / "parse.mrg", out_stats=out / "stats.json"
    )
    assert json.loads((out / "stats.json").read_text()) == stats
    assert (stats["n_trees"], stats["n_kept"], stats["n_dropped_empty"]) == (N_TREES, N_TREES, 0)
    tokens, lins, cleans = (read_lines(out / name) for name in ("parse.en", "parse.lin", "parse.mrg"))
    assert len(tokens) == len(lins) == len(cleans) == N_TREES
    assert stats["n_words"] == sum(len(t.leaves()) for t in clean_trees)
    assert stats["max_lin_length"] == max(len(ln.split()) for ln in lins)
    symbols = {tok for ln in lins for tok in ln.split()}
    assert stats["n_output_symbols"] == len(symbols)
    assert "XX" in symbols and "(S" in symbols and ")S" in symbols
    assert stats["label_counts"]["S"] > stats["label_counts"]["SBAR"] > 0
    assert not [lab for lab in stats["label_counts"] if FUNCTION_TAG.match(lab)]
    for i in (0, 1, 1234, N_TREES - 1):
        assert parse_tree(cleans[i]) == clean_trees[i]  # POS tags kept in the gold file
        assert tokens[i].split() == clean_trees[i].leaves()
        assert lins[i].split() == linearise(clean_trees[i])
    assert sorted(p.name for p in out.iterdir()) == ["parse.en", "parse.lin", "parse.mrg", "stats.json"]
