"""Fuzzing as a test: generated and mutated inputs against the one contract of docs/reliability.md.

Each property feeds random or mutated configs, corpora (bytes, Unicode classes, line structures),
tree files, archive members, decoder output and run directories to the real CLI
(``mtseq.cli.main``, in-process) and asserts only the contract, never a list of cases:

- success: exit 0, nothing that looks like an error on stderr, and outputs that are well formed
  (checked per command: aligned line counts, visible NFC text, trees that read back, files inside
  the unpack folder, a metrics.json for every evaluated task);
- refusal: exit 2 and exactly one stderr line ``mtseq: error: ...`` that is not the last-resort
  report (``internal error``: an exception no check foresaw), with no output and no temp file left;
- bounded time: Hypothesis' deadline per example.

CI runs a short budget, derandomised so that a failure reproduces. A long run by hand, with random
seeds: ``MTSEQ_FUZZ_EXAMPLES=2000 python -m pytest -q tests/unit/test_fuzz.py`` (its numbers and
findings are in docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import unicodedata
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from helpers.config_files import config_file, fetch_argv
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.cli import main
from mtseq.corpora.fetch import sha256_file
from mtseq.errors import INTERNAL
from mtseq.io import invisible
from mtseq.tasks import TASKS
from mtseq.trees.ptb import parse_tree

LONG = os.environ.get("MTSEQ_FUZZ_EXAMPLES")


def budget(ci_examples: int, deadline_s: float = 10.0) -> settings:
    """CI: ``ci_examples``, derandomised, no example database; by hand: MTSEQ_FUZZ_EXAMPLES, random."""
    return settings(
        max_examples=int(LONG) if LONG else ci_examples,
        deadline=timedelta(seconds=deadline_s),
        derandomize=not LONG,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture(scope="module", autouse=True)
def _error_logs(tmp_path_factory):
    """Last-resort tracebacks go to a temp folder (and are shown when a property fails)."""
    old = os.environ.get("MTSEQ_ERROR_LOG_DIR")
    os.environ["MTSEQ_ERROR_LOG_DIR"] = str(tmp_path_factory.mktemp("error_logs"))
    yield
    if old is None:
        os.environ.pop("MTSEQ_ERROR_LOG_DIR", None)
    else:
        os.environ["MTSEQ_ERROR_LOG_DIR"] = old


def run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def _traceback_of(err: str) -> str:
    match = re.search(r"traceback in (\S+\.log)", err)
    if match and Path(match.group(1)).is_file():
        return err + "\n" + Path(match.group(1)).read_text(encoding="utf-8")
    return err


def leftovers(*folders: Path) -> list[str]:
    """Temp files and folders a command may leave only when it is killed."""
    out = []
    for folder in folders:
        if folder.is_dir():
            out += [
                str(p) for p in folder.rglob("*") if p.name.endswith((".tmp", ".part")) or p.name.startswith(".unpack-")
            ]
    return out


def check_contract(code: int, err: str, outputs=(), folders=(), quiet: bool = True) -> bool:
    """The contract; True when the command succeeded (the caller then checks its outputs)."""
    assert "Traceback" not in err, err
    assert INTERNAL not in err, _traceback_of(err)
    assert code in (0, 2), err
    assert leftovers(*folders) == [], err
    if code == 0:
        assert "mtseq: error" not in err, err
        event("accepted")
        return True
    lines = err.splitlines()
    assert sum(ln.startswith("mtseq: error: ") for ln in lines) == 1 and lines[-1].startswith("mtseq: error: "), err
    assert len(lines) == 1 or not quiet, err
    for path in outputs:
        assert not Path(path).exists(), f"{path} left behind: {err}"
    event(f"refused: {_problem(lines[-1])}")
    return False


def _problem(line: str) -> str:
    """The kind of refusal, for Hypothesis' statistics (--hypothesis-show-statistics): paths and numbers cut."""
    text = re.sub(r"\S*/\S*|\d+|'[^']*'|\([^)]*\)", "_", line.removeprefix("mtseq: error: "))
    return text.lstrip("_: ")[:50]


# --- configs -----------------------------------------------------------------------------------------------------

BASE = {
    "data": {"name": "fz", "synth": {"seed": 3}, "vocab": {"max_size": 100}},
    "model": {"layers": 1, "hidden": 8, "embed": 8, "dropout": 0.1},
    "train": {"updates": 2, "lr": 0.5, "mixing": {"strategy": "stratified"}, "lr_halving": {"start": 1, "cycle": 1}},
    "decode": {"beam": 1, "max_len": 20},
    "grid": {
        "seeds": [1, 2],
        "extra_baseline_seeds": [3],
        "settings": {
            "one_to_many": {
                "reference": "translate_en_de",
                "auxiliary": {"parse_en": [0.01, 0.1], "autoencode_en": [1]},
            },
            "many_to_many": {
                "reference": "translate_en_de",
                "combine": "product",
                "auxiliary": {"autoencode_en+autoencode_de": [0.1], "skipthought_en": [0.5, 0]},
            },
        },
    },
}
NAMES = [*TASKS, "one_to_many", "many_to_one", "many_to_many", "each", "product", "seeds", "settings", "auxiliary"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.integers(-(2**80), 2**80),
    st.floats(),
    st.floats(0, 2),
    st.text(max_size=12),
    st.sampled_from(NAMES),
)
NUMBERS = st.one_of(
    st.floats(0, 2), st.integers(0, 10), st.sampled_from([1e-12, 0, 2**63 - 1, 2**63, -1, float("nan"), float("inf")])
)
VALUES = st.recursive(
    SCALARS,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=8,
)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


def _get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@st.composite
def configs(draw) -> bytes:
    """The base config with a few values replaced, keys deleted or added, then, sometimes, its text mangled."""
    cfg = json.loads(json.dumps(BASE))
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):
        paths = list(_paths(cfg))[1:]
        numbers = [p for p in paths if _number(_get(cfg, p))]
        action = draw(st.sampled_from(["number"] * 4 + ["replace", "replace", "delete", "add"]))
        path = draw(st.sampled_from(numbers if action == "number" and numbers else paths))
        holder = _get(cfg, path[:-1])
        if action == "number":  # a plausible value or a limit (0, 1e-12, 2^63, NaN, inf) where a number was
            holder[path[-1]] = draw(NUMBERS)
        elif action == "replace":
            holder[path[-1]] = draw(VALUES)
        elif action == "delete":
            del holder[path[-1]]
        elif isinstance(holder, dict):
            holder[draw(st.sampled_from(NAMES) | st.text(max_size=6))] = draw(VALUES)
    text = yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)
    lines = text.splitlines(keepends=True)
    edit = draw(st.sampled_from(["none"] * 6 + ["duplicate", "alias", "bytes", "cut", "number", "number"]))
    if edit == "duplicate" and lines:  # a key given twice, as a second block pasted below the first
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(draw(st.integers(0, len(lines))), lines[i])
    elif edit == "alias":
        lines.insert(0, "x-anchor: &a [" + ", ".join(["1"] * draw(st.integers(1, 5))) + "]\n")
        lines.insert(1, "x-more: &b [" + ", ".join(["*a"] * draw(st.integers(1, 30))) + "]\n")
    elif edit == "number":  # a ratio spelt as YAML 1.1 and 1.2 read differently (1e-12, 010, 1_000, 1:30, ...)
        spelling = draw(
            st.sampled_from(["1e-12", "010", "0o17", "0x1F", "1_000", "1:30", ".5", "+1.", "-.inf", ".NaN"])
        )
        lines = [ln.replace("0.01", spelling, 1) for ln in lines]
    data = "".join(lines).encode("utf-8")
    if edit == "bytes":
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.binary(max_size=8)) + data[i:]
    elif edit == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    return data


@budget(150)
@given(data=configs())
def test_fuzz_config_files(data):
    """Any config: a grid whose every cell has finite ratios >= 0 and seeds in range, or one line naming the file."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "cfg.yaml"
        cfg.write_bytes(data)
        code, out, err = run(["grid", "--config", cfg, "--format", "json"])
        if check_contract(code, err):
            rows = json.loads(out)
            for row in rows:
                assert all(isinstance(r, float) and 0 <= r < float("inf") for r in row["ratios"].values()), row
                assert all(isinstance(s, int) and 0 <= s < 2**63 for s in row["seeds"]), row
                assert row["cell"] and all(d.startswith("results/runs/") for d in row["run_dirs"]), row
        else:
            assert err.startswith(f"mtseq: error: {cfg}"), err  # the file is named


# --- corpora -----------------------------------------------------------------------------------------------------

WORDY = st.sampled_from(["the ", "cat ", "Katze ", "sat", ".", ",", " ", "\u00e9", "e\u0301", "\u00df", "0", "!", "\t"])
ODD = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs", "Cc", "Cf")) | st.sampled_from(
    ["\u200b", "\u200e", "\u202e", "\ufeff", "\u00ad", "\x00", "\x7f", "\r", "\x1c", "\u2028"]
)
CHARS = st.one_of(WORDY, WORDY, WORDY, ODD)  # mostly words, so that many corpora are accepted
ANY_LINE = st.lists(CHARS, max_size=12).map("".join)
SENTENCE = st.builds(str.__add__, st.sampled_from(["The cat", "Die Katze", "caf\u00e9", "Stra\u00dfe"]), ANY_LINE)
LINE = st.one_of(SENTENCE, SENTENCE, SENTENCE, SENTENCE, ANY_LINE)  # mostly a sentence, sometimes anything


def _encode(draw, lines: list[str]) -> bytes:
    """One side of a corpus as bytes: LF or CRLF, maybe a BOM, sometimes Latin-1 or with stray bytes."""
    end = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    data = end.join(lines).encode("utf-8") + (end.encode() if lines and draw(st.booleans()) else b"")
    if draw(st.integers(0, 3)) == 0:
        data = b"\xef\xbb\xbf" + data
    how = draw(st.sampled_from(["utf-8"] * 6 + ["latin-1", "bytes"]))
    if how == "latin-1":
        data = "\n".join(lines).encode("latin-1", errors="replace")
    elif how == "bytes":
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.binary(max_size=6)) + data[i:]
    return data


@st.composite
def aligned_corpora(draw) -> tuple[bytes, bytes]:
    """EN and DE files, mostly of the same number of lines."""
    pairs = draw(st.lists(st.tuples(LINE, LINE), max_size=6))
    en, de = [e for e, _ in pairs], [d for _, d in pairs]
    if draw(st.integers(0, 5)) == 0:
        (en if draw(st.booleans()) else de).append(draw(LINE))
    return _encode(draw, en), _encode(draw, de)


def _lines_of(data: bytes) -> list[str]:
    text = data.decode("utf-8").removeprefix("\ufeff")
    lines = text.split("\n")
    return [ln.removesuffix("\r") for ln in (lines[:-1] if lines[-1] == "" else lines)]


@budget(150)
@given(corpus=aligned_corpora())
def test_fuzz_aligned_corpora(corpus):
    """Tokenise (and build a vocabulary from) any pair of files: aligned, visible NFC tokens, or one refusal."""
    en, de = corpus
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "x.en").write_bytes(en)
        (tmp / "x.de").write_bytes(de)
        outs = [tmp / "tok" / "x.en", tmp / "tok" / "x.de"]
        argv = ["tokenise", "--inputs", tmp / "x.en", tmp / "x.de", "--langs", "en", "de", "--outputs", *outs]
        code, _, err = run(argv)
        if not check_contract(code, err, outs, [tmp]):
            return
        n = len(_lines_of(en))
        assert n == len(_lines_of(de)) > 0
        for path in outs:
            text = path.read_bytes().decode("utf-8")
            assert unicodedata.is_normalized("NFC", text)
            lines = text.split("\n")
            assert lines[-1] == "" and len(lines) - 1 == n
            assert all(ln.split() and not invisible(ln) for ln in lines[:-1]), lines
        vocab, codes = tmp / "vocab" / "en.txt", tmp / "vocab" / "en.bpe"
        argv = ["vocab", "--config", config_file(tmp / "en", {}), "--inputs", outs[0], "--out", vocab, "--codes", codes]
        code, _, err = run(argv)
        if check_contract(code, err, [vocab, codes], [tmp]):
            entries = [ln.split("\t") for ln in vocab.read_text(encoding="utf-8").splitlines()]
            tokens = [e[0] for e in entries]
            assert tokens[:4] == ["<pad>", "<unk>", "<s>", "</s>"] and len(set(tokens)) == len(tokens)


# --- trees -------------------------------------------------------------------------------------------------------

ODD_LABEL = st.text(st.characters(categories=("L", "N", "P", "S"), exclude_characters="()"), min_size=1, max_size=4)
POS = st.one_of(*[st.sampled_from(["NN", "DT", "VBD", "JJ", ",", "-NONE-", "-LRB-"] * 4 + [""])] * 4, ODD_LABEL)
PHRASE = st.one_of(*[st.sampled_from(["S", "NP", "VP", "PP", "SBAR", "NP-SBJ-1", "ADVP=2", "TOP"])] * 4, ODD_LABEL)
ODD_WORD = st.text(
    st.characters(categories=("L", "N", "P", "S", "M", "Cf", "Cc"), exclude_characters="() \t\n\r\x0b\x0c"), min_size=1
)
WORD = st.one_of(
    *[st.sampled_from(["the", "cat", "sat", ".", "Katze", "e\u0301", "*T*-1"])] * 4, ODD_WORD.map(lambda w: w[:5])
)
PRETERMINAL = st.builds(lambda label, word: f"({label} {word})", POS, WORD)
TREE = st.recursive(
    PRETERMINAL,
    lambda kids: st.builds(
        lambda label, cs, sep: f"({label}{sep}{sep.join(cs)})",
        PHRASE,
        st.lists(kids, min_size=1, max_size=3),
        st.sampled_from([" ", "\n  ", "\t"]),
    ),
    max_leaves=8,
)


@st.composite
def tree_files(draw) -> bytes:
    trees = [
        f"( {t} )" if draw(st.integers(0, 3)) == 0 else t
        for t in draw(st.lists(TREE, min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=4))
    ]
    if draw(st.integers(0, 5)) == 0:  # deep nesting, past any limit a recursive reader would have
        depth = draw(st.sampled_from([50, 499, 500, 501, 3000]))
        trees.append("(S " * depth + "(NN deep)" + ")" * depth)
    if draw(st.integers(0, 5)) == 0:  # a tree of traces only
        trees.append("( (S (NP-SBJ (-NONE- *T*-1)) (VP (-NONE- *U*))) )")
    text = draw(st.sampled_from(["\n", "\n\n", " "])).join(trees)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):  # brackets lost or added
        i = draw(st.integers(0, len(text)))
        text = (
            text[:i] + draw(st.sampled_from(["(", ")", "", " x ", "(NP )", "()"])) + text[i + draw(st.integers(0, 1)) :]
        )
    data = text.encode("utf-8")
    if draw(st.integers(0, 6)) == 0:
        i = draw(st.integers(0, len(data)))
        data = data[:i] + draw(st.binary(max_size=4)) + data[i:]
    return data


@budget(150)
@given(files=st.lists(tree_files(), min_size=1, max_size=2))
def test_fuzz_tree_files(files):
    """Linearise any tree files: aligned words, brackets and trees that read back, or one refusal with the file."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = []
        for i, data in enumerate(files):
            paths.append(tmp / f"t{i}.mrg")
            paths[-1].write_bytes(data)
        out = tmp / "trees"
        outs = [out / "p.en", out / "p.lin", out / "p.mrg", out / "stats.json"]
        argv = ["linearise", "--trees", *paths, "--tokens", outs[0], "--lin", outs[1], "--clean", outs[2]]
        code, _, err = run([*argv, "--stats", outs[3]])
        if not check_contract(code, err, outs, [tmp]):
            assert any(err.startswith(f"mtseq: error: {p}") for p in paths), err
            return
        words, lins, trees = (p.read_text(encoding="utf-8").split("\n") for p in outs[:3])
        assert words[-1] == lins[-1] == trees[-1] == "" and len(words) == len(lins) == len(trees) > 1
        assert json.loads(outs[3].read_text())["n_kept"] == len(words) - 1
        for w, lin, tree in zip(words[:-1], lins[:-1], trees[:-1]):
            seq = lin.split()
            assert seq.count("XX") == len(w.split()) > 0 and not invisible(w)
            assert sum(t.startswith("(") for t in seq) == sum(t.startswith(")") for t in seq)
            assert parse_tree(tree).leaves() == w.split()


SEQ_TOKENS = st.sampled_from(["(S", "(NP", "(VP", ")NP", ")VP", ")S", "XX", "XX", "(", ")", "x", ")X"])


@budget(100)
@given(
    pairs=st.lists(
        st.tuples(
            st.lists(SEQ_TOKENS, max_size=30),
            st.lists(st.sampled_from(["a", "cat", "sat", ".", "\u00e9"]), min_size=1, max_size=8),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_decoder_output_is_repaired(pairs):
    """Delinearise any decoder output: always a tree per line whose leaves are the sentence's words."""
    seqs, sents = [s for s, _ in pairs], [w for _, w in pairs]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "hyp.lin").write_text("".join(" ".join(s) + "\n" for s in seqs), encoding="utf-8")
        (tmp / "src.en").write_text("".join(" ".join(s) + "\n" for s in sents), encoding="utf-8")
        out = tmp / "out" / "hyp.mrg"
        code, _, err = run(["delinearise", "--lin", tmp / "hyp.lin", "--tokens", tmp / "src.en", "--out", out])
        assert check_contract(code, err, [out], [tmp]), err
        lines = out.read_text(encoding="utf-8").splitlines()
        assert [parse_tree(t).leaves() for t in lines] == sents


# --- archives ----------------------------------------------------------------------------------------------------

MEMBER_NAME = st.sampled_from(
    ["a", "a/b", "d/", "../evil", "/abs/x", "./x", "a/../../y", "a/../b", ".", "x\\..\\..\\y", "d/e/f", "a"]
) | st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=12)
MEMBERS = st.lists(
    st.tuples(
        st.sampled_from(["file", "file", "dir", "symlink", "hardlink", "fifo", "device"]),
        MEMBER_NAME,
        MEMBER_NAME,
        st.binary(max_size=20),
    ),
    max_size=5,
)


def _tar(members, compress: bool) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if compress else "w", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, target, data in members:
            info = tarfile.TarInfo(name)
            info.type = {
                "file": tarfile.REGTYPE,
                "dir": tarfile.DIRTYPE,
                "symlink": tarfile.SYMTYPE,
                "hardlink": tarfile.LNKTYPE,
                "fifo": tarfile.FIFOTYPE,
                "device": tarfile.CHRTYPE,
            }[kind]
            if kind in ("symlink", "hardlink"):
                info.linkname = target
            info.size = len(data) if kind == "file" else 0
            tar.addfile(info, io.BytesIO(data) if kind == "file" else None)
    return buf.getvalue()


def _zip(members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for kind, name, target, data in members:
            if kind == "symlink":  # a zip symlink is a member whose mode says so and whose data is the target
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o120777 << 16
                zf.writestr(info, target)
            elif kind == "dir":
                zf.writestr(zipfile.ZipInfo(name.rstrip("/") + "/"), b"")
            else:
                zf.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


@st.composite
def archives(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["tar", "tar.gz", "zip", "gz", "sgm"]))
    if kind == "gz":
        data = gzip.compress(draw(st.binary(max_size=40)))
    elif kind == "sgm":
        segs = draw(st.lists(LINE, max_size=3))
        data = "".join(f"<seg id={i}>{s}</seg>\n" for i, s in enumerate(segs)).encode("utf-8", errors="replace")
    else:
        members = draw(MEMBERS)
        with contextlib.suppress(UnicodeEncodeError, ValueError):  # a name zip or tar cannot even write
            data = _zip(members) if kind == "zip" else _tar(members, kind == "tar.gz")
            break_it = draw(st.sampled_from(["none", "none", "none", "cut", "flip"]))
            if break_it == "cut":
                data = data[: draw(st.integers(0, len(data)))]
            elif break_it == "flip" and data:
                i = draw(st.integers(0, len(data) - 1))
                data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :]
            return f"corpus.{kind}", data
        assume(False)
    return f"corpus.{kind}", data


@budget(150)
@given(archive=archives())
def test_fuzz_archives(archive):
    """Fetch and unpack any archive: every unpacked path stays inside the folder, or one refusal and no entry."""
    name, data = archive
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "src" / name
        src.parent.mkdir()
        src.write_bytes(data)
        out, dest = tmp / "dl" / name, tmp / "unpacked"
        argv = [*fetch_argv(tmp / "src", src, sha256_file(src)), "--out", out, "--unpack", dest, "--quiet"]
        code, _, err = run(argv)
        if not check_contract(code, err, folders=[tmp]):
            assert not dest.exists() or not any(dest.iterdir()), sorted(dest.rglob("*"))
            return
        root = dest.resolve()
        for path in dest.rglob("*"):
            assert path.resolve() == root or root in path.resolve().parents, path


# --- run directories ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A corpus and a completed baseline run (two updates), evaluated afresh in each example."""
    root = tmp_path_factory.mktemp("fuzz_run")
    corpus = build_corpus(root / "corpus", n_train=32, n_valid=6)
    cfg = tiny_config(train={"updates": 2, "checkpoint_every": 1, "validate_every": 0}, decode={"beam": 1})
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    run_dir = root / "run"
    argv = ["train", "--config", config, "--setting", "one_to_many", "--reference", "translate_en_de"]
    argv += ["--seed", "1", "--data", corpus, "--out", run_dir, "--no-progress"]
    code, _, err = run(argv)
    assert code == 0, err
    return corpus, config, run_dir


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(list(TASKS)),
    lambda kids: (
        st.lists(kids, max_size=3)
        | st.dictionaries(st.sampled_from(list(TASKS)) | st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def run_damage(draw) -> tuple[str, object]:
    what = draw(st.sampled_from(["field", "field", "ratio", "bytes", "vocab"]))
    if what == "field":
        return what, (draw(st.sampled_from(["ratios", "reference", "seed", "setting", "cell", "updates"])), draw(JSON))
    if what == "ratio":
        return what, (draw(st.sampled_from(list(TASKS))), draw(JSON | st.floats(0, 3)))
    if what == "bytes":
        return what, draw(st.binary(max_size=30))
    return what, (draw(st.sampled_from(["en", "de"])), draw(st.integers(-3, 3)))


@budget(25, deadline_s=60.0)
@given(damage=run_damage())
def test_fuzz_run_directories(trained, damage):
    """Evaluate a run whose train.json or vocabularies were altered: complete outputs, or one refusal and none."""
    corpus, config, source = trained
    what, detail = damage
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run_dir, data = tmp / "run", tmp / "data"
        shutil.copytree(source, run_dir)
        shutil.copytree(corpus, data)
        info_path = run_dir / "train.json"
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if what == "field":
            info[detail[0]] = detail[1]
        elif what == "ratio":
            info["ratios"][detail[0]] = detail[1]
        if what == "bytes":
            info_path.write_bytes(detail)
        else:
            info_path.write_text(json.dumps(info), encoding="utf-8")
        if what == "vocab":
            vocab = data / "vocab" / f"{detail[0]}.txt"
            lines = vocab.read_text(encoding="utf-8").splitlines()
            lines = (
                lines[: len(lines) + detail[1]] if detail[1] < 0 else lines + [f"new{i}\t1" for i in range(detail[1])]
            )
            vocab.write_text("".join(ln + "\n" for ln in lines), encoding="utf-8")
        code, _, err = run(["evaluate", "--run", run_dir, "--config", config, "--data", data])
        written = [run_dir / "metrics.json", *run_dir.glob("hyp.*"), *run_dir.glob("parse_stats.*")]
        if not check_contract(code, err, written, [run_dir], quiet=False):
            return
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        tasks = [t for t, a in metrics["ratios"].items() if a > 0]
        assert sorted(metrics["tasks"]) == sorted(tasks)
        for task in tasks:
            assert (run_dir / f"hyp.{task}.test").is_file() or TASKS[task].kind not in ("translate", "caption", "parse")
