"""Linearisation (Vinyals et al. 2015) and its exact inverse on well-formed sequences."""

from __future__ import annotations

from nltk import Tree

from mtseq.trees.linearise import linearise, strip_pos
from mtseq.trees.repair import delinearise

TREE = Tree.fromstring("(S (NP (DT the) (NN cat)) (VP (VBD sat) (NP (DT the) (NN mat))) (. .))")
SEQ = "(S (NP XX XX )NP (VP XX (NP XX XX )NP )VP XX )S"


def test_linearise_matches_the_paper_format():
    assert " ".join(linearise(TREE)) == SEQ


def test_unary_chains_are_linearised():
    tree = Tree.fromstring("(S (NP (NP (NNP John))) (VP (VBD left)))")
    assert " ".join(linearise(tree)) == "(S (NP (NP XX )NP )NP (VP XX )VP )S"


def test_strip_pos_replaces_only_pos_tags():
    assert strip_pos(TREE) == Tree.fromstring("(S (NP (XX the) (XX cat)) (VP (XX sat) (NP (XX the) (XX mat))) (XX .))")
    assert TREE[0][0].label() == "DT"  # the input is untouched


def test_delinearise_inverts_linearise_without_repair():
    tree, repaired = delinearise(linearise(TREE), TREE.leaves())
    assert tree == strip_pos(TREE)
    assert repaired is False


def test_delinearise_accepts_a_string():
    tree, repaired = delinearise(SEQ, TREE.leaves())
    assert (tree, repaired) == (strip_pos(TREE), False)


def test_deep_trees_do_not_hit_the_recursion_limit():
    depth = 3000
    seq = ["(NP"] * depth + ["XX"] + [")NP"] * depth
    tree, repaired = delinearise(seq, ["w"])
    assert not repaired
    assert linearise(tree) == seq
