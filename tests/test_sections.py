"""Config sections as files named by their content: planning another config never changes a file a job reads."""

from __future__ import annotations

import os

import yaml

from mtseq.pipeline import write_section


def test_a_section_file_is_named_by_its_content_and_never_rewritten(tmp_path):
    config = {"decode": {"beam": 1, "max_len": 80}, "grid": {"seeds": [1]}}
    path = write_section(config, ("decode",), tmp_path)
    name = os.path.basename(path)
    assert name.startswith("decode-") and name.endswith(".yaml") and len(name) == len("decode-") + 12 + 5
    assert yaml.safe_load(open(path).read()) == {"decode": {"beam": 1, "max_len": 80}}
    before = os.stat(path)

    # the same content again (another parse, a dry run, --report): the same file, not touched
    assert write_section({**config, "grid": {"seeds": [2]}}, ("decode",), tmp_path) == path
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)

    # another config's decode section (the paper's beam 12): a file of its own; the first one is unchanged
    other = write_section({"decode": {"beam": 12, "max_len": 100}}, ("decode",), tmp_path)
    assert other != path
    assert yaml.safe_load(open(path).read())["decode"]["beam"] == 1
    assert yaml.safe_load(open(other).read())["decode"]["beam"] == 12


def test_several_sections_in_one_file_and_a_damaged_file_is_restored(tmp_path):
    config = {"model": {"layers": 1}, "train": {"lr": 0.5}, "data": {"synth": {"seed": 1}}}
    path = write_section(config, ("model", "train"), tmp_path)
    assert os.path.basename(path).startswith("model+train-")
    assert yaml.safe_load(open(path).read()) == {"model": {"layers": 1}, "train": {"lr": 0.5}}
    nested = write_section(config, ("data.synth",), tmp_path)
    assert yaml.safe_load(open(nested).read()) == {"data": {"synth": {"seed": 1}}}
    with open(path, "w") as fh:  # damaged by hand: its name says what it must hold
        fh.write("model: {layers: 9}\n")
    assert write_section(config, ("model", "train"), tmp_path) == path
    assert yaml.safe_load(open(path).read()) == {"model": {"layers": 1}, "train": {"lr": 0.5}}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([os.path.basename(path), os.path.basename(nested)])


def test_a_section_carried_over_from_a_file_of_the_old_name_keeps_its_time(tmp_path):
    """A working directory from before content-named files: the same section under its old name lends the new
    file its modification time, so ``--rerun-triggers mtime`` finds the outputs made from it up to date."""
    config = {"decode": {"beam": 1}}
    legacy = tmp_path / "decode.yaml"
    legacy.write_text(yaml.safe_dump(config, sort_keys=True))
    os.utime(legacy, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    path = write_section(config, ("decode",), tmp_path)
    assert os.stat(path).st_mtime_ns == 1_000_000_000_000_000_000
    edited = write_section({"decode": {"beam": 4}}, ("decode",), tmp_path)  # another content: made now
    assert os.stat(edited).st_mtime_ns > 1_000_000_000_000_000_000
