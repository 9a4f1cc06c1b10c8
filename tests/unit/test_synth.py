"""The synthetic bilingual treebank: determinism, formats, split hygiene, and German grammar."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from nltk import Tree
from sacremoses import MosesTokenizer

from mtseq.cli import main
from mtseq.corpora.synth import generate
from mtseq.corpora.synth.english import detokenise
from mtseq.corpora.synth.grammar import entity_for
from mtseq.corpora.synth.inventory import lexicon
from mtseq.corpora.synth.render import beyond_adjacent_swaps, render
from mtseq.corpora.synth.syntax import NP, PP, VP, Clause, Entity
from mtseq.corpora.synth.words import put_preposition
from mtseq.errors import ConfigError
from mtseq.layout import LANGS, SPLITS, Layout

SMALL = {
    "seed": 7,
    "sizes": {
        "translate": {"train": 120, "valid": 30, "test": 30},
        "trees": {"train": 150, "valid": 30, "test": 30},
        "caption": {"train": 40, "valid": 10, "test": 10},
        "mono": {"train": 30, "valid": 8, "test": 8},
    },
    "captions_per_scene": 3,
    "feature_dim": 16,
    "feature_noise": 0.1,
    "sentences_per_doc": [2, 4],
}
PTB_LABELS = {"S", "SBAR", "NP", "VP", "PP", "ADJP", "ADVP", "PRT", "WHNP"}
PTB_TAGS = {
    "DT", "JJ", "NN", "NNS", "NNP", "PRP", "PRP$", "VBD", "VBZ", "VBP", "VB", "VBG", "VBN", "MD", "IN",
    "TO", "CC", "RB", "RP", "WDT", "WP", "CD", "EX", ",", ".",
}  # fmt: skip
EN_TOK = MosesTokenizer(lang="en")
DE_TOK = MosesTokenizer(lang="de")
LEX = lexicon()


def raw_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "raw").iterdir())} | {
        "STATS.json": (root / "STATS.json").read_bytes()
    }


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("synth")
    stats = generate(root, SMALL)
    return root, stats


# -- determinism ---------------------------------------------------------


def test_same_config_gives_byte_identical_files(corpus, tmp_path):
    root, _ = corpus
    generate(tmp_path, SMALL)
    first, second = raw_files(root), raw_files(tmp_path)
    assert first.keys() == second.keys()
    assert len(first) == 3 * (3 + 1 + 4 + 4) + 1  # translate en/de/mrg, trees, caption x4, mono x4; STATS
    for name in first:
        assert first[name] == second[name], name


def test_byte_identical_across_processes(corpus, tmp_path):
    """No dependence on str hashing (set order): another interpreter, another hash seed, same bytes."""
    code = "import json, sys; from mtseq.corpora.synth import generate; generate(sys.argv[1], json.loads(sys.argv[2]))"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code, str(tmp_path), json.dumps(SMALL)], check=True, env=env)
    assert raw_files(corpus[0]) == raw_files(tmp_path)


def test_another_seed_gives_other_data(corpus, tmp_path):
    root, _ = corpus
    generate(tmp_path, dict(SMALL, seed=8))
    for name in ("translate.train.en", "trees.train.mrg", "caption.train.npy", "mono.train.de"):
        assert (root / "raw" / name).read_bytes() != (tmp_path / "raw" / name).read_bytes(), name


# -- formats and alignment -----------------------------------------------


def test_line_counts_and_alignment(corpus):
    root, _ = corpus
    lay = Layout(root)
    sizes = SMALL["sizes"]
    for split in SPLITS:
        n = sizes["translate"][split]
        assert len(lines(lay.raw_translate(split, "en"))) == n
        assert len(lines(lay.raw_translate(split, "de"))) == n
        assert len(lines(lay.raw(f"translate.{split}.en.mrg"))) == n
        assert len(lines(lay.raw_trees(split))) == sizes["trees"][split]
        for lang in LANGS:
            assert all(ln.strip() for ln in lines(lay.raw_translate(split, lang)))


def test_caption_features_and_image_ids(corpus):
    root, _ = corpus
    lay = Layout(root)
    per = SMALL["captions_per_scene"]
    for split in SPLITS:
        n_scenes = SMALL["sizes"]["caption"][split]
        x = np.load(lay.caption_features(split))
        assert x.dtype == np.float32 and x.shape == (n_scenes, SMALL["feature_dim"])
        assert np.isfinite(x).all() and x.std() > 0.1
        ids = [int(v) for v in lines(lay.caption_image_ids(split))]
        assert ids == [i for i in range(n_scenes) for _ in range(per)]  # in range, grouped, per scene
        en, de = lines(lay.raw_caption(split, "en")), lines(lay.raw_caption(split, "de"))
        assert len(en) == len(de) == len(ids)
        for scene in range(n_scenes):  # several different captions for one scene
            assert len(set(en[scene * per : (scene + 1) * per])) == per


def test_caption_features_are_the_scene_plus_noise(tmp_path):
    """Same seed, no noise: identical scenes have identical vectors (a fixed function of the scene)."""
    cfg = dict(SMALL, feature_noise=0.0)
    generate(tmp_path, cfg)
    x = np.load(Layout(tmp_path).caption_features("train"))
    generate(tmp_path / "again", cfg)
    assert np.array_equal(x, np.load(Layout(tmp_path / "again").caption_features("train")))
    generate(tmp_path / "noisy", dict(SMALL, feature_noise=0.5))
    diff = np.load(Layout(tmp_path / "noisy").caption_features("train")) - x
    assert 0.4 < float(diff.std()) < 0.6  # Gaussian noise of the configured scale on the same scenes


def test_documents_are_contiguous_and_bounded(corpus):
    root, _ = corpus
    lay = Layout(root)
    low, high = SMALL["sentences_per_doc"]
    for split in SPLITS:
        ids = lines(lay.mono_doc_ids(split, "en"))
        assert ids == lines(lay.mono_doc_ids(split, "de"))
        assert len(ids) == len(lines(lay.raw_mono(split, "en"))) == len(lines(lay.raw_mono(split, "de")))
        blocks = [ids[0]] + [b for a, b in zip(ids, ids[1:], strict=False) if a != b]
        assert blocks == [str(i) for i in range(SMALL["sizes"]["mono"][split])]  # each id once, in order
        for doc in blocks:
            assert low <= ids.count(doc) <= high


# -- trees and tokenisation ----------------------------------------------


def test_trees_parse_and_leaves_match_moses(corpus):
    root, _ = corpus
    lay = Layout(root)
    for split in SPLITS:
        sentences = lines(lay.raw_translate(split, "en"))
        for sentence, line in zip(sentences, lines(lay.raw(f"translate.{split}.en.mrg")), strict=True):
            tree = Tree.fromstring(line)
            assert tree.leaves() == EN_TOK.tokenize(sentence, escape=False), sentence
        for line in lines(lay.raw_trees(split)):
            tree = Tree.fromstring(line)
            assert "-NONE-" not in line
            labels = {t.label() for t in tree.subtrees() if t.height() > 2}
            tags = {tag for _, tag in tree.pos()}
            assert labels <= PTB_LABELS and tags <= PTB_TAGS, line
            assert EN_TOK.tokenize(detokenise(tree.leaves()), escape=False) == tree.leaves()


def test_text_is_detokenised_and_german_tokenises_back(corpus):
    root, _ = corpus
    de = lines(Layout(root).raw_translate("train", "de")) + lines(Layout(root).raw_mono("train", "de"))
    for sentence in de:
        toks = DE_TOK.tokenize(sentence, escape=False)
        assert detokenise(toks) == sentence
        assert sentence[0].isupper() and sentence.endswith(".") and ", ," not in sentence and ",." not in sentence
    assert any(" ," not in s and "," in s for s in de)


# -- split hygiene ---------------------------------------------------------


def english_sentences(root: Path, split: str) -> set[str]:
    lay = Layout(root)
    out = set(lines(lay.raw_translate(split, "en")))
    out |= {detokenise(Tree.fromstring(t).leaves()) for t in lines(lay.raw_trees(split))}
    out |= set(lines(lay.raw_caption(split, "en"))) | set(lines(lay.raw_mono(split, "en")))
    return out


def test_no_evaluation_sentence_in_any_training_file(corpus):
    root, _ = corpus
    train, valid, test = (english_sentences(root, s) for s in SPLITS)
    assert train and valid and test
    assert not (train & valid)
    assert not (train & test)
    assert not (valid & test)


# -- lexicon and stats ------------------------------------------------------


def test_lexicon_has_at_least_300_words():
    assert LEX.lemma_count >= 300
    assert len(LEX.english_forms()) >= 300
    genders = {n.de.gender for n in LEX.nouns}
    assert genders == {"m", "f", "n"}
    assert any(v.de.prt for v in LEX.verbs) and any(v.en.prt for v in LEX.verbs)


def test_stats_file(corpus):
    root, stats = corpus
    on_disk = json.loads((root / "STATS.json").read_text())
    assert on_disk == stats
    for key in ("counts", "lexicon", "vocab", "length", "reorder_fraction", "translate_test_coverage"):
        assert key in stats
    assert stats["counts"]["translate"]["train"]["pairs"] == SMALL["sizes"]["translate"]["train"]
    assert stats["counts"]["caption"]["valid"] == {"scenes": 10, "captions": 30}
    mono_lines = len(lines(Layout(root).raw_mono("test", "en")))
    assert stats["counts"]["mono"]["test"] == {"documents": 8, "sentences": mono_lines}
    assert stats["vocab"]["en"] > 100 and stats["vocab"]["de"] > 100
    assert stats["vocab"]["distinct_words"] >= max(stats["vocab"]["en"], stats["vocab"]["de"])
    en_len = stats["length"]["en"]
    assert en_len["max"] <= 30 and 6 <= en_len["mean"] <= 14
    assert sum(en_len["histogram"]["counts"]) == en_len["n"]
    assert 0.15 < stats["reorder_fraction"]["translate"] < 0.9


def test_default_config_is_calibrated(tmp_path, repo_root):
    """(Its speed is a benchmark's business: `mtseq bench pipeline`.)"""
    cfg = yaml.safe_load((repo_root / "config" / "config.yaml").read_text())["data"]["synth"]
    stats = generate(tmp_path, cfg)
    assert 8 <= stats["length"]["en"]["mean"] <= 12
    assert stats["translate_test_coverage"]["en"] > 0.97  # Zipf: 3,000 pairs cover the test words
    assert stats["phenomena_translate_train"]["subordinate_clause"] > 0.1
    assert stats["phenomena_translate_train"]["particle_verb"] > 0.05


# -- config and CLI ----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"colour": 1}, "data.synth.colour"),
        ({"sentences_per_doc": [4, 2]}, "data.synth.sentences_per_doc"),
        ({"feature_dim": 0}, "data.synth.feature_dim"),
        ({"sizes": {"translate": {"train": 1, "valid": 1, "test": 1}}}, "data.synth.sizes"),
    ],
)
def test_bad_config_is_refused_before_writing(tmp_path, change, key):
    with pytest.raises(ConfigError) as err:
        generate(tmp_path, dict(SMALL, **change))
    assert err.value.key == key
    assert not any(tmp_path.iterdir())


def test_cli_writes_the_corpus(tmp_path, capsys):
    config = tmp_path / "params.yaml"
    config.write_text(yaml.safe_dump({"data": {"synth": SMALL}}))
    out = tmp_path / "data" / "synthetic"
    assert main(["corpus", "synth", "--config", str(config), "--out", str(out)]) == 0
    assert (out / "STATS.json").is_file()
    assert len(lines(Layout(out).raw_translate("test", "de"))) == SMALL["sizes"]["translate"]["test"]
    assert "synth: wrote" in capsys.readouterr().err


def test_cli_validates_the_config_before_writing(tmp_path, capsys):
    config = tmp_path / "params.yaml"
    config.write_text(yaml.safe_dump({"data": {"synth": dict(SMALL, feature_dim=0)}}))
    assert main(["corpus", "synth", "--config", str(config), "--out", str(tmp_path / "out")]) == 2
    assert "data.synth.feature_dim" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# -- German transfer, on hand-built sentences ---------------------------------


def adj(en: str):
    return next(a for a in LEX.adjs if a.en == en)


def noun_np(en: str, det: str = "the", number: str = "sg", adjs: tuple[str, ...] = ()) -> NP:
    return NP("noun", number=number, noun=LEX.noun_by_en[en], det=det, adjs=[adj(a) for a in adjs])


def verb(base: str, kind: str, prt: str = ""):
    return next(v for v in LEX.verbs if v.en.base == base and v.frame.kind == kind and v.en.prt == prt)


def adv(en: str):
    return next(a for a in LEX.advs if a.en == en)


def both(sentence) -> tuple[str, str]:
    pair = render(sentence, LEX.cue_words)
    return pair.en, pair.de


def slept(subj: NP, tense: str = "past", **kw) -> Clause:
    return Clause(subj=subj, vps=[VP(verb("sleep", "intr"))], tense=tense, **kw)


def test_v2_after_fronted_adverb_and_subordinate_clause():
    assert both(slept(noun_np("dog"), front=adv("yesterday"))) == (
        "Yesterday the dog slept.",
        "Gestern schlief der Hund.",
    )
    tired = Clause(noun_np("dog"), [VP(verb("be", "cop"), pred=adj("tired"))], "past", kind="sub", conj="because")
    assert both(slept(noun_np("cat"), front=tired)) == (
        "Because the dog was tired, the cat slept.",
        "Weil der Hund müde war, schlief die Katze.",
    )


def test_verb_final_in_subordinate_clauses():
    saw = Clause(noun_np("dog"), [VP(verb("see", "trans"), acc=noun_np("cat"))], "past", kind="comp", conj="that")
    said = Clause(noun_np("man"), [VP(verb("say", "clause"), comp=saw)], "past")
    assert both(said) == ("The man said that the dog saw the cat.", "Der Mann sagte, dass der Hund die Katze sah.")
    saw.tense = "perfect"
    assert both(said)[1] == "Der Mann sagte, dass der Hund die Katze gesehen hat."
    saw.tense, said.tense = "future", "perfect"
    assert both(said)[1] == "Der Mann hat gesagt, dass der Hund die Katze sehen wird."


def test_separable_particle_goes_to_the_clause_end():
    pick = Clause(noun_np("man"), [VP(verb("pick", "trans", "up"), acc=noun_np("ball"))], "past")
    assert both(pick) == ("The man picked up the ball.", "Der Mann hob den Ball auf.")
    pick.vps[0].shift = True
    assert both(pick) == ("The man picked the ball up.", "Der Mann hob den Ball auf.")
    pick.tense = "future"
    assert both(pick)[1] == "Der Mann wird den Ball aufheben."
    pick.tense = "perfect"
    assert both(pick)[1] == "Der Mann hat den Ball aufgehoben."
    pick.tense, pick.kind, pick.conj = "past", "sub", "because"
    laughed = Clause(noun_np("woman"), [VP(verb("laugh", "intr"), sub=pick)], "past")
    assert both(laughed) == (
        "The woman laughed because the man picked the ball up.",
        "Die Frau lachte, weil der Mann den Ball aufhob.",
    )
    arrive = Clause(noun_np("train"), [VP(verb("arrive", "intr"))], "present")  # separable only in German
    assert both(arrive) == ("The train arrives.", "Der Zug kommt an.")


def test_case_after_prepositions():
    loc = Clause(noun_np("dog"), [VP(verb("sleep", "loc"), comp_pp=PP(LEX.preps["under"], noun_np("table")))], "past")
    assert both(loc) == ("The dog slept under the table.", "Der Hund schlief unter dem Tisch.")
    jump = PP(LEX.preps["under+dir"], noun_np("table"))
    assert both(Clause(noun_np("cat"), [VP(verb("jump", "dir"), comp_pp=jump)], "past"))[1] == (
        "Die Katze sprang unter den Tisch."  # same English preposition, accusative for direction
    )
    with_boy = PP(LEX.preps["with"], noun_np("boy", "a", adjs=("little",)))
    played = Clause(noun_np("girl"), [VP(verb("play", "intr"), adjuncts=[with_boy])], "past")
    assert both(played) == (
        "The girl played with a little boy.",
        "Das Mädchen spielte mit einem kleinen Jungen.",  # dative: einem, weak noun Jungen
    )
    for place, de in (("village", "aus dem Dorf"), ("market", "vom Markt")):
        girl = noun_np("girl")
        girl.pp = PP(LEX.preps["from"], noun_np(place))
        assert de in both(slept(girl))[1]
    garden = PP(None, noun_np("garden"), role="loc", en_word="in")
    station = PP(None, noun_np("station"), role="dir", en_word="to")
    went = Clause(noun_np("dog"), [VP(verb("go", "dir"), comp_pp=station, adjuncts=[garden])], "past")
    assert both(went) == ("The dog went to the station in the garden.", "Der Hund ging im Garten zum Bahnhof.")


def test_relative_pronouns_agree_and_take_the_case_of_the_gap():
    man = noun_np("man")
    man.entity = entity_for(man.noun, "sg")
    man.rel = Clause(
        noun_np("dog"), [VP(verb("help", "trans"), gap="acc")], "past", "rel", gap="acc", rel_word="that", head=man
    )
    assert both(slept(man)) == ("The man that the dog helped slept.", "Der Mann, dem der Hund half, schlief.")
    cat = noun_np("cat")
    cat.rel = Clause(
        None, [VP(verb("see", "trans"), acc=noun_np("dog"))], "past", "rel", gap="subj", rel_word="which", head=cat
    )
    assert both(slept(cat)) == ("The cat which saw the dog slept.", "Die Katze, die den Hund sah, schlief.")


def test_pronouns_follow_german_grammatical_gender():
    def pron(en: str) -> NP:
        return NP("pron", entity=entity_for(LEX.noun_by_en[en], "sg"))

    assert both(slept(pron("girl"))) == ("She slept.", "Es schlief.")  # das Mädchen
    assert both(slept(pron("cat"))) == ("It slept.", "Sie schlief.")  # die Katze
    assert both(slept(pron("dog"))) == ("It slept.", "Er schlief.")  # der Hund
    table = entity_for(LEX.noun_by_en["table"], "sg")
    saw = Clause(noun_np("man"), [VP(verb("see", "trans"), acc=NP("pron", entity=table))], "past")
    assert both(saw) == ("The man saw it.", "Der Mann sah ihn.")
    anna = next(n for n in LEX.names if n.en == "Anna")
    owner = Entity(None, anna, "sg", "f", "f", anna.tags)
    girl = entity_for(LEX.noun_by_en["girl"], "sg")
    for who, de_det in ((owner, "ihren"), (girl, "seinen")):
        dog = noun_np("dog", "poss")
        dog.poss = who
        fed = Clause(noun_np("woman"), [VP(verb("feed", "trans"), acc=dog)], "past")
        assert both(fed) == ("The woman fed her dog.", f"Die Frau fütterte {de_det} Hund.")


def test_adjective_declension_and_ditransitive_order():
    gave = Clause(
        noun_np("man", adjs=("big",)),
        [VP(verb("give", "ditr"), dat=noun_np("child", adjs=("small",)), acc=noun_np("ball", "a", adjs=("red",)))],
        "past",
    )
    assert both(gave) == (
        "The big man gave the small child a red ball.",
        "Der große Mann gab dem kleinen Kind einen roten Ball.",
    )
    gave.vps[0].to_dative = True
    gave.vps[0].acc = NP("pron", entity=entity_for(LEX.noun_by_en["ball"], "sg"))
    assert both(gave) == ("The big man gave it to the small child.", "Der große Mann gab ihn dem kleinen Kind.")
    strong = Clause(noun_np("dog", "bare", "pl", adjs=("tired",)), [VP(verb("sleep", "intr"))], "present")
    assert both(strong)[1] == "Müde Hunde schlafen."


def test_context_decides_the_translation():
    def put(thing: str) -> str:
        pp = PP(put_preposition("on"), noun_np("table"))
        return both(Clause(noun_np("man"), [VP(verb("put", "put"), acc=noun_np(thing), comp_pp=pp)], "past"))[1]

    assert put("book") == "Der Mann legte das Buch auf den Tisch."
    assert put("bottle") == "Der Mann stellte die Flasche auf den Tisch."
    assert put("cat") == "Der Mann setzte die Katze auf den Tisch."

    def sat_at_bank(subj: str) -> str:
        pp = PP(None, noun_np("bank"), role="loc", en_word="at")
        return both(Clause(noun_np(subj), [VP(verb("sit", "loc"), comp_pp=pp)], "past"))[1]

    assert sat_at_bank("woman") == "Die Frau saß in der Bank."
    assert sat_at_bank("fisherman") == "Der Fischer saß am Ufer."  # river context: Ufer

    def ate(subj: str) -> str:
        return both(Clause(noun_np(subj), [VP(verb("eat", "trans"), acc=noun_np("meat"))], "past"))[1]

    assert ate("man") == "Der Mann aß das Fleisch."
    assert ate("dog") == "Der Hund fraß das Fleisch."
    knew = Clause(noun_np("man"), [VP(verb("know", "trans"), acc=noun_np("woman"))], "past")
    assert both(knew)[1] == "Der Mann kannte die Frau."
    that = slept(noun_np("dog"), kind="comp", conj="that")
    assert both(Clause(noun_np("man"), [VP(verb("know", "clause"), comp=that)], "past"))[1] == (
        "Der Mann wusste, dass der Hund schlief."
    )
    when_past = slept(noun_np("dog"), kind="sub", conj="when")
    when_now = slept(noun_np("dog"), "present", kind="sub", conj="when")
    assert both(Clause(noun_np("cat"), [VP(verb("laugh", "intr"), sub=when_past)], "past"))[1].endswith(
        "als der Hund schlief."
    )
    assert both(Clause(noun_np("cat"), [VP(verb("laugh", "intr"), sub=when_now)], "present"))[1].endswith(
        "wenn der Hund schläft."
    )


def test_reordering_measure():
    assert not beyond_adjacent_swaps([0, 1, 2, 3])
    assert not beyond_adjacent_swaps([1, 0, 3, 2])
    assert beyond_adjacent_swaps([2, 0, 1])
    assert beyond_adjacent_swaps([0, 3, 1, 2])
    assert not render(slept(noun_np("dog")), LEX.cue_words).reordered
    pick = Clause(noun_np("man"), [VP(verb("pick", "trans", "up"), acc=noun_np("ball"))], "past")
    assert render(pick, LEX.cue_words).reordered  # hob ... auf: the particle moves past the object
