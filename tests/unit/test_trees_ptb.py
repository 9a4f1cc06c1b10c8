"""Reading PTB bracketed files: multi-line and one-a-line trees, and bad input refused with file:line."""

from __future__ import annotations

import pytest
from nltk import Tree

from mtseq.errors import MtseqError
from mtseq.trees.ptb import iter_trees, list_mrg_files, parse_tree, read_trees, tree_to_line

WSJ_STYLE = """\
( (S
    (NP-SBJ (NNP Pierre) (NNP Vinken) )
    (VP (MD will)
      (VP (VB join) ))
    (. .) ))
( (S
    (NP-SBJ (NNP Mr.) (NNP Vinken) )
    (VP (VBZ is) (NP-PRD (NN chairman) ))
    (. .) ))
"""


def write(tmp_path, text: str | bytes, name: str = "t.mrg"):
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def test_multi_line_trees_with_empty_root_and_their_start_lines(tmp_path):
    got = list(iter_trees(write(tmp_path, WSJ_STYLE)))
    assert [line for _, line in got] == [1, 6]
    first = got[0][0]
    assert first.label() == ""
    assert first[0].label() == "S"
    assert first.leaves() == ["Pierre", "Vinken", "will", "join", "."]
    assert got[1][0].leaves() == ["Mr.", "Vinken", "is", "chairman", "."]


def test_one_tree_a_line_with_bom_and_crlf(tmp_path):
    text = "\ufeff(S (NP (DT the) (NN cat)) (VP (VBD sat)))\r\n(S (NP (PRP it)) (VP (VBD rained)))\r\n"
    got = list(iter_trees(write(tmp_path, text)))
    assert [line for _, line in got] == [1, 2]
    assert got[0][0] == Tree.fromstring("(S (NP (DT the) (NN cat)) (VP (VBD sat)))")
    assert got[1][0].leaves() == ["it", "rained"]


def test_several_trees_on_one_line_and_blank_lines_between(tmp_path):
    trees = read_trees(write(tmp_path, "(A (B x)) (A (B y))\n\n\n(C (D z))\n"))
    assert [t.leaves() for t in trees] == [["x"], ["y"], ["z"]]


def test_one_line_form_round_trips_through_the_reader():
    tree = Tree.fromstring("(S (NP (NNP Pierre) (NNP Vinken)) (VP (MD will) (VP (VB join))) (. .))")
    line = tree_to_line(tree)
    assert "\n" not in line
    assert line == "(S (NP (NNP Pierre) (NNP Vinken)) (VP (MD will) (VP (VB join))) (. .))"
    assert parse_tree(line) == tree


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("(S (NP (DT a)) (VP (VB b)))\n(S (NP (DT a)\n (VP (VB b)))\n", 2, "still open"),  # missing ')'
        ("(S (NP (DT a)) (VP (VB b))))\n(S (NP (DT a)))\n", 1, "extra ')' on line 1"),  # one ')' too many
        ("(S (NP (DT a)))\n\n( (S\n  (NP (DT a))\n  (VP (VB b))) ))\n", 3, "extra ')' on line 5"),
        (")\n", 1, "')' before any tree"),
        ("(S (NP (DT a)))\nstray words\n", 2, "text outside a tree"),
        ("(S (NP (DT a)))\n()\n", 2, "empty tree"),
        ("(S (NP (DT a)))\n( (S (NP )\n  (VP (VB b))))\n", 2, "empty constituent (NP)"),
    ],
)
def test_bad_brackets_name_file_and_the_line_the_bad_tree_starts(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(MtseqError) as info:
        read_trees(path)
    assert info.value.path == str(path)
    assert info.value.line == line
    assert words in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert "\n" not in str(info.value)


def test_unbalanced_messages_say_unbalanced(tmp_path):
    for text in ("(S (NP (DT a))\n", "(S (NP (DT a))))\n"):
        with pytest.raises(MtseqError, match="unbalanced brackets"):
            read_trees(write(tmp_path, text))


def test_invalid_utf8_names_its_line(tmp_path):
    path = write(tmp_path, b"(S (NP (DT a)))\n(S (NP (NN caf\xe9)))\n")
    with pytest.raises(MtseqError, match="invalid UTF-8") as info:
        read_trees(path)
    assert (info.value.path, info.value.line) == (str(path), 2)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(MtseqError, match="file not found"):
        read_trees(tmp_path / "nope.mrg")


def test_parse_tree_wants_exactly_one_tree():
    with pytest.raises(MtseqError, match="expected one tree, found 2"):
        parse_tree("(A (B x)) (A (B y))")
    with pytest.raises(MtseqError, match="expected one tree, found 0"):
        parse_tree("   ")


def test_list_mrg_files_sorted_and_recursive(tmp_path):
    for rel in ("01/wsj_0102.mrg", "00/wsj_0002.mrg", "00/wsj_0001.mrg", "00/README"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("(S (X y))\n")
    assert [p.relative_to(tmp_path).as_posix() for p in list_mrg_files(tmp_path)] == [
        "00/wsj_0001.mrg",
        "00/wsj_0002.mrg",
        "01/wsj_0102.mrg",
    ]
    with pytest.raises(MtseqError, match="not a directory"):
        list_mrg_files(tmp_path / "missing")
