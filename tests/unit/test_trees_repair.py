"""Repair of malformed decoder output: always one well-formed tree over exactly the sentence's words."""

from __future__ import annotations

import random
import zipfile

import pytest
from nltk import Tree

from mtseq.trees.clean import clean_tree, is_preterminal
from mtseq.trees.linearise import linearise, strip_pos
from mtseq.trees.ptb import iter_trees, list_mrg_files, parse_tree, tree_to_line
from mtseq.trees.repair import delinearise

WORDS = "The cat sat on the mat .".split()
GOLD = Tree.fromstring("(S (NP (XX The) (XX cat)) (VP (XX sat) (PP (XX on) (NP (XX the) (XX mat)))) (XX .))")
SEQ = "(S (NP XX XX )NP (VP XX (PP XX (NP XX XX )NP )PP )VP XX )S"


def well_formed(seq: list[str], n_words: int) -> bool:
    """An independent check: balanced, labels matching, one XX a word, one top phrase, no empty phrase."""
    depth_labels: list[str] = []
    filled: list[bool] = []
    tops = n_xx = 0
    for tok in seq:
        if tok == "XX":
            if not depth_labels:
                return False
            n_xx += 1
            filled[-1] = True
        elif tok.startswith("(") and len(tok) > 1 and ")" not in tok[1:] and "(" not in tok[1:]:
            if not depth_labels:
                tops += 1
            elif filled:
                filled[-1] = True
            depth_labels.append(tok[1:])
            filled.append(False)
        elif tok.startswith(")") and len(tok) > 1:
            if not depth_labels or depth_labels.pop() != tok[1:] or not filled.pop():
                return False
        else:
            return False
    return not depth_labels and tops == 1 and n_xx == n_words


def check_tree(tree: Tree, words: list[str]) -> None:
    assert isinstance(tree, Tree)
    assert tree.leaves() == words
    assert tree.label() and not is_preterminal(tree)
    for node in tree.subtrees():
        assert len(node) > 0 and node.label()
        if is_preterminal(node):
            assert node.label() == "XX"
        else:
            assert all(isinstance(child, Tree) for child in node)  # every word under its XX
    assert parse_tree(tree_to_line(tree)) == tree  # prints as one well-formed PTB tree


@pytest.mark.parametrize(
    ("seq", "want"),
    [
        # missing closers at the end: closed where the output stopped
        ("(S (NP XX XX )NP (VP XX (PP XX (NP XX XX", "(S (NP The cat) (VP sat (PP on (NP the mat .))))"),
        # a closer with the wrong label closes the innermost phrase; the opening label wins
        ("(S (NP XX XX )VP (VP XX (PP XX (NP XX XX )NP )PP )VP XX )S", str(GOLD)),
        # unmatched closers are dropped
        (")S )NP " + SEQ + " )S )VP", str(GOLD)),
        # too few XX: the missing words go at the end of the last phrase
        ("(S (NP XX XX )NP (VP XX )VP )S", "(S (NP The cat) (VP sat) on the mat .)"),
        # too many XX: the extra ones are dropped
        ("(S (NP XX XX XX XX XX )NP (VP XX XX XX XX )VP )S", "(S (NP The cat sat on the) (VP mat .))"),
        # empty output: a flat S
        ("", "(S The cat sat on the mat .)"),
        # garbage tokens are dropped
        ("<unk> (S (NP XX foo XX )NP ( (VP XX (PP XX ) (NP XX XX )NP )PP )VP XX )S </s>", str(GOLD)),
        # an empty phrase is dropped
        ("(S (NP XX XX )NP (ADJP )ADJP (VP XX (PP XX (NP XX XX )NP )PP )VP XX )S", str(GOLD)),
        # several top-level phrases are wrapped in one S
        ("(NP XX XX )NP (VP XX (PP XX (NP XX XX )NP )PP )VP XX", "(S (NP The cat) (VP sat (PP on (NP the mat))) .)"),
        # a single top-level word, and nothing else
        ("XX", "(S The cat sat on the mat .)"),
    ],
)
def test_known_repairs(seq, want):
    tree, repaired = delinearise(seq, WORDS)
    assert repaired is True
    check_tree(tree, WORDS)
    want_tree = Tree.fromstring(want)
    for pos in want_tree.treepositions("leaves"):  # shorthand above leaves out the XX nodes
        want_tree[pos] = Tree("XX", [want_tree[pos]])
    assert tree == (GOLD if want == str(GOLD) else want_tree)


def test_well_formed_input_is_not_repaired():
    assert delinearise(SEQ, WORDS) == (GOLD, False)


def test_an_empty_sentence_gives_an_empty_s():
    tree, repaired = delinearise("", [])
    assert (tree, repaired) == (Tree("S", []), True)


# ---------------------------------------------------------------- generated from the real treebank
GARBAGE = ["<unk>", "foo", "(", ")", "NP", "((", "()", "XX)", "(NP(", "</s>"]
KINDS = [
    "drop_closer",
    "drop_last_closers",
    "extra_closer",
    "relabel_closer",
    "drop_xx",
    "extra_xx",
    "truncate",
    "garbage",
    "duplicate_opener",
    "empty",
    "swap",
    "drop_opener",
]


def perturb(seq: list[str], kind: str, rng: random.Random) -> list[str]:
    seq = list(seq)
    closers = [i for i, t in enumerate(seq) if t.startswith(")")]
    openers = [i for i, t in enumerate(seq) if t.startswith("(")]
    xxs = [i for i, t in enumerate(seq) if t == "XX"]
    if kind == "drop_closer":
        del seq[rng.choice(closers)]
    elif kind == "drop_last_closers":
        del seq[len(seq) - rng.randint(1, len(closers)) :]
    elif kind == "extra_closer":
        seq.insert(rng.randrange(len(seq) + 1), ")" + rng.choice(["NP", "VP", "S"]))
    elif kind == "relabel_closer":
        i = rng.choice(closers)
        seq[i] = ")" + ("QP" if seq[i] != ")QP" else "NP")
    elif kind == "drop_xx":
        for i in sorted(rng.sample(xxs, min(len(xxs), rng.randint(1, 3))), reverse=True):
            del seq[i]
    elif kind == "extra_xx":
        for _ in range(rng.randint(1, 3)):
            seq.insert(rng.randrange(len(seq) + 1), "XX")
    elif kind == "truncate":
        seq = seq[: rng.randrange(len(seq))]
    elif kind == "garbage":
        for _ in range(rng.randint(1, 3)):
            seq.insert(rng.randrange(len(seq) + 1), rng.choice(GARBAGE))
    elif kind == "duplicate_opener":
        i = rng.choice(openers)
        seq.insert(i, seq[i])
    elif kind == "empty":
        seq = []
    elif kind == "swap":
        i, j = rng.sample(range(len(seq)), 2)
        seq[i], seq[j] = seq[j], seq[i]
    elif kind == "drop_opener":
        del seq[rng.choice(openers)]
    return seq


@pytest.fixture(scope="module")
def sample_trees(ptb_sample_zip, tmp_path_factory):
    root = tmp_path_factory.mktemp("ptb")
    with zipfile.ZipFile(ptb_sample_zip) as zf:
        names = [f"treebank/combined/wsj_{i:04d}.mrg" for i in range(1, 21)]
        zf.extractall(root, names)
    return [clean_tree(t) for path in list_mrg_files(root) for t, _ in iter_trees(path)]


def malformed_set(trees: list[Tree]) -> list[tuple[str, list[str], list[str], Tree]]:
    rng = random.Random(20160301)
    cases = []
    for n, kind in enumerate(KINDS * 8):
        tree = trees[(n * 37) % len(trees)]
        seq = linearise(tree)
        bad = perturb(seq, kind, rng)
        if kind in ("garbage", "extra_xx", "drop_xx") and n % 2:  # and some with two faults at once
            bad = perturb(bad, rng.choice(["drop_closer", "extra_closer", "relabel_closer"]), rng)
        if bad != seq:
            cases.append((kind, bad, tree.leaves(), tree))
    return cases


def test_every_malformed_sequence_yields_a_well_formed_tree_over_the_words(sample_trees):
    cases = malformed_set(sample_trees)
    assert len(cases) >= 90
    assert {kind for kind, *_ in cases} == set(KINDS)
    n_repaired = 0
    for kind, bad, words, gold in cases:
        tree, repaired = delinearise(bad, words)
        check_tree(tree, words)
        assert repaired == (not well_formed(bad, len(words))), (kind, bad)
        n_repaired += repaired
        if kind == "relabel_closer":  # only a label changed: the structure comes back whole
            assert tree == strip_pos(gold)
        if kind == "garbage" and well_formed([t for t in bad if t in set(linearise(gold))], len(words)):
            assert tree == strip_pos(gold)
    assert n_repaired >= len(cases) - 5  # a swap can, rarely, make another valid sequence


def test_garbage_only_output_gives_the_flat_tree(sample_trees):
    words = sample_trees[3].leaves()
    tree, repaired = delinearise(GARBAGE, words)
    assert repaired
    assert tree == Tree("S", [Tree("XX", [w]) for w in words])
