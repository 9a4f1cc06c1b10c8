"""The silver corpus pool (distinct, length-capped, sharded) and resampling from several shards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.config_files import config_file

from mtseq.cli import main
from mtseq.errors import MtseqError
from mtseq.io import read_lines
from mtseq.silver.pool import build_pool
from mtseq.silver.resample import resample_file
from mtseq.trees.ptb import read_trees


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_pool_dedupes_caps_length_and_shards(tmp_path: Path):
    a = _write(tmp_path / "mono.en", ["a b", "c d e", "a b", "w " * 9, "f  g"])
    b = _write(tmp_path / "translate.en", ["c d e", "h", ""])
    outs = [tmp_path / f"pool.{k}.en" for k in range(2)]
    stats = build_pool([a, b], outs, max_words=5, stats_path=tmp_path / "pool.json")
    assert read_lines(outs[0]) == ["a b", "f g"] and read_lines(outs[1]) == ["c d e", "h"]
    assert (stats["n_lines"], stats["n_too_long"], stats["n_empty"], stats["n_duplicates"]) == (8, 1, 1, 2)
    assert stats["shards"] == [2, 2] and json.loads((tmp_path / "pool.json").read_text())["n_pool"] == 4


def test_pool_size_is_a_seeded_draw_in_input_order(tmp_path: Path):
    src = _write(tmp_path / "m.en", [f"s {i}" for i in range(100)])
    one, two = tmp_path / "1.en", tmp_path / "2.en"
    build_pool([src], [one], size=10, seed=5)
    build_pool([src], [two], size=10, seed=5)
    drawn = read_lines(one)
    assert drawn == read_lines(two) and len(drawn) == 10
    assert [int(s.split()[1]) for s in drawn] == sorted(int(s.split()[1]) for s in drawn)
    section = config_file(tmp_path, {"data": {"silver": {"pool": {"size": 3, "seed": 6}}}})
    assert main(["silver", "pool", "--config", section, "--inputs", str(src), "--out", str(one)]) == 0
    assert len(read_lines(one)) == 3


def test_pool_refusals(tmp_path: Path, capsys):
    src = _write(tmp_path / "m.en", ["a b", "c"])
    with pytest.raises(MtseqError, match="fewer than its 3 shards"):
        build_pool([src], [tmp_path / f"{k}.en" for k in range(3)])
    with pytest.raises(MtseqError, match="no sentence of 1-1 words"):
        build_pool([_write(tmp_path / "long.en", ["a b c"])], [tmp_path / "o.en"], max_words=1)
    (tmp_path / "bad.en").write_bytes(b"ok\n\xff\n")
    section = config_file(tmp_path, {})
    assert (
        main(
            [
                "silver",
                "pool",
                "--config",
                section,
                "--inputs",
                str(tmp_path / "bad.en"),
                "--out",
                str(tmp_path / "o.en"),
            ]
        )
        == 2
    )
    assert "invalid UTF-8" in capsys.readouterr().err
    bad = config_file(tmp_path, {"data": {"silver": {"pool": {"max_words": 0}}}}, "bad.yaml")
    assert main(["silver", "pool", "--config", bad, "--inputs", str(src), "--out", str(tmp_path / "o.en")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{bad}: config key 'data.silver.pool.max_words'" in err
    assert not list(tmp_path.glob("*.en.*tmp")) and not (tmp_path / "o.en").exists()


def _flat(words: list[str]) -> str:
    return "(S " + " ".join(f"(NN {w})" for w in words) + ")"


def test_resample_reads_several_shards_as_one_pool(tmp_path: Path):
    ref = _write(tmp_path / "wsj.mrg", [_flat(["x"] * n) for n in (2, 2, 3, 3)])
    s0 = _write(tmp_path / "agreed.0.mrg", [_flat(["a", "b"]), _flat(["c", "d", "e"])])
    s1 = _write(tmp_path / "agreed.1.mrg", [_flat(["f", "g"]), _flat(["h", "i", "j"]), _flat(["k"])])
    out, stats = tmp_path / "silver.mrg", tmp_path / "res.json"
    section = config_file(tmp_path, {"data": {"silver": {"resample": {"seed": 1}}}})  # size: the schema's max
    args = ["silver", "resample", "--trees", str(s0), str(s1), "--reference", str(ref), "--config", section]
    assert main([*args, "--out", str(out), "--stats", str(stats)]) == 0
    trees = read_trees(out)
    assert sorted(len(t.leaves()) for t in trees) == [2, 2, 3, 3]  # the one-word tree has no reference mass
    assert json.loads(stats.read_text())["trees"] == [str(s0), str(s1)]
    assert resample_file(s0, [ref], tmp_path / "one.mrg", size=None, seed=1)["trees"] == str(s0)
