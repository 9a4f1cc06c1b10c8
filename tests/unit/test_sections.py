"""Config sections as files named by their content: planning another config never changes a file a job reads,
and planning writes nothing (the workflow's `section` rule writes a file when a job first needs it)."""

from __future__ import annotations

import os

import pytest
import yaml

from mtseq.config import load_section, validate_config
from mtseq.errors import MtseqError
from mtseq.pipeline import section_file


def _write(path: str, text: str) -> str:
    """What the `section` rule does with the pair section_file returns."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def test_a_section_file_is_named_by_its_content_and_nothing_is_written(tmp_path):
    config = {"decode": {"beam": 1, "max_len": 80}, "grid": {"seeds": [1]}}
    path, text = section_file(config, ("decode",), tmp_path)
    assert list(tmp_path.iterdir()) == []  # planning writes nothing
    name = os.path.basename(path)
    assert name.startswith("decode-") and name.endswith(".yaml") and len(name) == len("decode-") + 12 + 5
    assert yaml.safe_load(text) == {"decode": {"beam": 1, "max_len": 80}}
    _write(path, text)

    # the same content again (another parse, a dry run, --report): the same file
    assert section_file({**config, "grid": {"seeds": [2]}}, ("decode",), tmp_path) == (path, text)

    # another config's decode section (the paper's beam 12): a file of its own
    other, other_text = section_file({"decode": {"beam": 12, "max_len": 100}}, ("decode",), tmp_path)
    assert other != path and yaml.safe_load(other_text)["decode"]["beam"] == 12


def test_several_sections_in_one_file_and_a_damaged_file_is_refused(tmp_path):
    config = {"model": {"layers": 1}, "train": {"lr": 0.5}, "data": {"synth": {"seed": 1}}}
    path, text = section_file(config, ("model", "train"), tmp_path)
    assert os.path.basename(path).startswith("model+train-")
    assert yaml.safe_load(text) == {"model": {"layers": 1}, "train": {"lr": 0.5}}
    _, nested = section_file(config, ("data.synth",), tmp_path)
    assert yaml.safe_load(nested) == {"data": {"synth": {"seed": 1}}}
    _write(path, "model: {layers: 9}\n")  # damaged by hand: its name says what it must hold
    with pytest.raises(MtseqError, match="other content than its name says"):
        section_file(config, ("model", "train"), tmp_path)


def test_a_section_held_by_a_file_of_the_old_name_is_read_from_it(tmp_path):
    """A working directory from before content-named files: the same section under its old name is the
    input, so the outputs made from it stay up to date (a grid is not retrained for a file name)."""
    config = {"decode": {"beam": 1}}
    legacy = tmp_path / "decode.yaml"
    legacy.write_text(yaml.safe_dump(config, sort_keys=True))
    assert section_file(config, ("decode",), tmp_path)[0] == str(legacy)
    edited, _ = section_file({"decode": {"beam": 4}}, ("decode",), tmp_path)  # another content: a new name
    assert os.path.basename(edited).startswith("decode-")


def test_a_command_reads_the_section_file_its_rule_writes(tmp_path):
    """What `mtseq vocab --config FILE` reads is the section as the workflow validated it; an edit of the
    section is a new file name, so the vocab jobs rerun (and only the jobs that read data.vocab)."""
    config = validate_config({"data": {"vocab": {"max_size": 300}}})
    path, text = section_file(config, ("data.vocab",), tmp_path)
    synth = section_file(config, ("data.synth",), tmp_path)[0]
    _write(path, text)
    assert load_section(path, "data.vocab") == {"max_size": 300, "min_count": 1, "bpe_merges": 0}
    config["data"]["vocab"]["max_size"] = 400
    assert section_file(config, ("data.vocab",), tmp_path)[0] != path
    assert section_file(config, ("data.synth",), tmp_path)[0] == synth  # the corpus is not made again


def test_a_fetch_key_with_dots_is_one_key(tmp_path):
    """A download's section is fetch.<key>, and a key may hold dots (wmt15.tgz): its path is a tuple."""
    config = validate_config({"fetch": {"wmt15.tgz": {"url": "https://example.org/wmt15.tgz"}, "b": {"url": "x"}}})
    path, text = section_file(config, (("fetch", "wmt15.tgz"),), tmp_path)
    assert os.path.basename(path).startswith("fetch.wmt15.tgz-")
    _write(path, text)
    assert load_section(path, "fetch") == {"wmt15.tgz": {"url": "https://example.org/wmt15.tgz", "sha256": None}}


def test_a_bad_value_in_a_section_file_is_one_line_naming_file_and_key(tmp_path):
    path = _write(str(tmp_path / "data.vocab-0123456789ab.yaml"), "data:\n  vocab:\n    max_size: 2\n")
    with pytest.raises(MtseqError) as err:
        load_section(path, "data.vocab")
    assert str(err.value).startswith(f"{path}: config key 'data.vocab.max_size': 2 is less than the minimum")
