"""Config validation: defaults filled, every bad value named by its key, in one line."""

from __future__ import annotations

import copy

import pytest
import yaml

from mtseq.cli import main
from mtseq.config import load_config, validate_config, workflow_config
from mtseq.errors import ConfigError, MtseqError
from mtseq.grid import expand_grid


@pytest.fixture
def default(repo_root):
    return yaml.safe_load((repo_root / "config" / "config.yaml").read_text())


def test_default_config_validates_and_fills_defaults(repo_root):
    config = load_config(repo_root / "config" / "config.yaml")
    assert config["train"]["mixing"]["strategy"] == "stratified"  # set by the default
    assert config["train"]["mixing"]["cap"] is None  # filled by the schema
    assert validate_config({})["train"]["mixing"]["strategy"] == "constant"  # the paper's draw, by default
    assert config["grid"]["extra_baseline_seeds"] == []
    assert config["results"] == "results"
    assert config["data"]["parts"] == ["translate", "trees", "caption", "mono"]


def test_empty_config_gets_every_default():
    config = validate_config({})
    assert config["model"]["init_range"] == 0.06
    assert config["grid"]["seeds"] == [1, 2, 3]


@pytest.mark.parametrize(
    ("mutate", "key", "words"),
    [
        (
            lambda c: c["grid"]["settings"]["one_to_many"]["auxiliary"].update(parse_en=[0.1, -1]),
            "grid.settings.one_to_many.auxiliary.parse_en[1]",
            "minimum",
        ),
        (
            lambda c: c["grid"]["settings"]["one_to_many"]["auxiliary"].update(parsing_en=[0.1]),
            "grid.settings.one_to_many.auxiliary.parsing_en",
            "unknown task",
        ),
        (lambda c: c.update(extra=1), "extra", "unknown key"),
        (lambda c: c["model"].update(hiden=3), "model.hiden", "unknown key"),
        (lambda c: c["model"].update(layers="two"), "model.layers", "not of type"),
        (
            lambda c: c["grid"]["settings"]["one_to_many"].update(reference="translate_xx"),
            "grid.settings.one_to_many.reference",
            "not one of",
        ),
        (
            lambda c: c["grid"]["settings"].update(few_to_one={"reference": "parse_en"}),
            "grid.settings.few_to_one",
            "not allowed",
        ),
        (
            lambda c: c["grid"]["settings"]["one_to_many"]["auxiliary"].update(translate_de_en=[0.1]),
            "grid.settings.one_to_many.auxiliary",
            "one source language",
        ),
        (
            lambda c: c["grid"]["settings"]["many_to_one"]["auxiliary"].update(parse_en=[0.1]),
            "grid.settings.many_to_one.auxiliary",
            "one target language",
        ),
        (
            lambda c: c["grid"]["settings"]["one_to_many"]["auxiliary"].update(translate_en_de=[0.1]),
            "grid.settings.one_to_many.auxiliary.translate_en_de",
            "reference task",
        ),
        (lambda c: c["train"].update(optimizer="rmsprop"), "train.optimizer", "not one of"),
    ],
)
def test_bad_values_name_their_key(default, mutate, key, words):
    config = copy.deepcopy(default)
    mutate(config)
    with pytest.raises(ConfigError) as info:
        validate_config(config, "config.yaml")
    message = str(info.value)
    assert f"'{key}'" in message
    assert words in message
    assert "\n" not in message
    assert message.startswith("config.yaml: ")


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("model:\n  layers: 2\n  hidden: [1, 2\n")
    with pytest.raises(MtseqError, match=r"bad.yaml:\d+: invalid YAML"):
        load_config(path)


def test_cli_reports_config_error_in_one_line(tmp_path, capsys):
    path = tmp_path / "neg.yaml"
    path.write_text(
        "grid:\n  settings:\n    one_to_many:\n      reference: translate_en_de\n      auxiliary: {parse_en: [-0.1]}\n"
    )
    out = tmp_path / "synthetic"
    code = main(["corpus", "synth", "--config", str(path), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0
    assert "grid.settings.one_to_many.auxiliary.parse_en[0]" in err
    assert not out.exists()


@pytest.mark.parametrize("overlay", ["replicate.yaml", "constant.yaml", "powered.yaml"])
def test_overlays_merge_into_the_default_key_by_key(repo_root, overlay):
    """config/<overlay> is read after config/config.yaml; a setting set to null leaves the grid."""
    config = validate_config(workflow_config([repo_root / "config/config.yaml", repo_root / "config" / overlay]))
    assert config["data"]["name"] == "synthetic"  # the default's data: the same data/ is reused
    settings = config["grid"]["settings"]
    if overlay == "powered.yaml":
        assert list(settings) == ["one_to_many"]
        assert settings["one_to_many"]["auxiliary"] == {"parse_en": [0.01]}
        assert settings["one_to_many"]["reference"] == "translate_en_de"  # kept from the default
        assert config["grid"]["seeds"] == list(range(9, 31))
    else:
        assert list(settings) == ["one_to_many", "many_to_one", "many_to_many"]


def test_a_null_setting_in_the_first_file_is_dropped_too(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("grid:\n  settings:\n    many_to_one: null\n", encoding="utf-8")
    assert workflow_config([path])["grid"]["settings"] == {}


@pytest.mark.parametrize(
    ("overlay", "results", "cells"),
    [
        (None, "results/multi30k", {"baseline", "parse0.01", "parse0.1", "parse1"}),
        ("multi30k_attention.yaml", "results/multi30k_attention", {"baseline", "parse0.01", "parse0.1", "parse1"}),
        ("multi30k_quick.yaml", "results/multi30k_quick", {"baseline", "parse0.1"}),
        ("multi30k_parse.yaml", "results/multi30k_parse", {"baseline", "parse0.01", "parse0.1"}),
        ("multi30k_subword.yaml", "results/multi30k_subword", {"baseline", "parse0.01", "parse0.1", "parse1"}),
    ],
)
def test_multi30k_overlays_keep_its_data_and_have_their_own_results(repo_root, overlay, results, cells):
    """The real-data benchmark's variants share data/multi30k (the subword one has its own, as its
    vocabularies differ), and none writes over another's results."""
    files = [repo_root / "config/multi30k.yaml"] + ([repo_root / "config" / overlay] if overlay else [])
    config = validate_config(workflow_config(files))
    subword = overlay == "multi30k_subword.yaml"
    assert config["data"]["name"] == ("multi30k_subword" if subword else "multi30k") and config["results"] == results
    assert (config["data"]["vocab"]["bpe_merges"] > 0) == subword
    assert {c.cell for c in expand_grid(config["grid"])} == cells
    assert config["model"]["attention"] == (overlay in ("multi30k_attention.yaml", "multi30k_subword.yaml"))
    assert config["train"]["select"] == {"model": "best", "patience": 3}
    assert config["decode"]["also_greedy"] and config["decode"]["beam"] == 5
