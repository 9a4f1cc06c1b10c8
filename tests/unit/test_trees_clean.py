"""Cleaning: traces, function tags, indices and the empty root go; unary chains and punctuation stay."""

from __future__ import annotations

import pytest
from nltk import Tree

from mtseq.trees.clean import clean_tree, shape_problem, strip_function_tags


@pytest.mark.parametrize(
    ("label", "want"),
    [
        ("NP-SBJ-1", "NP"),
        ("NP=2", "NP"),
        ("PP-LOC=3", "PP"),
        ("NP-SBJ=1-3", "NP"),
        ("S-TPC-2", "S"),
        ("-LRB-", "-LRB-"),
        ("-RRB-", "-RRB-"),
        ("-NONE-", "-NONE-"),
        ("PRP$", "PRP$"),
        ("ADVP|PRT", "ADVP|PRT"),
        ("NP", "NP"),
        ("-", "-"),
    ],
)
def test_strip_function_tags(label, want):
    assert strip_function_tags(label) == want


def test_traces_and_the_constituents_they_leave_empty_are_removed():
    tree = Tree.fromstring(
        "( (S (NP-SBJ-1 (DT The) (NN man)) (VP (VBD said) (SBAR (-NONE- 0) (S (-NONE- *T*-1))))"
        " (VP (VBN gone) (NP (-NONE- *-1))) (. .)) )"
    )
    assert clean_tree(tree) == Tree.fromstring("(S (NP (DT The) (NN man)) (VP (VBD said)) (VP (VBN gone)) (. .))")


def test_unary_chains_punctuation_and_bracket_tags_are_kept():
    tree = Tree.fromstring("( (S (NP-SBJ (NP (-LRB- -LRB-) (NN x) (-RRB- -RRB-))) (VP (VBZ is)) (. .)) )")
    assert clean_tree(tree) == Tree.fromstring("(S (NP (NP (-LRB- -LRB-) (NN x) (-RRB- -RRB-))) (VP (VBZ is)) (. .))")


@pytest.mark.parametrize("wrapper", ["( (S (NP (NN x))) )", "(TOP (S (NP (NN x))))", "(ROOT (S (NP (NN x))))"])
def test_root_wrappers_are_removed(wrapper):
    assert clean_tree(Tree.fromstring(wrapper)) == Tree.fromstring("(S (NP (NN x)))")


def test_a_tree_of_nothing_but_traces_cleans_to_none():
    assert clean_tree(Tree.fromstring("( (S (NP-SBJ (-NONE- *)) (VP (-NONE- *?*))) )")) is None


def test_the_input_tree_is_not_modified():
    tree = Tree.fromstring("( (S (NP-SBJ (NN x)) (VP (-NONE- *))) )")
    before = tree.copy(deep=True)
    clean_tree(tree)
    assert tree == before


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("(S (NP (NN x)))", None),
        ("(NN x)", "root (NN) is a POS tag"),
        ("( (NN x))", "no label"),
        ("(S (NP word (NN x)))", "word 'word' is not under a POS tag"),
    ],
)
def test_shape_problem(text, problem):
    got = shape_problem(clean_tree(Tree.fromstring(text)))
    if problem is None:
        assert got is None
    else:
        assert problem in got
