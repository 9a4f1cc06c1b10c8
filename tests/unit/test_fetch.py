"""Fetching: checksummed, resumable, atomic downloads and archive unpacking, against a local HTTP server."""

from __future__ import annotations

import gzip
import io
import socket
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from helpers.config_files import fetch_argv
from helpers.http_server import FileServer

from mtseq.cli import main
from mtseq.corpora.fetch import fetch, read_sgm, sha256_file, unpack
from mtseq.corpora.fetch.download import part_path
from mtseq.errors import MtseqError

TRAIN_EN = "multi30k/train.en.gz"
TRAIN_EN_SHA = "d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f"
TREEBANK_SHA = "9da92d76c3666cfb6cddeaed0f7e86b344cce0f0928a286d439e555f19c37399"


@pytest.fixture
def server(shared_data: Path):
    with FileServer(shared_data) as srv:
        yield srv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# config ------------------------------------------------------------------------


def test_config_checksums_match_the_real_files(repo_root: Path, shared_data: Path):
    config = yaml.safe_load((repo_root / "config" / "multi30k.yaml").read_text(encoding="utf-8"))
    assert config["data"]["source"] == "fetch"
    assert config["data"]["parts"] == ["translate", "trees"]
    entries = config["fetch"]
    assert len(entries) == 7
    for name, spec in entries.items():
        assert set(spec) == {"url", "sha256"}
        assert spec["url"].startswith("https://") and spec["url"].rsplit("/", 1)[1] == name
        (local,) = list(shared_data.rglob(name))
        assert sha256_file(local) == spec["sha256"], name


# fetch over HTTP ---------------------------------------------------------------


def test_fetch_verifies_and_lands(server: FileServer, shared_data: Path, tmp_path: Path):
    dest = tmp_path / "dl" / "train.en.gz"
    assert fetch(server.url(TRAIN_EN), dest, TRAIN_EN_SHA, progress=False) == dest
    assert dest.read_bytes() == (shared_data / TRAIN_EN).read_bytes()
    assert not part_path(dest).exists()
    assert len(gzip.decompress(dest.read_bytes()).decode("utf-8").splitlines()) == 29000
    # a second call with a matching file does not touch the network
    n = len(server.requests)
    fetch(server.url(TRAIN_EN), dest, TRAIN_EN_SHA.upper(), progress=False)
    assert len(server.requests) == n


def test_resume_after_dropped_connection(server: FileServer, shared_data: Path, tmp_path: Path):
    dest = tmp_path / "train.en.gz"
    server.drop_once(200_000)
    with pytest.raises(MtseqError) as err:
        fetch(server.url(TRAIN_EN), dest, TRAIN_EN_SHA, progress=False, retries=0)
    msg = str(err.value)
    assert "truncated download" in msg and "Content-Length" in msg and "rerun to resume" in msg
    assert server.url(TRAIN_EN) in msg and str(dest) in msg and "\n" not in msg
    assert not dest.exists()
    assert part_path(dest).stat().st_size == 200_000

    fetch(server.url(TRAIN_EN), dest, TRAIN_EN_SHA, progress=False)
    assert server.requests[-1][1].get("Range") == "bytes=200000-"
    assert sha256_file(dest) == TRAIN_EN_SHA
    assert dest.read_bytes() == (shared_data / TRAIN_EN).read_bytes()
    assert not part_path(dest).exists()


def test_resume_within_one_call(server: FileServer, tmp_path: Path):
    dest = tmp_path / "train.en.gz"
    server.drop_once(123_457)
    fetch(server.url(TRAIN_EN), dest, TRAIN_EN_SHA, progress=False, retries=2)
    assert [h.get("Range") for _, h in server.requests] == [None, "bytes=123457-"]
    assert sha256_file(dest) == TRAIN_EN_SHA


def test_restart_when_server_ignores_range(server: FileServer, tmp_path: Path):
    dest = tmp_path / "train.en.gz"
    server.range_support = False
    server.drop_once(50_000)
    with pytest.raises(MtseqError, match="truncated download"):
        fetch(server.url(TRAIN_EN), dest, TRAIN_EN_SHA, progress=False, retries=0)
    fetch(server.url(TRAIN_EN), dest, TRAIN_EN_SHA, progress=False, retries=0)
    assert server.requests[-1][1].get("Range") == "bytes=50000-"  # asked, but got the whole file
    assert sha256_file(dest) == TRAIN_EN_SHA


def test_stale_part_longer_than_file_restarts(server: FileServer, shared_data: Path, tmp_path: Path):
    dest = tmp_path / "train.en.gz"
    part_path(dest).write_bytes(b"x" * ((shared_data / TRAIN_EN).stat().st_size + 10))
    fetch(server.url(TRAIN_EN), dest, TRAIN_EN_SHA, progress=False)
    assert sha256_file(dest) == TRAIN_EN_SHA


def test_stale_destination_is_replaced(server: FileServer, tmp_path: Path):
    dest = tmp_path / "train.en.gz"
    dest.write_bytes(b"an older, different file")
    fetch(server.url(TRAIN_EN), dest, TRAIN_EN_SHA, progress=False)
    assert sha256_file(dest) == TRAIN_EN_SHA


def test_checksum_mismatch_removes_the_download(shared_data: Path, tmp_path: Path):
    served = tmp_path / "served" / "multi30k"
    served.mkdir(parents=True)
    data = bytearray((shared_data / TRAIN_EN).read_bytes())
    for i in (1000, 5000, 100_000):
        data[i] ^= 0xFF
    (served / "train.en.gz").write_bytes(bytes(data))
    dest = tmp_path / "out" / "train.en.gz"
    with FileServer(tmp_path / "served") as srv, pytest.raises(MtseqError) as err:
        fetch(srv.url(TRAIN_EN), dest, TRAIN_EN_SHA, progress=False)
    msg = str(err.value)
    assert "checksum mismatch" in msg and f"expected sha256 {TRAIN_EN_SHA}" in msg
    assert f"got {sha256_file(served / 'train.en.gz')}" in msg and str(dest) in msg
    assert not dest.exists() and not part_path(dest).exists()


@pytest.mark.parametrize("status", [404, 500])
def test_http_error_is_one_clear_line(server: FileServer, tmp_path: Path, status: int):
    dest = tmp_path / "train.en.gz"
    url = server.url(TRAIN_EN) if status == 500 else server.url("multi30k/no-such-file.gz")
    if status == 500:
        server.fail["/" + TRAIN_EN] = 500
    with pytest.raises(MtseqError) as err:
        fetch(url, dest, TRAIN_EN_SHA, progress=False)
    msg = str(err.value)
    assert msg.startswith(f"HTTP {status} ") and url in msg and str(dest) in msg and "\n" not in msg
    assert not dest.exists() and not part_path(dest).exists()


def test_connection_refused(tmp_path: Path):
    url = f"http://127.0.0.1:{_free_port()}/x.gz"
    with pytest.raises(MtseqError, match=r"connection failed .*x\.gz"):
        fetch(url, tmp_path / "x.gz", None, progress=False, timeout=5)


def test_local_path_and_file_url(shared_data: Path, tmp_path: Path):
    src = shared_data / TRAIN_EN
    a = fetch(str(src), tmp_path / "a.gz", TRAIN_EN_SHA, progress=False)
    b = fetch(src.as_uri(), tmp_path / "b.gz", TRAIN_EN_SHA, progress=False)
    assert a.read_bytes() == b.read_bytes() == src.read_bytes()
    # bring-your-own files are verified the same way
    with pytest.raises(MtseqError, match="checksum mismatch"):
        fetch(src, tmp_path / "c.gz", "0" * 64, progress=False)
    assert not (tmp_path / "c.gz").exists() and not part_path(tmp_path / "c.gz").exists()
    with pytest.raises(MtseqError, match="local source not found"):
        fetch(tmp_path / "missing.gz", tmp_path / "d.gz", None, progress=False)


def test_bad_sha256_and_scheme_refused(tmp_path: Path):
    with pytest.raises(MtseqError, match="64 hex digits"):
        fetch("x", tmp_path / "x", "abc", progress=False)
    with pytest.raises(MtseqError, match="unsupported URL scheme 'ftp'"):
        fetch("ftp://example.org/x", tmp_path / "x", None, progress=False)
    with pytest.raises(MtseqError, match="destination is a directory"):
        fetch("x", tmp_path, None, progress=False)


# archives ----------------------------------------------------------------------


def test_fetch_and_unpack_treebank_zip(server: FileServer, tmp_path: Path):
    archive = fetch(server.url("ptb_sample/treebank.zip"), tmp_path / "treebank.zip", TREEBANK_SHA, progress=False)
    files = unpack(archive, tmp_path / "ptb")
    mrg = [p for p in files if p.suffix == ".mrg"]
    assert len(mrg) == 199 and (tmp_path / "ptb" / "treebank" / "combined" / "wsj_0001.mrg") in mrg
    assert not list((tmp_path / "ptb").glob(".unpack-*"))
    only = unpack(archive, tmp_path / "sel", members=["treebank/combined/"])
    assert len(only) == 200 and all("/combined/" in p.as_posix() for p in only)
    with pytest.raises(MtseqError, match="not in the archive: nope"):
        unpack(archive, tmp_path / "sel", members=["nope"])


def test_truncated_zip_is_a_corrupt_archive(ptb_sample_zip: Path, tmp_path: Path):
    bad = tmp_path / "treebank.zip"
    bad.write_bytes(ptb_sample_zip.read_bytes()[:500_000])
    dest = tmp_path / "out"
    with pytest.raises(MtseqError) as err:
        unpack(bad, dest)
    assert str(err.value).startswith(f"{bad}: corrupt or truncated zip archive")
    assert list(dest.iterdir()) == []


def test_corrupt_zip_member_crc(tmp_path: Path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.txt", "hello world " * 100)
    data = bytearray(buf.getvalue())
    data[data.index(b"hello") + 3] ^= 0x20  # stored data changes, the CRC in the header does not
    bad = tmp_path / "a.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(MtseqError, match="corrupt or truncated zip archive .*CRC"):
        unpack(bad, tmp_path / "out")
    assert not (tmp_path / "out" / "a.txt").exists()


def test_gz_single_file(shared_data: Path, tmp_path: Path):
    (out,) = unpack(shared_data / "multi30k" / "val.de.gz", tmp_path / "out")
    assert out == tmp_path / "out" / "val.de"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1014
    bad = tmp_path / "val.de.gz"
    bad.write_bytes((shared_data / "multi30k" / "val.de.gz").read_bytes()[:-20])
    with pytest.raises(MtseqError, match=r"val\.de\.gz: corrupt or truncated gz archive"):
        unpack(bad, tmp_path / "out2")
    assert not (tmp_path / "out2" / "val.de").exists()


def test_tar_gz_and_its_truncation(tmp_path: Path):
    src = tmp_path / "src"
    (src / "corpus").mkdir(parents=True)
    (src / "corpus" / "a.en").write_text("one\ntwo\n", encoding="utf-8")
    (src / "corpus" / "b.de").write_bytes(bytes(range(256)) * 400)
    archive = tmp_path / "c.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / "corpus", arcname="corpus")
    files = unpack(archive, tmp_path / "out")
    assert [p.name for p in files] == ["a.en", "b.de"]
    assert (tmp_path / "out" / "corpus" / "a.en").read_text(encoding="utf-8") == "one\ntwo\n"
    (tmp_path / "out" / "keep.txt").write_text("untouched", encoding="utf-8")
    (only,) = unpack(archive, tmp_path / "out", members=["corpus/a.en"])
    assert only.name == "a.en" and (tmp_path / "out" / "keep.txt").exists()
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(MtseqError, match=r"bad\.tar\.gz: corrupt or truncated tar archive"):
        unpack(bad, tmp_path / "out3")
    assert list((tmp_path / "out3").iterdir()) == []


def test_unsafe_zip_member_refused(tmp_path: Path):
    bad = tmp_path / "evil.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../escape.txt", "x")
    with pytest.raises(MtseqError, match="unsafe member path"):
        unpack(bad, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


SGM = """<srcset setid="newstest2014" srclang="any">
<doc sysid="ref" docid="1012-bbc" genre="news" origlang="en">
<p>
<seg id="1">Gutach: Noch mehr Sicherheit f\u00fcr Fu\u00dfg\u00e4nger</seg>
<seg id="2">&quot;Tom &amp; Jerry&quot; &lt;3 caf&eacute; &#39;s  &#x41;</seg>
</p>
<p>
<seg id="3">  a segment
 spread over two lines </seg>
</p>
</doc>
</srcset>
"""


def test_sgm_extraction(tmp_path: Path):
    sgm = tmp_path / "newstest2014-deen-ref.de.sgm"
    sgm.write_text(SGM, encoding="utf-8")
    expected = [
        "Gutach: Noch mehr Sicherheit f\u00fcr Fu\u00dfg\u00e4nger",
        '"Tom & Jerry" <3 caf\u00e9 \'s A',
        "a segment spread over two lines",
    ]
    assert read_sgm(sgm) == expected
    (out,) = unpack(sgm, tmp_path / "out")
    assert out.name == "newstest2014-deen-ref.de"
    assert out.read_text(encoding="utf-8").splitlines() == expected
    bad = tmp_path / "bad.sgm"
    bad.write_text(
        '<doc>\n<seg id="1">fine</seg>\n<seg id="2">never closed\n<seg id="3">x</seg>\n</doc>\n', encoding="utf-8"
    )
    with pytest.raises(MtseqError, match=r"bad\.sgm:3: <seg> without a matching </seg>"):
        read_sgm(bad)
    (tmp_path / "empty.sgm").write_text("<srcset></srcset>\n", encoding="utf-8")
    with pytest.raises(MtseqError, match="no <seg> elements"):
        read_sgm(tmp_path / "empty.sgm")


# CLI ---------------------------------------------------------------------------


def test_cli_fetch_and_unpack(server: FileServer, tmp_path: Path, capsys):
    out = tmp_path / "dl" / "treebank.zip"
    rc = main(
        [
            *fetch_argv(tmp_path, server.url("ptb_sample/treebank.zip"), TREEBANK_SHA),
            "--out",
            str(out),
            "--unpack",
            str(tmp_path / "ptb"),
            "--members",
            "treebank/combined",
            "--quiet",
        ]
    )
    assert rc == 0
    assert sha256_file(out) == TREEBANK_SHA
    assert len(list((tmp_path / "ptb" / "treebank" / "combined").glob("wsj_*.mrg"))) == 199
    assert "unpacked 200 file(s)" in capsys.readouterr().out


def test_cli_fetch_errors_are_one_line(server: FileServer, tmp_path: Path, capsys):
    rc = main(
        [*fetch_argv(tmp_path, server.url("nope.zip"), TREEBANK_SHA), "--out", str(tmp_path / "x.zip"), "--quiet"]
    )
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("mtseq: error: HTTP 404") and "\n" not in err


def test_cli_fetch_without_sha_prints_it(shared_data: Path, tmp_path: Path, capsys):
    rc = main([*fetch_argv(tmp_path, shared_data / TRAIN_EN), "--out", str(tmp_path / "t.gz"), "--quiet"])
    assert rc == 0 and TRAIN_EN_SHA in capsys.readouterr().err
