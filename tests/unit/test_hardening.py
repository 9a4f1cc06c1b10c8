"""Issue 15's examples, one test each: what a new user's bad inputs now get (docs/reliability.md, "Hardening").

The property tests in test_fuzz.py hold the contract for inputs nobody listed; these pin down the
message for each input the issue reported as a traceback, silent garbage, a splice or a hang.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
import yaml
from helpers.config_files import config_file, fetch_argv
from helpers.http_server import FileServer

import mtseq.commands.grid
from mtseq.analysis.pvalues import setting_pvalues
from mtseq.analysis.runs import Run
from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.cli import main
from mtseq.corpora.fetch import fetch
from mtseq.corpora.fetch.download import meta_path, part_path
from mtseq.text.vocab import Vocab

# the owner lock every train/evaluate takes first (one writer per run directory): not an output
LOCK = ".lock"

REPO = Path(__file__).resolve().parents[2]


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _refused(argv, capsys) -> str:
    """Run the CLI; it must refuse with exactly one line (no traceback, not the last resort); return the line."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("mtseq: error: "), err
    assert "internal error" not in err
    return err.strip()


# --- 1. the last resort, and argparse ---------------------------------------------------------------------------


def test_an_unexpected_exception_is_one_line_with_the_traceback_in_a_log(tmp_path, capsys, monkeypatch):
    def boom(args):
        raise IndexError("list index out of range")

    monkeypatch.setattr(mtseq.commands.grid, "run", boom)
    monkeypatch.setenv("MTSEQ_ERROR_LOG_DIR", str(tmp_path / "logs"))
    capsys.readouterr()
    assert main(["grid", "--config", "cfg.yaml"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("mtseq: error: mtseq grid (--config cfg.yaml): internal error (IndexError: list index out")
    (log,) = (tmp_path / "logs").iterdir()
    assert f"traceback in {log}" in err and "MTSEQ_DEBUG=1" in err
    assert "Traceback" in log.read_text() and "IndexError: list index out of range" in log.read_text()
    monkeypatch.setenv("MTSEQ_DEBUG", "1")
    assert main(["grid", "--config", "cfg.yaml"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.splitlines()[-1].startswith("mtseq: error: ")


def test_argparse_errors_are_one_line(capsys):
    line = _refused(["train", "--config", "c.yaml"], capsys)
    assert line.startswith("mtseq: error: mtseq train: the following arguments are required: --setting")
    line = _refused(["grid", "--config", "c.yaml", "--format", "xml"], capsys)
    assert "argument --format: invalid choice: 'xml'" in line
    assert _refused(["no-such-command"], capsys).startswith("mtseq: error: mtseq: argument COMMAND: invalid choice")


# --- 2. configs ---------------------------------------------------------------------------------------------------

GRID = "grid:\n  seeds: [1]\n  settings:\n    one_to_many:\n      reference: translate_en_de\n      auxiliary: {aux}\n"


def _grid(tmp_path, capsys, text: str | bytes) -> list[dict]:
    cfg = _write(tmp_path / "cfg.yaml", text)
    capsys.readouterr()
    code = main(["grid", "--config", str(cfg), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_a_duplicated_key_is_refused_with_both_lines(tmp_path, capsys):
    text = GRID.format(aux="{parse_en: [0.1]}") + "    one_to_many:\n      reference: translate_en_de\n"
    cfg = _write(tmp_path / "cfg.yaml", text)
    line = _refused(["grid", "--config", cfg], capsys)
    assert line == f"mtseq: error: {cfg}:7: invalid YAML: duplicate key 'one_to_many' (first on line 4)"


def test_numbers_are_read_as_yaml_1_2(tmp_path, capsys):
    rows = _grid(tmp_path, capsys, GRID.format(aux="{parse_en: [1e-12, 1.5E+0]}"))
    assert [r["ratios"].get("parse_en") for r in rows] == [None, 1e-12, 1.5]
    text = GRID.format(aux="{parse_en: [0.5]}").replace("seeds: [1]", "seeds: [010, 0x1F]")
    assert _grid(tmp_path, capsys, text)[0]["seeds"] == [10, 31]  # YAML 1.1 read 010 as octal 8
    cfg = _write(tmp_path / "c2.yaml", GRID.format(aux="{parse_en: [1_000]}"))
    assert "'1_000' is not of type 'number'" in _refused(["grid", "--config", cfg], capsys)


@pytest.mark.parametrize(("value", "shown"), [(".nan", "nan"), (".inf", "inf"), ("-.inf", "-inf")])
def test_non_finite_ratios_are_refused_naming_the_key(tmp_path, capsys, value, shown):
    cfg = _write(tmp_path / "cfg.yaml", GRID.format(aux=f"{{parse_en: [{value}]}}"))
    line = _refused(["grid", "--config", cfg], capsys)
    key = "grid.settings.one_to_many.auxiliary.parse_en[0]"
    assert line == f"mtseq: error: {cfg}: config key '{key}': {shown} is not a finite number"


@pytest.mark.parametrize(
    ("seeds", "words"), [("[-1]", "less than the minimum of 0"), (f"[{2**100}]", "out of range (at most 2^63-1)")]
)
def test_seeds_outside_64_bits_are_refused(tmp_path, capsys, seeds, words):
    cfg = _write(tmp_path / "cfg.yaml", GRID.format(aux="{parse_en: [0.5]}").replace("[1]", seeds))
    line = _refused(["grid", "--config", cfg], capsys)
    assert line.startswith(f"mtseq: error: {cfg}: config key 'grid.seeds[0]': ") and words in line


def test_an_alias_bomb_is_refused_in_one_short_line(tmp_path, capsys):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    cfg = _write(tmp_path / "cfg.yaml", "\n".join(lines) + "\nmodel: {layers: *a9}\n")
    start = time.perf_counter()
    line = _refused(["grid", "--config", cfg], capsys)
    assert time.perf_counter() - start < 10
    assert line == f"mtseq: error: {cfg}:7: invalid YAML: expands to more than 1,000,000 values (aliases of aliases?)"


def test_long_values_are_cut_in_the_message(tmp_path, capsys):
    cfg = _write(tmp_path / "cfg.yaml", "model:\n  layers: [" + ", ".join(["123456"] * 100_000) + "]\n")
    line = _refused(["grid", "--config", cfg], capsys)
    assert "config key 'model.layers': [123456, 123456," in line and "is not of type 'integer'" in line
    assert len(line) < 300


def test_a_huge_ratio_list_expands_in_linear_time_and_a_huger_grid_is_refused(tmp_path, capsys):
    ratios = ", ".join(f"{i / 1e6:.6f}" for i in range(1, 30_001))
    start = time.perf_counter()
    rows = _grid(tmp_path, capsys, GRID.format(aux=f"{{parse_en: [{ratios}, {ratios}]}}"))
    assert len(rows) == 30_001 and time.perf_counter() - start < 60  # de-duplicated; quadratic took minutes
    product = "{autoencode_en: [%s], parse_en: [%s]}" % (ratios[:6000], ratios[:6000])  # noqa: UP031
    cfg = _write(
        tmp_path / "p.yaml", GRID.format(aux=product).replace("reference:", "combine: product\n      reference:")
    )
    line = _refused(["grid", "--config", cfg], capsys)
    assert "config key 'grid.settings.one_to_many.auxiliary': expands to" in line and "more than 100,000" in line


def test_config_paths_that_are_not_utf8_files(tmp_path, capsys):
    latin1 = _write(tmp_path / "latin1.yaml", "data:\n  name: caf\xe9\n".encode("latin-1"))
    assert _refused(["grid", "--config", latin1], capsys).endswith("latin1.yaml: config is not valid UTF-8 (byte 0xe9)")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert _refused(["grid", "--config", folder], capsys).endswith(
        "folder.yaml: config path is a directory, not a file"
    )
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert _refused(["grid", "--config", fifo], capsys).endswith(
        "config path is not a regular file (a FIFO, socket or device)"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            GRID.format(aux="{parse_en: [0.1]}") + "    one_to_many:\n      reference: translate_en_de\n",
            "duplicate key",
        ),
        (GRID.format(aux="{parse_en: [.nan]}"), "nan is not a finite number"),
    ],
    ids=["duplicate-key", "nan-ratio"],
)
def test_snakemake_start_up_refuses_in_one_line(tmp_path, text, words):
    cfg = _write(tmp_path / "cfg.yaml", text)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    argv = [sys.executable, "-m", "snakemake", "-n", "--snakefile", REPO / "Snakefile", "--directory", tmp_path / "wd"]
    proc = subprocess.run(
        [*map(str, argv), "--configfile", str(cfg)], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode != 0
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("mtseq: error:")]
    assert len(errors) == 1 and words in errors[0] and str(cfg) in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr


# --- 3. text --------------------------------------------------------------------------------------------------------


def _tokenise_argv(tmp_path, en: bytes, de: bytes):
    src_en, src_de = _write(tmp_path / "x.en", en), _write(tmp_path / "x.de", de)
    outs = [tmp_path / "tok" / "x.en", tmp_path / "tok" / "x.de"]
    return ["tokenise", "--inputs", src_en, src_de, "--langs", "en", "de", "--outputs", *outs], outs


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("\x01\x02\x7f", "empty line (only control or format characters: U+0001 U+0002 U+007F)"),
        ("\u200b\u200e\ufeff", "empty line (only control or format characters: U+200B U+200E U+FEFF)"),
    ],
    ids=["control", "zero-width-and-direction-marks"],
)
def test_lines_with_nothing_visible_are_refused_with_file_and_line(tmp_path, capsys, line, words):
    argv, outs = _tokenise_argv(tmp_path, f"one\n{line}\nthree\n".encode(), b"eins\nzwei\ndrei\n")
    assert _refused(argv, capsys) == f"mtseq: error: {tmp_path / 'x.en'}:2: {words}"
    assert not any(p.exists() for p in outs)


def test_nfd_and_nfc_spellings_are_one_token(tmp_path, capsys):
    argv, outs = _tokenise_argv(tmp_path, "caf\u00e9\ncafe\u0301\n".encode(), "Stra\u00dfe\nStrasse\n".encode())
    assert main([str(a) for a in argv]) == 0
    assert outs[0].read_text(encoding="utf-8") == "caf\u00e9\ncaf\u00e9\n"  # NFC, one spelling
    vocab = ["vocab", "--config", config_file(tmp_path, {}), "--inputs", str(outs[0])]  # the schema's options
    assert main([*vocab, "--out", str(tmp_path / "v.txt"), "--codes", str(tmp_path / "v.bpe")]) == 0
    assert Vocab.load(tmp_path / "v.txt").tokens[4:] == ["caf\u00e9"]


def test_not_regular_files_are_named_as_such(tmp_path, capsys):
    fifo = tmp_path / "x.en"
    os.mkfifo(fifo)
    _write(tmp_path / "x.de", "a\n")
    argv = ["tokenise", "--inputs", fifo, tmp_path / "x.de", "--langs", "en", "de", "--outputs", "a", "b"]
    assert _refused(argv, capsys) == f"mtseq: error: {fifo}: is a FIFO (named pipe), not a regular file"
    argv = ["vocab", "--config", config_file(tmp_path, {}), "--inputs", "/dev/null", "--out", tmp_path / "v.txt"]
    argv += ["--codes", tmp_path / "v.bpe"]
    assert _refused(argv, capsys) == "mtseq: error: /dev/null: is a character device, not a regular file"


def test_an_archive_link_out_of_the_folder_is_an_unsafe_link(tmp_path, capsys):
    archive = tmp_path / "corpus.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("corpus/passwd")
        info.type, info.linkname = tarfile.SYMTYPE, "../../etc/passwd"
        tar.addfile(info)
    from mtseq.corpora.fetch import sha256_file

    argv = [*fetch_argv(tmp_path, archive, sha256_file(archive)), "--out", tmp_path / "dl.tar"]
    line = _refused([*argv, "--unpack", tmp_path / "out", "--quiet"], capsys)
    assert line == (
        f"mtseq: error: {tmp_path / 'dl.tar'}: unsafe link 'corpus/passwd' -> '../../etc/passwd' "
        "(points outside the archive)"
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_a_zip_of_an_unknown_version_is_unsupported_not_a_traceback(tmp_path, capsys):
    """Found by the long fuzz run: a flipped bit in 'version needed to extract' raised NotImplementedError."""
    import zipfile

    from mtseq.corpora.fetch import sha256_file

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hello\n")
    data = bytearray(buf.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = (235).to_bytes(2, "little")  # version 23.5
    archive = _write(tmp_path / "corpus.zip", bytes(data))
    argv = [*fetch_argv(tmp_path, archive, sha256_file(archive)), "--out", tmp_path / "dl.zip"]
    line = _refused([*argv, "--unpack", tmp_path / "out", "--quiet"], capsys)
    assert line == f"mtseq: error: {tmp_path / 'dl.zip'}: unsupported zip archive (zip file version 23.5)"


@pytest.mark.parametrize(
    ("links", "words"),
    [
        ([("a", "a")], "link 'a' -> 'a' is a loop of links"),
        ([("l", "gone")], "link 'l' -> 'gone' points to nothing"),
        ([("a", None), ("a", "a"), ("a", "/")], "member 'a' appears more than once in the archive"),
    ],
    ids=["loop", "dangling", "duplicate-name"],
)
def test_archive_links_must_lead_to_a_member(tmp_path, capsys, links, words):
    """Found by the long fuzz runs: a symlink to itself unpacked (reading through it loops), and so did one
    hidden behind a file and a folder of the same name."""
    from mtseq.corpora.fetch import sha256_file

    archive = tmp_path / "corpus.tar"
    with tarfile.open(archive, "w") as tar:
        for name, target in links:  # target None: a file; "/": a folder; else a symbolic link
            info = tarfile.TarInfo(name)
            if target == "/":
                info.type = tarfile.DIRTYPE
            elif target is not None:
                info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info, io.BytesIO(b"") if target is None else None)
    argv = [*fetch_argv(tmp_path, archive, sha256_file(archive)), "--out", tmp_path / "dl.tar"]
    line = _refused([*argv, "--unpack", tmp_path / "out", "--quiet"], capsys)
    assert line.startswith(f"mtseq: error: {tmp_path / 'dl.tar'}: {words}")
    assert list((tmp_path / "out").iterdir()) == []


# --- 4. trees -------------------------------------------------------------------------------------------------------


def _linearise(tmp_path, text: str):
    trees = _write(tmp_path / "t.mrg", text)
    out = tmp_path / "trees"
    outs = [out / "p.en", out / "p.lin", out / "p.mrg"]
    return ["linearise", "--trees", trees, "--tokens", outs[0], "--lin", outs[1], "--clean", outs[2]], trees, outs


def test_a_tree_ten_thousand_deep_is_refused_with_its_line(tmp_path, capsys):
    argv, trees, outs = _linearise(tmp_path, "(S (NN a))\n" + "(S " * 10_000 + "(NN deep)" + ")" * 10_000 + "\n")
    line = _refused(argv, capsys)
    assert line == f"mtseq: error: {trees}:2: tree nested more than 500 levels deep (line 2)"
    assert not any(p.exists() for p in outs)


def test_a_tree_500_deep_is_linearised_without_recursion(tmp_path):
    argv, _, outs = _linearise(tmp_path, "(S " * 499 + "(NN deep)" + ")" * 499 + "\n")
    assert main([str(a) for a in argv]) == 0
    assert outs[0].read_text() == "deep\n"
    assert outs[1].read_text().split() == ["(S"] * 499 + ["XX"] + [")S"] * 499


def test_a_file_of_traces_only_is_refused(tmp_path, capsys):
    argv, trees, outs = _linearise(tmp_path, "( (S (NP-SBJ (-NONE- *T*-1)) (VP (-NONE- *U*))) )\n( (-NONE- *) )\n")
    line = _refused(argv, capsys)
    assert line == f"mtseq: error: {trees}: no tree left after cleaning: all 2 tree(s) hold only traces (-NONE-)"
    assert not any(p.exists() for p in outs)


# --- 5. run directories ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("hardening_run")
    corpus = build_corpus(root / "corpus", n_train=32, n_valid=6)
    cfg = tiny_config(train={"updates": 2, "checkpoint_every": 1, "validate_every": 0}, decode={"beam": 1})
    config = _write(root / "config.yaml", yaml.safe_dump(cfg))
    run = root / "run"
    assert main(_train_argv(config, corpus, run)) == 0
    return corpus, config, run


def _train_argv(config, corpus, out, seed="1"):
    argv = ["train", "--config", config, "--setting", "one_to_many", "--reference", "translate_en_de"]
    return [str(a) for a in [*argv, "--seed", seed, "--data", corpus, "--out", out, "--no-progress"]]


@pytest.mark.parametrize("seed", ["-1", str(2**100)])
def test_seeds_outside_64_bits_are_refused_on_the_train_cli(trained, tmp_path, capsys, seed):
    corpus, config, _ = trained
    line = _refused(_train_argv(config, corpus, tmp_path / "run", seed), capsys)
    assert line.startswith("mtseq: error: config key '--seed': must be an integer in 0 ... 2^63-1, not ")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("- a list\n- not a run config\n", "config.yaml: not the config of an mtseq run (no run.fingerprint)"),
        ("run: [unclosed\n", "config.yaml: not a file of an mtseq run (ParserError"),
    ],
    ids=["foreign-config", "garbage-config"],
)
def test_train_refuses_a_run_directory_it_did_not_write(trained, tmp_path, capsys, content, words):
    corpus, config, _ = trained
    run = tmp_path / "run"
    _write(run / "config.yaml", content)
    assert words in _refused(_train_argv(config, corpus, run), capsys)
    assert (run / "config.yaml").read_text() == content
    assert sorted(p.name for p in run.iterdir() if p.name != LOCK) == ["config.yaml"]


def _evaluate(trained, tmp_path, damage) -> tuple[list[str], Path]:
    corpus, config, source = trained
    run, data = tmp_path / "run", tmp_path / "data"
    shutil.copytree(source, run)
    shutil.copytree(corpus, data)
    damage(run, data)
    return ["evaluate", "--run", str(run), "--config", str(config), "--data", str(data)], run


def _outputs(run: Path) -> list[str]:
    return sorted(
        p.name for p in run.iterdir() if p.name.startswith(("hyp.", "metrics", "parse_stats", ".")) and p.name != LOCK
    )


def test_evaluate_refuses_train_json_naming_other_tasks(trained, tmp_path, capsys):
    def damage(run, data):
        info = json.loads((run / "train.json").read_text())
        info["ratios"]["parse_en"] = 0.5
        (run / "train.json").write_text(json.dumps(info))

    argv, run = _evaluate(trained, tmp_path, damage)
    line = _refused(argv, capsys)
    assert line.startswith(f"mtseq: error: {run / 'train.json'}: names task(s) parse_en that {run / 'model.pt'} was")
    assert _outputs(run) == []


def test_evaluate_refuses_a_vocabulary_of_another_size(trained, tmp_path, capsys):
    def damage(run, data):
        with open(data / "vocab" / "de.txt", "a", encoding="utf-8") as fh:
            fh.write("extra\t1\n")

    argv, run = _evaluate(trained, tmp_path, damage)
    line = _refused(argv, capsys)
    assert line.startswith(f"mtseq: error: {tmp_path / 'data' / 'vocab' / 'de.txt'}: ") and "but " in line
    assert "was trained with" in line and "a vocabulary of another corpus or config?" in line
    assert _outputs(run) == []


def test_an_evaluation_that_fails_half_way_leaves_no_output(trained, tmp_path, capsys):
    """valid is decoded and scored, then the test references are missing: no hyp.*.valid is left behind."""
    argv, run = _evaluate(trained, tmp_path, lambda run, data: (data / "tok" / "translate.test.de").unlink())
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"mtseq: error: {tmp_path / 'data' / 'tok' / 'translate.test.de'}: file not found"
    assert _outputs(run) == []


def test_aggregate_refuses_a_run_whose_test_outputs_are_missing(tmp_path):
    refs = ["a b c .", "d e f .", "g h i ."]
    ref_path = _write(tmp_path / "ref.de", "".join(r + "\n" for r in refs))
    runs = []
    for cell, seed in (("baseline", 1), ("baseline", 2), ("parse0.1", 1), ("parse0.1", 2)):
        run_dir = tmp_path / cell / f"seed{seed}"
        run_dir.mkdir(parents=True)
        if (cell, seed) != ("parse0.1", 2):
            _write(run_dir / "hyp.translate_en_de.test", "".join(r + "\n" for r in refs))
        ratios = {"translate_en_de": 1.0, **({"parse_en": 0.1} if cell != "baseline" else {})}
        metrics = {"translate_en_de": {"test": {"bleu": 100.0}}}
        runs.append(
            Run(
                run_dir,
                "s",
                cell,
                seed,
                "translate_en_de",
                ratios,
                {},
                1.0,
                metrics,
                {"translate_en_de": {"test": str(ref_path)}},
            )
        )
    from mtseq.errors import MtseqError

    with pytest.raises(MtseqError) as err:
        setting_pvalues(runs, n_samples=10)
    missing = tmp_path / "parse0.1" / "seed2" / "hyp.translate_en_de.test"
    assert str(err.value) == (
        f"{missing}: test outputs missing: metrics.json reports translate_en_de test bleu but this file is absent "
        "(evaluate the run again)"
    )


# --- 6. downloads ---------------------------------------------------------------------------------------------------

V1 = bytes(range(256)) * 2000  # 512 kB
V2 = bytes(reversed(range(256))) * 2000  # the same size, other bytes: only a validator tells them apart


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "served"
    _write(root / "corpus.bin", V1)
    with FileServer(root) as server:
        yield server, root / "corpus.bin"


def _interrupted(server, dest, changed: Path, pinned=None):
    """A first attempt cut after 100 kB (the .part kept), then the file replaced on the server by V2."""
    server.drop_once(100_000)
    with pytest.raises(Exception, match="rerun to resume"):
        fetch(server.url("corpus.bin"), dest, pinned, progress=False, retries=0)
    assert part_path(dest).stat().st_size == 100_000
    time.sleep(1.1)  # a new Last-Modified second
    changed.write_bytes(V2)


def test_a_resume_of_a_file_that_changed_restarts_from_zero(served, tmp_path, capsys):
    server, path = served
    dest = tmp_path / "dl" / "corpus.bin"
    _interrupted(server, dest, path)
    assert json.loads(meta_path(part_path(dest)).read_text())["total"] == len(V1)
    fetch(server.url("corpus.bin"), dest, None, progress=False)  # no sha256: trusted on first use
    assert dest.read_bytes() == V2  # never a splice of V1's first 100 kB and V2's rest
    headers = server.requests[-1][1]
    assert headers["Range"] == "bytes=100000-" and headers["If-Range"].startswith('"')
    assert "the file changed on the server; restarting from zero" in capsys.readouterr().err
    assert not part_path(dest).exists() and not meta_path(part_path(dest)).exists()


def test_a_server_ignoring_if_range_is_caught_by_its_etag(served, tmp_path, capsys):
    server, path = served
    server.if_range = False
    dest = tmp_path / "dl" / "corpus.bin"
    _interrupted(server, dest, path)
    fetch(server.url("corpus.bin"), dest, None, progress=False)
    assert dest.read_bytes() == V2
    assert "the file on the server changed (ETag" in capsys.readouterr().err


def test_without_validators_an_unpinned_part_is_not_resumed(served, tmp_path, capsys):
    server, path = served
    server.validators = False
    dest = tmp_path / "dl" / "corpus.bin"
    _interrupted(server, dest, path)
    fetch(server.url("corpus.bin"), dest, None, progress=False)
    assert dest.read_bytes() == V2 and "Range" not in server.requests[-1][1]
    assert "no ETag/Last-Modified to resume against; restarting from zero" in capsys.readouterr().err


def test_without_validators_a_pinned_splice_is_caught_and_downloaded_again(served, tmp_path, capsys):
    import hashlib

    server, path = served
    server.validators = False
    dest = tmp_path / "dl" / "corpus.bin"
    pinned = hashlib.sha256(V2).hexdigest()
    _interrupted(server, dest, path, pinned)
    fetch(server.url("corpus.bin"), dest, pinned, progress=False)
    assert dest.read_bytes() == V2
    assert "checksum mismatch after resuming; downloading again from zero" in capsys.readouterr().err


def test_a_change_between_attempts_of_one_call_restarts_from_zero(served, tmp_path):
    server, path = served
    server.drop_once(100_000)
    server.after_drop = lambda: (time.sleep(1.1), path.write_bytes(V2))
    dest = tmp_path / "dl" / "corpus.bin"
    fetch(server.url("corpus.bin"), dest, None, progress=False, retries=2)
    assert dest.read_bytes() == V2
