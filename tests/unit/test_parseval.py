"""Labelled-bracket scoring: hand-computed cases, EVALB conventions, and agreement with a second implementation."""

from __future__ import annotations

import copy
import random
import re
import zipfile

import pytest
from nltk import Tree

from mtseq.errors import MtseqError
from mtseq.evaluate.parseval import brackets, score_files, score_sentence, score_sentences, score_trees
from mtseq.trees.clean import clean_tree, is_preterminal
from mtseq.trees.linearise import linearise, strip_pos
from mtseq.trees.ptb import iter_trees, list_mrg_files, tree_to_line
from mtseq.trees.repair import delinearise

GOLD = Tree.fromstring("(S (NP (DT the) (NN cat)) (VP (VBD sat) (PP (IN on) (NP (DT the) (NN mat)))) (. .))")


def t(text: str) -> Tree:
    return Tree.fromstring(text)


def test_identical_trees_score_100():
    got = score_trees([GOLD], [GOLD])
    assert (got["precision"], got["recall"], got["f1"], got["exact_match"]) == (100.0, 100.0, 100.0, 100.0)
    assert (got["matched"], got["gold_brackets"], got["test_brackets"]) == (5, 5, 5)  # S NP VP PP NP


def test_a_known_mismatch():
    # VP ends after "sat" and PP hangs from S: VP[2,3] is wrong, the other four brackets match
    test = t("(S (NP (XX the) (XX cat)) (VP (XX sat)) (PP (XX on) (NP (XX the) (XX mat))) (XX .))")
    got = score_trees([GOLD], [test])
    assert (got["matched"], got["gold_brackets"], got["test_brackets"]) == (4, 5, 5)
    assert got["precision"] == pytest.approx(80.0) and got["recall"] == pytest.approx(80.0)
    assert got["f1"] == pytest.approx(80.0)
    assert got["exact_match"] == 0.0


def test_a_missing_bracket_costs_recall_only():
    test = t("(S (NP (XX the) (XX cat)) (VP (XX sat) (XX on) (NP (XX the) (XX mat))) (XX .))")
    got = score_trees([GOLD], [test])
    assert (got["matched"], got["gold_brackets"], got["test_brackets"]) == (4, 5, 4)
    assert got["precision"] == pytest.approx(100.0)
    assert got["recall"] == pytest.approx(80.0)
    assert got["f1"] == pytest.approx(2 * 100 * 80 / 180)


def test_corpus_scores_are_micro_averaged():
    short_gold = t("(S (NP (PRP It)) (VP (VBD rained)) (. .))")
    short_test = t("(S (VP (XX It) (XX rained)) (XX .))")  # 1 of 3 right, 2 test brackets
    long_test = t("(S (NP (XX the) (XX cat)) (VP (XX sat)) (PP (XX on) (NP (XX the) (XX mat))) (XX .))")
    got = score_trees([GOLD, short_gold], [long_test, short_test])
    assert (got["matched"], got["gold_brackets"], got["test_brackets"]) == (5, 8, 7)
    assert got["precision"] == pytest.approx(100 * 5 / 7)
    assert got["recall"] == pytest.approx(100 * 5 / 8)
    assert (got["sentences"], got["scored"]) == (2, 2)


def test_advp_and_prt_are_the_same_label():
    gold = t("(S (NP (PRP He)) (VP (VBD gave) (PRT (RP up))))")
    test = t("(S (NP (XX He)) (VP (XX gave) (ADVP (XX up))))")
    assert score_trees([gold], [test])["f1"] == 100.0
    other = t("(S (NP (XX He)) (VP (XX gave) (ADJP (XX up))))")
    assert score_trees([gold], [other])["matched"] == 3


def test_function_tags_are_ignored():
    gold = t("(S (NP-SBJ-1 (PRP He)) (VP (VBD left) (NP-TMP=2 (NN today))))")
    test = t("(S (NP (XX He)) (VP (XX left) (NP (XX today))))")
    assert score_trees([gold], [test])["f1"] == 100.0


def test_punctuation_is_deleted_before_scoring():
    # the final period inside the VP, or a bracket over a comma alone: no difference once punctuation is gone
    test = t("(S (NP (XX the) (XX cat)) (VP (XX sat) (PP (XX on) (NP (XX the) (XX mat))) (XX .)))")
    assert score_trees([GOLD], [test])["f1"] == 100.0
    gold = t("(S (NP (NNP Bob)) (, ,) (VP (VBD left)) (. .))")
    test = t("(S (NP (XX Bob)) (PRN (XX ,)) (VP (XX left)) (XX .))")
    got = score_trees([gold], [test])
    assert (got["matched"], got["gold_brackets"], got["test_brackets"]) == (3, 3, 3)


def test_the_root_wrapper_is_not_a_bracket():
    test = strip_pos(GOLD)
    plain = score_trees([GOLD], [test])
    for gold_form, test_form in [(Tree("TOP", [GOLD]), test), (Tree("", [GOLD]), Tree("ROOT", [test]))]:
        assert score_trees([gold_form], [test_form]) == plain
    # the sentence's own top phrase is a bracket, as in EVALB on (TOP (S ...))
    assert brackets(GOLD, [True] * 6 + [False])[("S", 0, 6)] == 1
    assert plain["gold_brackets"] == 5


def test_preterminals_are_not_brackets():
    gold = t("(S (NP (DT the) (NN cat)) (VP (VBD sat)))")
    test = t("(S (NP (NN the) (VB cat)) (VP (JJ sat)))")  # every tag wrong
    assert score_trees([gold], [test])["f1"] == 100.0


def test_duplicate_brackets_match_one_to_one():
    gold = t("(S (NP (NP (NNP John))) (VP (VBD left)))")
    test = t("(S (NP (XX John)) (VP (XX left)))")
    got = score_trees([gold], [test])
    assert (got["matched"], got["gold_brackets"], got["test_brackets"]) == (3, 4, 3)


def test_word_mismatch_is_counted_not_scored():
    test = t("(S (NP (XX the) (XX dog)) (VP (XX sat)))")
    got = score_trees([GOLD, GOLD], [test, strip_pos(GOLD)])
    assert (got["sentences"], got["scored"], got["length_mismatch"]) == (2, 1, 1)
    assert got["f1"] == 100.0
    assert score_sentence(GOLD, test).status == "length_mismatch"


def test_missing_punctuation_is_fine_when_the_test_tree_has_its_own_tags():
    test = t("(S (NP (DT the) (NN cat)) (VP (VBD sat) (PP (IN on) (NP (DT the) (NN mat)))))")
    got = score_trees([GOLD], [test])
    assert (got["scored"], got["length_mismatch"], got["f1"]) == (1, 0, 100.0)


def test_sentences_of_only_punctuation_are_skipped():
    got = score_trees([t("(S (. .))")], [t("(S (XX .))")])
    assert (got["sentences"], got["scored"], got["skipped"], got["f1"]) == (1, 0, 1, 0.0)


def test_different_corpus_sizes_are_refused():
    with pytest.raises(MtseqError, match="1 gold trees but 2 test trees"):
        score_trees([GOLD], [GOLD, GOLD])


def test_score_files(tmp_path):
    (tmp_path / "gold.mrg").write_text(tree_to_line(GOLD) + "\n")
    (tmp_path / "test.mrg").write_text(tree_to_line(strip_pos(GOLD)) + "\n")
    assert score_files(tmp_path / "gold.mrg", tmp_path / "test.mrg")["f1"] == 100.0
    (tmp_path / "two.mrg").write_text(tree_to_line(GOLD) + "\n" + tree_to_line(GOLD) + "\n")
    with pytest.raises(MtseqError, match="1 gold trees but 2 test trees"):
        score_files(tmp_path / "gold.mrg", tmp_path / "two.mrg")


# ------------------------------------------------------- an independent scorer, reading the bracket string
REF_DELETE_WORD = {",", ":", "``", "''", ".", "-NONE-"}
REF_DELETE_BRACKET = REF_DELETE_WORD | {"", "TOP", "ROOT"}


def ref_read(line: str) -> tuple[list[tuple[str, str]], list[tuple[str, int, int]]]:
    """EVALB's own reading: terminals (tag, word) and brackets (label, first word, last word + 1)."""
    toks = re.findall(r"\(|\)|[^\s()]+", line)
    words: list[tuple[str, str]] = []
    spans: list[tuple[str, int, int]] = []
    open_: list[tuple[str, int]] = []
    i = 0
    while i < len(toks):
        if toks[i] == "(":
            label = toks[i + 1] if toks[i + 1] not in ("(", ")") else ""
            j = i + 1 + (label != "")
            if toks[j] not in ("(", ")") and toks[j + 1] == ")":  # (TAG word)
                words.append((label, toks[j]))
                i = j + 2
                continue
            open_.append((label, len(words)))
            i = j
        else:  # ")"
            label, start = open_.pop()
            spans.append((label, start, len(words)))
            i += 1
    return words, spans


def ref_score(gold: Tree, test: Tree) -> tuple[int, int, int] | None:
    gold_words, gold_spans = ref_read(tree_to_line(gold))
    test_words, test_spans = ref_read(tree_to_line(test))
    if [w for _, w in gold_words] == [w for _, w in test_words]:
        test_tags = [tag for tag, _ in gold_words]
    else:
        test_tags = [tag for tag, _ in test_words]

    def renumber(tags, spans):
        kept_before = [0]
        for tag in tags:
            kept_before.append(kept_before[-1] + (tag not in REF_DELETE_WORD))
        out = []
        for label, start, end in spans:
            label = re.split(r"(?<=.)[-=]", label)[0]
            label = "ADVP" if label == "PRT" else label
            a, b = kept_before[start], kept_before[end]
            if label not in REF_DELETE_BRACKET and b > a:
                out.append((label, a, b))
        return out

    kept_gold = [w for tag, w in gold_words if tag not in REF_DELETE_WORD]
    kept_test = [w for (_, w), tag in zip(test_words, test_tags) if tag not in REF_DELETE_WORD]
    if kept_gold != kept_test or not kept_gold:
        return None
    g = renumber([tag for tag, _ in gold_words], gold_spans)
    rest = renumber(test_tags, test_spans)
    n_test = len(rest)
    matched = 0
    for bracket in g:
        if bracket in rest:
            rest.remove(bracket)
            matched += 1
    return matched, len(g), n_test


# ------------------------------------------------------- deterministic perturbations of real trees
LABELS = ["NP", "VP", "PP", "S", "SBAR", "ADJP", "ADVP", "PRT", "QP", "WHNP"]


def phrases(tree: Tree, root: bool = False) -> list[tuple[int, ...]]:
    """Positions of the phrases (not POS nodes), the root only when asked for."""
    nodes = [p for p in tree.treepositions() if root or p]
    return [p for p in nodes if isinstance(tree[p], Tree) and not is_preterminal(tree[p])]


def relabel(tree: Tree, rng: random.Random) -> None:
    """A new label; an ADVP or PRT, where there is one, usually becomes the other (same for EVALB)."""
    particles = [p for p in phrases(tree, root=True) if tree[p].label() in ("ADVP", "PRT")]
    if particles and rng.random() < 0.7:
        p = rng.choice(particles)
        tree[p].set_label({"ADVP": "PRT", "PRT": "ADVP"}[tree[p].label()])
        return
    p = rng.choice(phrases(tree, root=True))
    tree[p].set_label(rng.choice(LABELS))


def drop_punctuation(tree: Tree, rng: random.Random) -> None:
    """Remove one punctuation word (EVALB still scores it when the test tree has its own tags)."""
    marks = [p for p in tree.treepositions() if isinstance(tree[p], Tree) and tree[p].label() in (".", ",")]
    if marks and len(tree.leaves()) > 1:
        p = rng.choice(marks)
        del tree[p]
        while len(p) > 1 and len(tree[p[:-1]]) == 0:
            p = p[:-1]
            del tree[p]


def change_word(tree: Tree, rng: random.Random) -> None:
    p = rng.choice(tree.treepositions("leaves"))
    tree[p] = tree[p] + "-x"


def delete_bracket(tree: Tree, rng: random.Random) -> None:
    if not phrases(tree):
        return relabel(tree, rng)
    p = rng.choice(phrases(tree))
    parent, k = tree[p[:-1]], p[-1]
    parent[k : k + 1] = [child for child in tree[p]]


def add_bracket(tree: Tree, rng: random.Random) -> None:
    wide = [p for p in phrases(tree, root=True) if len(tree[p]) >= 3]
    if not wide:
        return relabel(tree, rng)
    p = rng.choice(wide)
    k = rng.randrange(len(tree[p]) - 1)
    node = tree[p]
    node[k : k + 2] = [Tree(rng.choice(LABELS), [node[k], node[k + 1]])]


def move_bracket(tree: Tree, rng: random.Random) -> None:
    """Shift a bracket's right edge: take in the next sibling, or hand back the last child."""
    candidates = [p for p in phrases(tree) if p[-1] + 1 < len(tree[p[:-1]]) or len(tree[p]) > 1]
    if not candidates:
        return relabel(tree, rng)
    p = rng.choice(candidates)
    parent, k, node = tree[p[:-1]], p[-1], tree[p]
    if k + 1 < len(parent):
        node.append(parent.pop(k + 1))
    else:
        parent.insert(k + 1, node.pop())


PERTURB = [relabel, delete_bracket, add_bracket, move_bracket]


@pytest.fixture(scope="module")
def sample_trees(ptb_sample_zip, tmp_path_factory):
    root = tmp_path_factory.mktemp("ptb")
    with zipfile.ZipFile(ptb_sample_zip) as zf:
        zf.extractall(root, [m for m in zf.namelist() if m.startswith("treebank/combined/wsj_") and m.endswith(".mrg")])
    return [clean_tree(t) for path in list_mrg_files(root) for t, _ in iter_trees(path)]


def pairs(trees: list[Tree], n: int) -> list[tuple[Tree, Tree]]:
    rng = random.Random(2016)
    out = []
    for i in range(n):
        gold = trees[rng.randrange(len(trees))]
        test = copy.deepcopy(gold)
        for j in range(1 + i % 3):
            PERTURB[(i + j) % len(PERTURB)](test, rng)
        if i % 10 in (3, 4):  # odd i loses its tags below, so this is a length mismatch; even i is scored
            drop_punctuation(test, rng)
        if i % 25 == 7:
            change_word(test, rng)
        if i % 2:
            test = strip_pos(test)  # hypotheses carry XX: punctuation known only from the gold
        if i % 5 == 0:
            gold = Tree("TOP", [gold])
        out.append((gold, test))
    return out


def test_agreement_with_an_independent_scorer(sample_trees):
    cases = pairs(sample_trees, 300)
    assert sum(a != b for a, b in cases) >= 295  # the perturbations really change the trees
    ours = score_sentences([g for g, _ in cases], [t for _, t in cases])
    statuses = [s.status for s in ours]
    assert statuses.count("ok") >= 250 and statuses.count("length_mismatch") >= 20
    agree = 0
    for (gold, test), mine in zip(cases, ours):
        ref = ref_score(gold, test)
        if ref is None:
            agree += mine.status != "ok"
        else:
            agree += mine.status == "ok" and (mine.matched, mine.gold, mine.test) == ref
    assert agree == len(cases) == 300
    corpus = score_trees([g for g, _ in cases], [t for _, t in cases])
    assert 40.0 < corpus["f1"] < 99.0  # perturbed but not destroyed
    refs = [r for r in (ref_score(g, t) for g, t in cases) if r]
    m, g, t = (sum(col) for col in zip(*refs))
    assert (corpus["matched"], corpus["gold_brackets"], corpus["test_brackets"]) == (m, g, t)
    assert corpus["precision"] == pytest.approx(100 * m / t) and corpus["recall"] == pytest.approx(100 * m / g)


def test_repaired_hypotheses_never_break_the_scorer(sample_trees):
    rng = random.Random(7)
    gold, test = [], []
    for i in range(200):
        tree = sample_trees[(i * 13) % len(sample_trees)]
        seq = linearise(tree)
        cut = seq[: rng.randrange(len(seq) + 1)]  # the decoder stopped somewhere
        noisy = [tok for tok in cut if rng.random() > 0.1] + rng.choice([[], ["XX"], [")NP", ")S"], ["<unk>"]])
        hyp, _ = delinearise(noisy, tree.leaves())
        gold.append(tree)
        test.append(hyp)
    got = score_trees(gold, test)
    assert (got["sentences"], got["scored"], got["length_mismatch"]) == (200, 200, 0)
    for key in ("precision", "recall", "f1", "exact_match"):
        assert 0.0 <= got[key] <= 100.0
    assert got["matched"] <= min(got["gold_brackets"], got["test_brackets"])
