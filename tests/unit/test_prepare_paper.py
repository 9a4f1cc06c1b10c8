"""The paper-scale preparation stages on small fixture files: WMT archives, WSJ sections, MSCOCO, news-crawl."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers.config_files import config_file

from mtseq.cli import main
from mtseq.corpora.fetch import fetch, sha256_file
from mtseq.corpora.fetch.sources import iter_lines, split_source
from mtseq.corpora.fetch.verify import read_record, record_path
from mtseq.corpora.prepare.coco import prepare_coco
from mtseq.corpora.prepare.mono import prepare_mono
from mtseq.corpora.prepare.parallel import prepare_parallel_sources
from mtseq.corpora.prepare.wsj import prepare_wsj
from mtseq.errors import MtseqError
from mtseq.io import read_lines
from mtseq.layout import SPLITS, Layout
from mtseq.trees.ptb import read_trees

# WMT archives -------------------------------------------------------------------


def _tgz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _sgm(segs: list[str]) -> bytes:
    body = "".join(f'<seg id="{i}">{s}</seg>\n' for i, s in enumerate(segs, 1))
    return f'<srcset setid="t">\n<doc docid="d">\n{body}</doc>\n</srcset>\n'.encode()


@pytest.fixture
def wmt(tmp_path: Path) -> dict[str, Path]:
    europarl = _tgz(
        tmp_path / "de-en.tgz",
        {
            "europarl-v7.de-en.en": b"Hello .\n\nThird .\n",
            "europarl-v7.de-en.de": b"Hallo .\nNur Deutsch .\nDritte .\n",
        },
    )
    crawl = _tgz(
        tmp_path / "crawl.tgz",
        {
            "commoncrawl.de-en.en": "A caf\u00e9 .\n".encode(),
            "commoncrawl.de-en.de": "Ein Caf\u00e9 .\n".encode(),
            "commoncrawl.fr-en.en": b"other pair\n",
        },
    )
    dev = _tgz(
        tmp_path / "dev-v2.tgz",
        {
            "dev/newstest2014-deen-src.en.sgm": _sgm(["A &amp; B", "C"]),
            "dev/newstest2014-deen-ref.de.sgm": _sgm(["A &amp; B", "D"]),
        },
    )
    return {"europarl": europarl, "crawl": crawl, "dev": dev}


def test_split_source_names_archive_members(tmp_path: Path):
    assert split_source("d/de-en.tgz:europarl-v7.de-en.en") == (Path("d/de-en.tgz"), "europarl-v7.de-en.en")
    assert split_source("d/train.en.gz") == (Path("d/train.en.gz"), None)
    assert split_source("/odd:name.txt") == (Path("/odd:name.txt"), None)


def test_parallel_from_archive_members_drops_empty_training_pairs(wmt, tmp_path: Path):
    out_en, out_de, stats = tmp_path / "o" / "t.en", tmp_path / "o" / "t.de", tmp_path / "o" / "s.json"
    en = [f"{wmt['europarl']}:europarl-v7.de-en.en", f"{wmt['crawl']}:commoncrawl.de-en.en"]
    de = [f"{wmt['europarl']}:europarl-v7.de-en.de", f"{wmt['crawl']}:commoncrawl.de-en.de"]
    result = prepare_parallel_sources(en, de, out_en, out_de, drop_empty=True, stats_path=stats)
    assert result["pairs"] == 3 and result["dropped_empty"] == 1
    assert read_lines(out_en) == ["Hello .", "Third .", "A caf\u00e9 ."]
    assert read_lines(out_de) == ["Hallo .", "Dritte .", "Ein Caf\u00e9 ."]
    assert json.loads(stats.read_text())["sources"][0]["dropped_empty"] == 1
    # without drop_empty (valid/test data) the empty line is refused, naming the member and line
    out_en.unlink(), out_de.unlink()
    with pytest.raises(MtseqError, match=r"de-en\.tgz:europarl-v7\.de-en\.en:2: empty line"):
        prepare_parallel_sources(en, de, out_en, out_de)
    assert not out_en.exists() and not out_de.exists()


def test_parallel_refusals_name_the_source(wmt, tmp_path: Path):
    out = (tmp_path / "x.en", tmp_path / "x.de")
    with pytest.raises(
        MtseqError, match=r"no entry 'commoncrawl\.de-en\.es' in the archive; entries like it: commoncrawl"
    ):
        prepare_parallel_sources(
            [f"{wmt['crawl']}:commoncrawl.de-en.es"], [f"{wmt['crawl']}:commoncrawl.de-en.de"], *out
        )
    twice = _tgz(tmp_path / "twice.tgz", {"a/x.en": b"1\n", "b/x.en": b"2\n"})
    with pytest.raises(MtseqError, match=r"'x\.en' matches several entries \(a/x\.en, b/x\.en\)"):
        list(iter_lines(f"{twice}:x.en"))
    assert list(iter_lines(f"{twice}:b/x.en")) == [(1, "2")]
    short = tmp_path / "short.de"
    short.write_text("eins\n", encoding="utf-8")
    with pytest.raises(MtseqError, match=r"differ in line count: .*short\.de ends after 1 lines"):
        prepare_parallel_sources([f"{wmt['europarl']}:europarl-v7.de-en.de"], [short], *out)
    broken = tmp_path / "broken.tgz"
    broken.write_bytes(wmt["crawl"].read_bytes()[:100])
    with pytest.raises(MtseqError, match="corrupt or truncated"):
        prepare_parallel_sources([f"{broken}:commoncrawl.de-en.en"], [f"{broken}:commoncrawl.de-en.de"], *out)
    assert not any(p.exists() for p in out)


def test_cli_parallel_test_set_per_direction_from_sgm_in_tgz(wmt, tmp_path: Path, capsys):
    """The split is the rule's wildcard (test.en-de); drop_empty, asked for, never applies to test text."""
    dev = wmt["dev"]
    drop = config_file(tmp_path, {"data": {"prepare": {"translate": {"drop_empty": True}}}})
    args = ["prepare", "parallel", "--en", f"{dev}:newstest2014-deen-src.en.sgm", "--config", drop]
    args += ["--de", f"{dev}:dev/newstest2014-deen-ref.de.sgm", "--split", "test.en-de"]
    assert main([*args, "--out-root", str(tmp_path / "c")]) == 0
    layout = Layout(tmp_path / "c")
    assert read_lines(layout.raw_translate("test", "en", "en-de")) == ["A & B", "C"]
    assert read_lines(tmp_path / "c" / "raw" / "translate.test.en-de.de") == ["A & B", "D"]
    assert "test.en-de: 2 pairs" in capsys.readouterr().out


@pytest.mark.parametrize("whole", [False, True], ids=["section-file", "whole-config"])
def test_cli_parallel_drop_empty_from_the_config(wmt, tmp_path: Path, capsys, whole: bool):
    """drop_empty comes from data.prepare.translate: the rule's section file, or a whole config by hand."""
    europarl = wmt["europarl"]
    translate = {"drop_empty": True}
    if whole:  # the config that names the archive as a download, as config/paper.yaml does
        pair = {"en": "europarl:europarl-v7.de-en.en", "de": "europarl:europarl-v7.de-en.de"}
        translate.update(train=pair, valid=pair, test=pair)
        doc = {"data": {"source": "fetch", "parts": ["translate"], "prepare": {"translate": translate}}}
        doc["fetch"] = {"europarl": {"url": str(europarl)}}
    else:
        doc = {"data": {"prepare": {"translate": translate}}}
    args = ["prepare", "parallel", "--config", config_file(tmp_path, doc), "--split", "train"]
    args += ["--en", f"{europarl}:europarl-v7.de-en.en", "--de", f"{europarl}:europarl-v7.de-en.de"]
    assert main([*args, "--out-root", str(tmp_path / "c")]) == 0
    assert "(1 with an empty side dropped)" in capsys.readouterr().out
    bad = config_file(tmp_path, {"data": {"prepare": {"translate": {"drop_empty": "yes"}}}}, "bad.yaml")
    assert main(["prepare", "parallel", *args[2:], "--config", bad, "--out-root", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "bad.yaml: config key 'data.prepare.translate.drop_empty'" in err


# fetch without a pinned sha256 ----------------------------------------------------


def test_unpinned_download_is_recorded_and_kept(tmp_path: Path, capsys):
    src = tmp_path / "corpus.gz"
    src.write_bytes(gzip.compress(b"a\nb\n"))
    dest = tmp_path / "download" / "corpus.gz"
    fetch(src, dest, None, progress=False)
    digest = sha256_file(src)
    assert read_record(dest) == digest
    assert record_path(dest).read_text() == f"{digest}  corpus.gz\n"  # sha256sum -c format
    src.unlink()  # a later call keeps the recorded file without reading the source again
    assert fetch(src, dest, None, progress=False) == dest
    dest.write_bytes(b"changed")  # no longer the recorded file: fetched again (and the source is gone)
    with pytest.raises(MtseqError, match="local source not found"):
        fetch(src, dest, None, progress=False)
    src.write_bytes(gzip.compress(b"a\nb\n"))
    digest = sha256_file(src)  # gzip stamps the time: the bytes may differ from the first
    section = config_file(tmp_path, {"fetch": {"c.gz": {"url": str(src)}}})  # as the fetch rule writes it
    assert main(["fetch", "--config", section, "--name", "c.gz", "--out", str(tmp_path / "d2.gz"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert f"sha256 {digest}" in err and "recorded in d2.gz.sha256" in err and f"sha256: {digest}" in err
    assert "no sha256 in fetch.c.gz" in err


def test_cli_fetch_reads_its_entry_from_a_section_file_or_a_config(tmp_path: Path, capsys):
    """`mtseq fetch` takes url and sha256 from fetch.NAME; a wrong sha256 or an unknown name is one line."""
    src = tmp_path / "corpus.gz"
    src.write_bytes(gzip.compress(b"a\nb\n"))
    pinned = {"url": str(src), "sha256": sha256_file(src)}
    whole = config_file(tmp_path, {"fetch": {"a.gz": {"url": "unused"}, "c.gz": pinned}})
    assert main(["fetch", "--config", whole, "--name", "c.gz", "--out", str(tmp_path / "d.gz"), "--quiet"]) == 0
    assert (tmp_path / "d.gz").read_bytes() == src.read_bytes() and "unverified" not in capsys.readouterr().err
    for doc, key in (
        ({"fetch": {"c.gz": {**pinned, "sha256": "0" * 63}}}, "fetch.c.gz.sha256"),
        ({"fetch": {"a.gz": {"url": "x"}}}, "fetch.c.gz"),
    ):
        bad = config_file(tmp_path, doc, "bad.yaml")
        assert main(["fetch", "--config", bad, "--name", "c.gz", "--out", str(tmp_path / "e.gz"), "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and f"bad.yaml: config key '{key}'" in err
    assert not (tmp_path / "e.gz").exists()


# WSJ by section ------------------------------------------------------------------


def _tree(word: str) -> str:
    return f"( (S (NP-SBJ (NNP {word})) (VP (VBD slept)) (. .)) )\n"


def _fake_wsj(root: Path, sections: dict[int, int]) -> Path:
    for sec, n_files in sections.items():
        for k in range(n_files):
            path = root / f"{sec:02d}" / f"wsj_{sec:02d}{k:02d}.mrg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_tree(f"W{sec}x{k}") + _tree(f"V{sec}x{k}"), encoding="utf-8")
    return root


def test_wsj_split_by_section(tmp_path: Path):
    root = _fake_wsj(tmp_path / "wsj", {0: 1, 2: 2, 3: 1, 22: 1, 23: 2, 24: 1})
    layout = Layout(tmp_path / "c")
    stats = prepare_wsj(root, layout, {"train": "02-03", "valid": "22", "test": "23"})
    assert {s: (v["files"], v["trees"], v["sections"]) for s, v in stats.items()} == {
        "train": (3, 6, "02-03"),
        "valid": (1, 2, "22"),
        "test": (2, 4, "23"),
    }
    train = [t.leaves()[0] for t in read_trees(layout.raw_trees("train"))]
    assert train == ["W2x0", "V2x0", "W2x1", "V2x1", "W3x0", "V3x0"]  # file order, section 00 and 24 left out


def test_wsj_missing_root_or_section_says_what_to_supply(tmp_path: Path, capsys):
    layout = Layout(tmp_path / "c")
    with pytest.raises(MtseqError, match=r"Penn Treebank WSJ not found: set data\.prepare\.trees\.wsj_root"):
        prepare_wsj(tmp_path / "nowhere", layout)
    root = _fake_wsj(tmp_path / "wsj", {2: 1, 22: 1, 23: 1})
    with pytest.raises(MtseqError, match=r"section\(s\) 03, 04, .*21 have no wsj_\*\.mrg files: set data\.prepare"):
        prepare_wsj(root, layout)  # the default sections 02-21 / 22 / 23
    (root / "22" / "wsj_2200.mrg").rename(root / "23" / "wsj_2200.mrg")
    with pytest.raises(MtseqError, match="file of section 22 in the folder of section 23"):
        prepare_wsj(root, layout, {"train": "02", "valid": "22", "test": "23"})
    assert not layout.raw_trees("train").exists()
    nowhere = config_file(tmp_path, {"data": {"prepare": {"trees": {"wsj_root": str(tmp_path / "nowhere")}}}})
    rc = main(["prepare", "wsj", "--config", nowhere, "--out-root", str(tmp_path / "c")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and "LDC99T42" in err
    ptb = config_file(tmp_path, {"data": {"prepare": {"trees": {"source": "treebank.zip"}}}}, "ptb.yaml")
    rc = main(["prepare", "wsj", "--config", ptb, "--out-root", str(tmp_path / "c")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "\n" not in err and "ptb.yaml: config key 'data.prepare.trees.wsj_root'" in err


@pytest.mark.parametrize("whole", [False, True], ids=["section-file", "whole-config"])
def test_cli_wsj_reads_root_and_sections_from_the_config(tmp_path: Path, capsys, whole: bool):
    root = _fake_wsj(tmp_path / "wsj", {2: 1, 3: 1, 22: 1, 23: 1})
    trees = {"wsj_root": str(root), "sections": {"train": "02-03"}}  # valid 22, test 23: the schema's defaults
    data = (
        {"source": "fetch", "parts": ["trees"], "prepare": {"trees": trees}} if whole else {"prepare": {"trees": trees}}
    )
    assert (
        main(["prepare", "wsj", "--config", config_file(tmp_path, {"data": data}), "--out-root", str(tmp_path / "c")])
        == 0
    )
    assert "train (sections 02-03) 4 trees from 2 files" in capsys.readouterr().out


# MSCOCO captions with supplied features ------------------------------------------------


def _coco(tmp_path: Path) -> tuple[str, Path, Path]:
    annotations = {
        "images": [],
        "annotations": [
            {"image_id": 7, "id": 3, "caption": "A dog  runs.\n"},
            {"image_id": 7, "id": 1, "caption": "A brown dog."},
            {"image_id": 9, "id": 2, "caption": "Two cats."},
            {"image_id": 5, "id": 4, "caption": "A bird."},  # no features: left out
        ],
    }
    archive = tmp_path / "annotations.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("annotations/captions_train2014.json", json.dumps(annotations))
    feats = np.arange(12, dtype=np.float64).reshape(3, 4)  # images 9, 8 (no caption), 7
    np.save(tmp_path / "f.npy", feats)
    (tmp_path / "f.ids").write_text("9\n8\n7\n", encoding="utf-8")
    return f"{archive}:captions_train2014.json", tmp_path / "f.npy", tmp_path / "f.ids"


def test_coco_captions_follow_the_feature_rows(tmp_path: Path):
    ann, npy, ids = _coco(tmp_path)
    layout = Layout(tmp_path / "c")
    stats = prepare_coco([ann], npy, ids, layout, "valid")
    assert read_lines(layout.raw_caption("valid", "en")) == ["Two cats.", "A brown dog.", "A dog runs."]
    assert read_lines(layout.caption_image_ids("valid")) == ["0", "1", "1"]
    feats = np.load(layout.caption_features("valid"))
    assert feats.dtype == np.float32 and feats.tolist() == [[0, 1, 2, 3], [8, 9, 10, 11]]
    assert stats["images_without_caption"] == 1 and stats["captions_without_features"] == 1
    assert prepare_coco([ann], npy, ids, Layout(tmp_path / "d"), "train", max_per_image=1)["captions"] == 2


def test_coco_refusals(tmp_path: Path, capsys):
    ann, npy, ids = _coco(tmp_path)
    layout = Layout(tmp_path / "c")
    ids.write_text("9\n8\n", encoding="utf-8")
    with pytest.raises(MtseqError, match=r"f\.ids: 2 image ids but .*f\.npy has 3 rows"):
        prepare_coco([ann], npy, ids, layout, "train")
    ids.write_text("9\n9\n7\n", encoding="utf-8")
    with pytest.raises(MtseqError, match=r"f\.ids:2: image id 9 already on line 1"):
        prepare_coco([ann], npy, ids, layout, "train")
    ids.write_text("9\n8\n7\n", encoding="utf-8")
    np.save(npy, np.full((3, 4), np.nan))
    with pytest.raises(MtseqError, match="NaN or inf"):
        prepare_coco([ann], npy, ids, layout, "train")
    rc = main(
        ["prepare", "coco", "--annotations", ann, "--features", str(tmp_path / "no.npy"), "--ids", str(ids)]
        + ["--split", "train", "--out-root", str(tmp_path / "c")]
    )
    assert rc == 2 and "image feature file not found" in capsys.readouterr().err
    assert not layout.raw_caption("train", "en").exists()


# news-crawl sample ------------------------------------------------------------------


def _news(tmp_path: Path, n: int = 2000) -> list[Path]:
    lines = [f"Sentence number {i} ." for i in range(n)] + ["A repeated sentence ."] * 50
    a, b = tmp_path / "news.2013.en.shuffled.gz", tmp_path / "news.2014.en.shuffled.gz"
    a.write_bytes(gzip.compress("\n".join(lines[: n // 2]).encode() + b"\n"))
    b.write_bytes(gzip.compress("\n".join(lines[n // 2 :]).encode() + b"\n"))
    return [a, b]


def test_mono_sample_is_seeded_disjoint_and_ordered(tmp_path: Path):
    sources = _news(tmp_path)
    layout = Layout(tmp_path / "c")
    stats = prepare_mono(sources, "en", layout, fraction=0.1, seed=3, n_valid=20, n_test=30)
    train = read_lines(layout.raw_mono("train", "en"))
    assert 150 < len(train) < 270 and stats["train"]["sentences"] == len(train)
    valid, test = read_lines(layout.raw_mono("valid", "en")), read_lines(layout.raw_mono("test", "en"))
    assert (len(valid), len(test)) == (20, 30)
    assert not (set(train) & set(valid)) and not (set(train) & set(test)) and not (set(valid) & set(test))
    # the repeated sentence goes to one split only (all 50 copies in train, or none anywhere else)
    assert train.count("A repeated sentence .") in (0, 50) and valid.count("A repeated sentence .") <= 1
    numbers = [int(s.split()[2]) for s in train if s.startswith("Sentence")]
    assert numbers == sorted(numbers)  # source order kept
    assert read_lines(layout.mono_doc_ids("train", "en")) == [str(i) for i in range(len(train))]  # a doc each
    again = Layout(tmp_path / "d")
    prepare_mono(sources, "en", again, fraction=0.1, seed=3, n_valid=20, n_test=30)
    for split in SPLITS:
        assert again.raw_mono(split, "en").read_bytes() == layout.raw_mono(split, "en").read_bytes()
    other = Layout(tmp_path / "e")
    prepare_mono(sources, "en", other, fraction=0.1, seed=4, n_valid=20, n_test=30)
    assert read_lines(other.raw_mono("train", "en")) != train


def test_mono_documents_keep_their_sentences_together(tmp_path: Path, capsys):
    docs = [[f"Doc {d} sentence {k} ." for k in range(3)] for d in range(200)]
    src = tmp_path / "docs.en"
    src.write_text("\n\n".join("\n".join(d) for d in docs) + "\n", encoding="utf-8")
    mono = {"fraction": 0.3, "valid": 5, "test": 5, "documents": True}
    section = config_file(tmp_path, {"data": {"prepare": {"mono": mono}}})
    rc = main(
        [
            "prepare",
            "mono",
            "--config",
            section,
            "--inputs",
            str(src),
            "--lang",
            "en",
            "--out-root",
            str(tmp_path / "c"),
        ]
    )
    assert rc == 0 and '"documents": true' in capsys.readouterr().out
    layout = Layout(tmp_path / "c")
    text, ids = read_lines(layout.raw_mono("train", "en")), read_lines(layout.mono_doc_ids("train", "en"))
    assert len(text) % 3 == 0 and len(set(ids)) == len(text) // 3
    for i in range(0, len(text), 3):
        assert len({s.split()[1] for s in text[i : i + 3]}) == 1 and len(set(ids[i : i + 3])) == 1
    assert len(read_lines(layout.raw_mono("valid", "en"))) == 15


def test_mono_refusals(tmp_path: Path):
    src = tmp_path / "x.en"
    src.write_bytes(b"ok\n\xff\n")
    with pytest.raises(MtseqError, match=r"x\.en:2: invalid UTF-8"):
        prepare_mono([src], "en", Layout(tmp_path / "c"), n_valid=1, n_test=1)
    src.write_text("a\nb\nc\n", encoding="utf-8")
    with pytest.raises(MtseqError, match="units left for valid"):
        prepare_mono([src], "en", Layout(tmp_path / "c"), fraction=0.5, n_valid=5, n_test=5)
    assert not (tmp_path / "c" / "raw").exists() or not list((tmp_path / "c" / "raw").iterdir())


def test_cli_mono_from_a_whole_config_and_a_bad_value(tmp_path: Path, capsys):
    """By hand, a whole config gives the options (the rest are the schema's); a bad value names its key."""
    src = _news(tmp_path, 400)
    mono = {"en": "news.en.gz", "fraction": 0.5, "valid": 10, "test": 10, "seed": 3}
    whole = config_file(tmp_path, {"data": {"source": "fetch", "parts": ["mono"], "prepare": {"mono": mono}}})
    args = ["prepare", "mono", "--inputs", *map(str, src), "--lang", "en"]
    assert main([*args, "--config", whole, "--out-root", str(tmp_path / "c")]) == 0
    assert len(read_lines(Layout(tmp_path / "c").raw_mono("test", "en"))) == 10
    bad = config_file(tmp_path, {"data": {"prepare": {"mono": {"fraction": 1.5}}}}, "bad.yaml")
    assert main([*args, "--config", bad, "--out-root", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "bad.yaml: config key 'data.prepare.mono.fraction'" in err
    assert not (tmp_path / "d").exists()
