"""Subword vocabularies: learned on training text, split at encode, joined at decode, strict codes files."""

from __future__ import annotations

import pytest
from helpers.config_files import config_file

from mtseq.cli import main
from mtseq.errors import MtseqError
from mtseq.io import read_lines
from mtseq.layout import Layout
from mtseq.text.subword import Segmenter, join_subwords, learn_codes
from mtseq.text.vocab import UNK_ID, Vocab
from mtseq.train.examples import load_vocabs

TEXT = [
    "ein Mann spielt Fußball",
    "eine Frau spielt Handball",
    "ein Kind spielt Basketball im Park",
    "zwei Männer spielen Fußball im Park",
] * 3


def test_join_subwords_inverts_the_separator():
    assert join_subwords(["Fuß@@", "ball", "im", "Park"]) == ["Fußball", "im", "Park"]
    assert join_subwords(["a@@", "b@@", "c"]) == ["abc"]
    assert join_subwords(["dangling@@"]) == ["dangling"]  # a truncated hypothesis keeps its last piece


def test_learned_codes_segment_and_round_trip():
    codes = learn_codes(TEXT, merges=30)
    assert codes[0] == "#version: 0.2" and len(codes) == 31
    assert learn_codes(TEXT, merges=30) == codes  # ties broken the same way every time
    seg = Segmenter(codes)
    words = "ein Mann spielt Volleyball".split()
    pieces = seg.segment(words)
    assert len(pieces) > len(words) and join_subwords(pieces) == words
    assert learn_codes(TEXT, merges=0) == ["#version: 0.2"]


def test_a_subword_vocabulary_encodes_unseen_words_without_unk(tmp_path):
    codes = learn_codes(TEXT, merges=10)
    seg = Segmenter(codes)
    vocab = Vocab.build([" ".join(seg.segment(t.split())) for t in TEXT], max_size=500, min_count=1)
    vocab.segmenter = seg
    unseen = "ein Mann spielt Kindball".split()  # never seen: split into known pieces
    ids = vocab.encode(unseen)
    assert UNK_ID not in ids and len(ids) > len(unseen)
    assert vocab.decode(ids + [3]) == unseen
    words = Vocab.build(TEXT, max_size=500, min_count=1)
    assert UNK_ID in words.encode(unseen)


def test_vocab_cli_learns_codes_and_load_vocabs_reads_them(tmp_path):
    train = tmp_path / "train.de"
    train.write_text("".join(f"{t}\n" for t in TEXT), encoding="utf-8")
    section = config_file(tmp_path, {"data": {"vocab": {"bpe_merges": 40}}}, "vocab.yaml")
    lay = Layout(tmp_path / "data")
    (lay.root / "vocab").mkdir(parents=True)
    argv = ["vocab", "--config", section, "--inputs", str(train)]
    assert main([*argv, "--out", str(lay.vocab("de")), "--codes", str(lay.vocab_codes("de"))]) == 0
    assert len(read_lines(lay.vocab_codes("de"))) == 41
    vocab = load_vocabs(lay, ["de", "img"])["de"]
    assert vocab.segmenter is not None and vocab.decode(vocab.encode(["Fußball"])) == ["Fußball"]
    # --words (linearised trees): whole words whatever the config says
    assert main([*argv, "--out", str(lay.vocab("lin")), "--codes", str(lay.vocab_codes("lin")), "--words"]) == 0
    assert read_lines(lay.vocab_codes("lin")) == ["#version: 0.2"]
    assert load_vocabs(lay, ["lin"])["lin"].segmenter is None
    # a data folder from before subwords (no codes file) reads as whole words
    lay.vocab_codes("lin").unlink()
    assert load_vocabs(lay, ["lin"])["lin"].segmenter is None


@pytest.mark.parametrize(
    "text,problem",
    [("e n</w>\n", r"x.bpe:1: not a subword-nmt codes file"), ("#version: 0.2\ne n</w>\nabc\n", r"x.bpe:3: expected")],
)
def test_bad_codes_file_is_named_with_its_line(tmp_path, text, problem):
    path = tmp_path / "x.bpe"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MtseqError, match=problem):
        Segmenter.load(path)
