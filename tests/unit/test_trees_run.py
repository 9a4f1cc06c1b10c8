"""The linearise / delinearise stages through the CLI: outputs land together, or nothing does."""

from __future__ import annotations

import json

import pytest

from mtseq.cli import main
from mtseq.errors import MtseqError
from mtseq.io import read_lines
from mtseq.trees.ptb import read_trees
from mtseq.trees.run import delinearise_files, linearise_files

GOOD = """\
( (S
    (NP-SBJ-1 (DT The) (NN cat) )
    (VP (VBD sat)
      (NP (-NONE- *-1) ))
    (. .) ))
( (S (NP-SBJ (-NONE- *) ) (VP (-NONE- *?*) )) )
(S (NP (PRP It)) (VP (VBD rained)) (. .))
"""


def linearise_argv(trees, out):
    return [
        "linearise",
        "--trees",
        *map(str, trees),
        "--tokens",
        str(out / "parse.en"),
        "--lin",
        str(out / "parse.lin"),
        "--clean",
        str(out / "parse.mrg"),
        "--stats",
        str(out / "stats.json"),
    ]


def test_linearise_cli_writes_the_three_aligned_files(tmp_path):
    src = tmp_path / "a.mrg"
    src.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert main(linearise_argv([src], out)) == 0
    assert read_lines(out / "parse.en") == ["The cat sat .", "It rained ."]
    assert read_lines(out / "parse.lin") == [
        "(S (NP XX XX )NP (VP XX )VP XX )S",
        "(S (NP XX )NP (VP XX )VP XX )S",
    ]
    assert read_lines(out / "parse.mrg")[0] == "(S (NP (DT The) (NN cat)) (VP (VBD sat)) (. .))"
    stats = json.loads((out / "stats.json").read_text())
    assert (stats["n_trees"], stats["n_kept"], stats["n_dropped_empty"]) == (3, 2, 1)
    assert stats["label_counts"] == {"NP": 2, "S": 2, "VP": 2}
    assert stats["n_output_symbols"] == 7  # (S )S (NP )NP (VP )VP XX


def test_files_are_read_in_the_order_given(tmp_path):
    a, b = tmp_path / "a.mrg", tmp_path / "b.mrg"
    a.write_text("(S (NP (NN a)))\n")
    b.write_text("(S (NP (NN b)))\n")
    linearise_files([b, a], tmp_path / "t", tmp_path / "l", tmp_path / "c")
    assert read_lines(tmp_path / "t") == ["b", "a"]


@pytest.mark.parametrize(
    ("second", "line", "words"),
    [
        ("(S (NP (NN ok)))\n\n( (S\n  (NP (NN x))\n  (VP (VB y))\n", 3, "unbalanced brackets"),
        ("(S (NP (NN ok)))\n(S (NP (NN ok))))\n", 2, "unbalanced brackets"),
        ("(S (NP (NN ok)))\n(S (NP word (NN x)))\n", 2, "cannot be linearised"),
        ("(S (NP (NN ok)))\n(S (NP (NN caf\xe9)))\n".encode("latin-1"), 2, "invalid UTF-8"),
        ("\n\n", None, "no trees in file"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_leaves_no_output(tmp_path, capsys, second, line, words):
    good, bad = tmp_path / "good.mrg", tmp_path / "bad.mrg"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_bytes(second if isinstance(second, bytes) else second.encode("utf-8"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "parse.en").write_text("stale but complete\n")  # an earlier run's output stays as it was
    capsys.readouterr()
    assert main(linearise_argv([good, bad], out)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    where = f"{bad}:{line}: " if line else f"{bad}: "
    assert err.startswith(f"mtseq: error: {where}")
    assert words in err
    assert sorted(p.name for p in out.iterdir()) == ["parse.en"]  # no temp files, nothing new
    assert (out / "parse.en").read_text() == "stale but complete\n"


def test_delinearise_cli_repairs_and_reports_the_share(tmp_path):
    (tmp_path / "hyp.lin").write_text(
        "(S (NP XX XX )NP (VP XX )VP XX )S\n"  # well formed
        "(S (NP XX XX )NP (VP XX\n"  # cut short
        "\n"  # nothing at all
        "(S (NP XX )VP XX XX XX XX )S )S\n"  # wrong label, extra XX, extra closer
    )
    (tmp_path / "src.en").write_text("The cat sat .\nThe cat sat .\nIt rained .\nIt rained .\n")
    out = tmp_path / "out"
    assert main(["delinearise", "--lin", str(tmp_path / "hyp.lin"), "--tokens", str(tmp_path / "src.en"),
                 "--out", str(out / "hyp.mrg"), "--stats", str(out / "stats.json")]) == 0  # fmt: skip
    trees = read_trees(out / "hyp.mrg")
    assert [t.leaves() for t in trees] == [s.split() for s in read_lines(tmp_path / "src.en")]
    assert read_lines(out / "hyp.mrg")[0] == "(S (NP (XX The) (XX cat)) (VP (XX sat)) (XX .))"
    assert read_lines(out / "hyp.mrg")[2] == "(S (XX It) (XX rained) (XX .))"
    assert json.loads((out / "stats.json").read_text()) == {"n": 4, "n_repaired": 3, "repaired_share": 0.75}


def test_delinearise_refuses_misaligned_files_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "hyp.lin").write_text("(S XX )S\n(S XX )S\n")
    (tmp_path / "src.en").write_text("one\n")
    out = tmp_path / "out"
    argv = ["delinearise", "--lin", str(tmp_path / "hyp.lin"), "--tokens", str(tmp_path / "src.en")]
    assert main([*argv, "--out", str(out / "hyp.mrg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line count" in err
    assert not out.exists()


def test_delinearise_refuses_an_empty_sentence(tmp_path):
    (tmp_path / "hyp.lin").write_text("(S XX )S\n(S XX )S\n")
    (tmp_path / "src.en").write_text("one\n\n")
    with pytest.raises(MtseqError, match="empty line") as info:
        delinearise_files(tmp_path / "hyp.lin", tmp_path / "src.en", tmp_path / "out.mrg")
    assert info.value.line == 2
    assert not (tmp_path / "out.mrg").exists()
