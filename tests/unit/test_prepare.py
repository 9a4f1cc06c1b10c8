"""Preparation of Multi30k and the NLTK PTB sample into raw/, fed by the local HTTP server."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import yaml
from helpers.config_files import config_file
from helpers.http_server import FileServer

from mtseq.cli import main
from mtseq.corpora.fetch import fetch, unpack
from mtseq.corpora.prepare import prepare_multi30k, prepare_parallel, prepare_ptb_sample
from mtseq.corpora.prepare.plain import read_corpus_lines
from mtseq.errors import MtseqError
from mtseq.io import check_aligned, read_lines
from mtseq.layout import SPLITS, Layout
from mtseq.trees.ptb import read_trees

MULTI30K = {"train": "train", "valid": "val", "test": "test_2016_flickr"}
PAIRS = {"train": 29000, "valid": 1014, "test": 1000}


@pytest.fixture(scope="module")
def fetch_config(repo_root: Path) -> dict:
    return yaml.safe_load((repo_root / "config" / "multi30k.yaml").read_text(encoding="utf-8"))["fetch"]


@pytest.fixture
def server(shared_data: Path):
    with FileServer(shared_data) as srv:
        yield srv


def _served_url(server: FileServer, url: str) -> str:
    """The public URL of a config entry, redirected to the same file on the local server."""
    name = url.rsplit("/", 1)[1]
    sub = "ptb_sample" if name == "treebank.zip" else "multi30k"
    return server.url(f"{sub}/{name}")


# Multi30k ----------------------------------------------------------------------


def test_multi30k_fetched_and_prepared(server: FileServer, fetch_config: dict, tmp_path: Path):
    downloads = tmp_path / "data" / "multi30k" / "download"
    for name, spec in fetch_config.items():
        if name.endswith(".gz"):
            fetch(_served_url(server, spec["url"]), downloads / name, spec["sha256"], progress=False)
    layout = Layout(tmp_path / "data" / "multi30k")
    sources = {split: (downloads / f"{stem}.en.gz", downloads / f"{stem}.de.gz") for split, stem in MULTI30K.items()}
    assert prepare_multi30k(sources, layout) == PAIRS
    for split, n in PAIRS.items():
        en = read_lines(layout.raw_translate(split, "en"), allow_empty_lines=False)
        de = read_lines(layout.raw_translate(split, "de"), allow_empty_lines=False)
        assert check_aligned({"en": en, "de": de}) == n
        assert all(line == line.strip() for line in en + de)
    assert read_lines(layout.raw_translate("train", "en"))[0].startswith("Two young, White males are outside")
    assert read_lines(layout.raw_translate("train", "de"))[0].startswith("Zwei junge weiße Männer sind im Freien")


def test_cli_prepare_multi30k(shared_data: Path, tmp_path: Path, capsys):
    args = ["prepare", "multi30k", "--out-root", str(tmp_path / "m")]
    for split, stem in MULTI30K.items():
        for lang in ("en", "de"):
            args += [f"--{split}-{lang}", str(shared_data / "multi30k" / f"{stem}.{lang}.gz")]
    assert main(args) == 0
    assert "train 29000 pairs, valid 1014 pairs, test 1000 pairs" in capsys.readouterr().out
    layout = Layout(tmp_path / "m")
    assert len(read_lines(layout.raw_translate("valid", "de"))) == 1014


def test_prepare_parallel_refuses_bad_input(tmp_path: Path):
    en, de = tmp_path / "a.en", tmp_path / "a.de.gz"
    en.write_bytes(b"\xef\xbb\xbf  Hello .  \r\nSecond line\r\n")
    de.write_bytes(gzip.compress(b"Hallo .\nZweite Zeile\n"))
    out_en, out_de = tmp_path / "out" / "x.en", tmp_path / "out" / "x.de"
    assert prepare_parallel(en, de, out_en, out_de) == 2
    assert out_en.read_text(encoding="utf-8") == "Hello .\nSecond line\n"
    assert out_de.read_text(encoding="utf-8") == "Hallo .\nZweite Zeile\n"

    out_en.unlink(), out_de.unlink()
    de.write_bytes(gzip.compress(b"Hallo .\n   \n"))
    with pytest.raises(MtseqError, match=r"a\.de\.gz:2: empty line"):
        prepare_parallel(en, de, out_en, out_de)
    de.write_bytes(gzip.compress(b"Hallo .\n"))
    with pytest.raises(MtseqError, match="aligned files differ in line count"):
        prepare_parallel(en, de, out_en, out_de)
    de.write_bytes(gzip.compress(b"Hallo .\nZweite Zeile\n")[:-6])
    with pytest.raises(MtseqError, match=r"a\.de\.gz: corrupt or truncated gzip"):
        prepare_parallel(en, de, out_en, out_de)
    en.write_bytes(b"ok\n\xff\n")
    with pytest.raises(MtseqError, match=r"a\.en:2: invalid UTF-8"):
        prepare_parallel(en, de, out_en, out_de)
    assert not out_en.exists() and not out_de.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_prepare_parallel_from_sgm(tmp_path: Path, capsys):
    for lang, segs in (("en", ["A &amp; B", "C"]), ("de", ["A &amp; B", "D"])):
        body = "".join(f'<seg id="{i}">{s}</seg>\n' for i, s in enumerate(segs, 1))
        (tmp_path / f"newstest.{lang}.sgm").write_text(
            f'<refset>\n<doc docid="d">\n{body}</doc>\n</refset>\n', encoding="utf-8"
        )
    rc = main(
        [
            "prepare",
            "parallel",
            "--en",
            str(tmp_path / "newstest.en.sgm"),
            "--de",
            str(tmp_path / "newstest.de.sgm"),
            "--split",
            "test",
            "--config",
            config_file(tmp_path, {}),  # data.prepare.translate: the schema's defaults
            "--out-root",
            str(tmp_path / "c"),
        ]
    )
    assert rc == 0
    assert read_lines(Layout(tmp_path / "c").raw_translate("test", "en")) == ["A & B", "C"]
    assert read_lines(tmp_path / "c" / "raw" / "translate.test.de") == ["A & B", "D"]
    (tmp_path / "open.sgm").write_text('<seg id="1">a</seg>\n<seg id="2">b\n', encoding="utf-8")
    with pytest.raises(MtseqError, match=r"open\.sgm:2: <seg> without"):
        read_corpus_lines(tmp_path / "open.sgm")


# PTB sample --------------------------------------------------------------------


def test_ptb_sample_fetched_unpacked_split_by_file(server: FileServer, fetch_config: dict, tmp_path: Path):
    spec = fetch_config["treebank.zip"]
    archive = fetch(
        _served_url(server, spec["url"]), tmp_path / "download" / "treebank.zip", spec["sha256"], progress=False
    )
    unpack(archive, tmp_path / "unpacked")
    layout = Layout(tmp_path / "corpus")
    stats = prepare_ptb_sample(tmp_path / "unpacked", layout)
    assert {s: v["files"] for s, v in stats.items()} == {"train": 159, "valid": 20, "test": 20}
    assert sum(v["trees"] for v in stats.values()) == 3914
    for split in SPLITS:
        assert len(read_trees(layout.raw_trees(split))) == stats[split]["trees"]  # nltk Trees
    # verbatim: the train split is exactly files 1..159 concatenated
    combined = tmp_path / "unpacked" / "treebank" / "combined"
    expected = "".join((combined / f"wsj_{n:04d}.mrg").read_text(encoding="utf-8") for n in range(1, 160))
    assert layout.raw_trees("train").read_text(encoding="utf-8") == expected
    assert "-NONE-" in expected and expected.lstrip().startswith("( (S")
    # straight from the zip: the same bytes
    layout2 = Layout(tmp_path / "corpus2")
    assert prepare_ptb_sample(archive, layout2) == stats
    for split in SPLITS:
        assert layout2.raw_trees(split).read_bytes() == layout.raw_trees(split).read_bytes()


@pytest.mark.parametrize("whole", [False, True], ids=["section-file", "whole-config"])
def test_cli_ptb_sample_with_custom_ranges(ptb_sample_zip: Path, tmp_path: Path, capsys, whole: bool):
    """The ranges come from data.prepare.trees: the section file a rule passes, or a whole config by hand."""
    trees = {"source": "treebank.zip", "train": "1-10", "valid": "11-12", "test": "199-199"}
    doc = {"data": {"prepare": {"trees": trees}}}
    if whole:
        doc = {"data": {"name": "ptb", "source": "fetch", "prepare": {"trees": trees}}, "fetch": {"treebank.zip": {}}}
        doc["fetch"]["treebank.zip"]["url"] = str(ptb_sample_zip)
    args = ["prepare", "ptb-sample", "--source", str(ptb_sample_zip), "--config", config_file(tmp_path, doc)]
    assert main([*args, "--out-root", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "train" in out and "from 10 files" in out and "from 1 files" in out
    layout = Layout(tmp_path / "c")
    test = layout.raw_trees("test").read_text(encoding="utf-8")
    assert test == _member(ptb_sample_zip, "treebank/combined/wsj_0199.mrg")


def _member(zip_path: Path, name: str) -> str:
    import zipfile

    with zipfile.ZipFile(zip_path) as zf:
        return zf.read(name).decode("utf-8")


def test_ptb_sample_refusals(ptb_sample_zip: Path, tmp_path: Path, capsys):
    layout = Layout(tmp_path / "c")
    with pytest.raises(MtseqError, match="file ranges of 'train' and 'valid' overlap"):
        prepare_ptb_sample(ptb_sample_zip, layout, {"train": (1, 160), "valid": (160, 179), "test": (180, 199)})
    with pytest.raises(MtseqError, match="split 'test': no wsj_\\*.mrg file numbered 200-300"):
        prepare_ptb_sample(ptb_sample_zip, layout, {"train": (1, 159), "valid": (160, 199), "test": (200, 300)})
    with pytest.raises(MtseqError, match="no file range for split"):
        prepare_ptb_sample(ptb_sample_zip, layout, {"train": (1, 159)})
    bad = tmp_path / "treebank.zip"
    bad.write_bytes(ptb_sample_zip.read_bytes()[:-100_000])
    with pytest.raises(MtseqError, match=r"treebank\.zip: corrupt or truncated zip archive"):
        prepare_ptb_sample(bad, layout)
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c" / "raw").glob("trees.*"))
    bad_range = config_file(tmp_path, {"data": {"prepare": {"trees": {"source": "t.zip", "train": "one-ten"}}}})
    args = ["prepare", "ptb-sample", "--source", str(ptb_sample_zip), "--config", bad_range]
    assert main([*args, "--out-root", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "config key 'data.prepare.trees.train'" in err and bad_range in err
