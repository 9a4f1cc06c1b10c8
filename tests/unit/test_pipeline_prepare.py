"""Which real-data preparation rules get a section file, and which treebank command they run."""

from __future__ import annotations

from mtseq.config import load_config
from mtseq.pipeline import prepares, trees_corpus


def test_the_default_prepares_nothing_and_multi30k_prepares_translation_and_trees(repo_root):
    default = load_config(repo_root / "config" / "config.yaml")
    multi30k = load_config(repo_root / "config" / "multi30k.yaml")
    assert not prepares(default, "data.prepare.trees")
    assert prepares(multi30k, "data.prepare.translate.drop_empty")
    assert prepares(multi30k, "data.prepare.trees")
    assert not prepares(multi30k, "data.prepare.mono")
    assert trees_corpus(multi30k) == "ptb-sample --source"


def test_a_wsj_copy_is_prepared_by_section():
    config = {"data": {"prepare": {"trees": {"wsj_root": "/corpora/wsj"}}}}
    assert trees_corpus(config) == "wsj"
    assert prepares(config, "data.prepare.trees")
