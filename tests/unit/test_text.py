"""Tokenisation and vocabularies: aligned outputs, strict input, reproducible ids."""

from __future__ import annotations

import pytest
from helpers.config_files import config_file

from mtseq.cli import main
from mtseq.errors import MtseqError
from mtseq.io import read_lines
from mtseq.text.tokenise import detokenise, tokenise
from mtseq.text.vocab import SPECIALS, UNK_ID, Vocab


def test_moses_tokenisation_splits_punctuation_and_round_trips():
    assert tokenise("The dog, that slept, didn't bark.", "en") == "The dog , that slept , didn 't bark ."
    assert tokenise("Der Hund schläft, weil er müde ist.", "de") == "Der Hund schläft , weil er müde ist ."
    assert detokenise("Der Hund schläft , weil er müde ist .", "de") == "Der Hund schläft, weil er müde ist."


def _write(path, text: bytes):
    path.write_bytes(text)
    return path


def test_tokenise_cli_writes_aligned_outputs(tmp_path):
    en = _write(tmp_path / "a.en", b"The dog sleeps.\nA cat, black, runs.\n")
    de = _write(tmp_path / "a.de", "Der Hund schläft.\nEine Katze, schwarz, läuft.\n".encode())
    out_en, out_de = tmp_path / "tok" / "a.en", tmp_path / "tok" / "a.de"
    assert (
        main(["tokenise", "--inputs", str(en), str(de), "--langs", "en", "de", "--outputs", str(out_en), str(out_de)])
        == 0
    )
    assert read_lines(out_en) == ["The dog sleeps .", "A cat , black , runs ."]
    assert read_lines(out_de)[1] == "Eine Katze , schwarz , läuft ."


def test_bom_and_crlf_are_normalised(tmp_path):
    path = _write(tmp_path / "x.en", "\ufeffone\r\ntwo\r\n".encode())
    assert read_lines(path) == ["one", "two"]


@pytest.mark.parametrize(
    ("en", "de", "pattern"),
    [
        (b"a\nb\n", b"a\n", r"a\.en: aligned files differ in line count"),
        (b"", b"", r"a\.en: file is empty"),
        (b"ok\n\xff\xfebad\n", b"x\ny\n", r"a\.en:2: invalid UTF-8"),
        (b"ok\n\nthree\n", b"x\ny\nz\n", r"a\.en:2: empty line"),
    ],
)
def test_bad_aligned_input_is_refused_without_output(tmp_path, capsys, en, de, pattern):
    src_en, src_de = _write(tmp_path / "a.en", en), _write(tmp_path / "a.de", de)
    outdir = tmp_path / "tok"
    code = main(
        [
            "tokenise",
            "--inputs",
            str(src_en),
            str(src_de),
            "--langs",
            "en",
            "de",
            "--outputs",
            str(outdir / "a.en"),
            str(outdir / "a.de"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "\n" not in err
    import re

    assert re.search(pattern, err), err
    assert not outdir.exists() or not any(outdir.iterdir())


def test_vocab_orders_by_frequency_then_alphabet_and_caps(tmp_path):
    vocab = Vocab.build(["b a c a", "c a"], max_size=6, min_count=1)
    assert vocab.tokens == [*SPECIALS, "a", "c"]
    assert vocab.encode(["a", "zzz"]) == [4, UNK_ID]
    path = tmp_path / "v.txt"
    vocab.save(path)
    assert Vocab.load(path).tokens == vocab.tokens
    assert Vocab.load(path).counts[4] == 3


def test_vocab_cli_and_bad_vocab_file(tmp_path, capsys):
    data = _write(tmp_path / "t.en", b"x y y z z z\n")
    out = tmp_path / "v" / "en.txt"
    section = config_file(tmp_path, {"data": {"vocab": {"min_count": 2}}}, "data.vocab-0123456789ab.yaml")
    codes = tmp_path / "v" / "en.bpe"
    assert main(["vocab", "--config", section, "--inputs", str(data), "--out", str(out), "--codes", str(codes)]) == 0
    assert [ln.split("\t")[0] for ln in read_lines(out)][4:] == ["z", "y"]
    assert read_lines(codes) == ["#version: 0.2"]  # whole words
    bad = _write(tmp_path / "bad.txt", b"<pad>\t0\n<unk>\t0\n<s>\t0\n</s>\t0\nword\tmany\n")
    with pytest.raises(MtseqError, match=r"bad.txt:5: expected 'token<TAB>count'"):
        Vocab.load(bad)
    nine = config_file(tmp_path, {"data": {"vocab": {"min_count": 9}}}, "nine.yaml")
    none = ["--out", str(tmp_path / "none.txt"), "--codes", str(tmp_path / "none.bpe")]
    assert main(["vocab", "--config", nine, "--inputs", str(data), *none]) == 2
    assert not (tmp_path / "none.txt").exists() and not (tmp_path / "none.bpe").exists()


def test_vocab_cli_reads_a_whole_config_and_names_a_bad_key(tmp_path, capsys, repo_root):
    """By hand, the workflow's own config file gives the options; a bad value is one line naming the key."""
    data = _write(tmp_path / "t.en", b"x y y z z z\n")
    whole = str(repo_root / "config" / "config.yaml")
    out = ["--out", str(tmp_path / "v.txt"), "--codes", str(tmp_path / "v.bpe")]
    assert main(["vocab", "--config", whole, "--inputs", str(data), *out]) == 0
    assert [ln.split("\t")[0] for ln in read_lines(tmp_path / "v.txt")][4:] == ["z", "y", "x"]
    capsys.readouterr()
    bad = config_file(tmp_path, {"data": {"vocab": {"max_size": "many"}}}, "bad.yaml")
    out = ["--out", str(tmp_path / "w.txt"), "--codes", str(tmp_path / "w.bpe")]
    assert main(["vocab", "--config", bad, "--inputs", str(data), *out]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"{bad}: config key 'data.vocab.max_size'" in err and not (tmp_path / "w.txt").exists()
