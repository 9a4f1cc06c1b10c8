"""BLEU/chrF as sacrebleu's command line computes them; multi-reference captions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU
from sacremoses import MosesTokenizer

from mtseq.errors import MtseqError
from mtseq.evaluate import textmetrics
from mtseq.evaluate.textmetrics import (
    References,
    detokenize,
    group_references,
    read_references,
    task_references,
    text_scores,
)

SACREBLEU = Path(sys.executable).with_name("sacrebleu")

REFS_DE = [
    "Der Hund läuft über die Straße, weil er Hunger hat.",
    'Es ist die "beste" Lösung, sagte sie.',
    "Wir haben 3,5 Millionen Euro ausgegeben.",
    "Das Haus des Nachbarn ist rot.",
    "Heute regnet es nicht.",
]
HYPS_DE = [
    "Der Hund läuft auf die Straße, weil er hungrig ist.",
    "Es ist die beste Lösung, sagt sie.",
    "Wir haben 3,5 Millionen Euro ausgegeben.",
    "Das Haus vom Nachbarn ist rot.",
    "Heute regnet es.",
]


def tokenise(lines, lang):
    tok = MosesTokenizer(lang=lang)
    return [tok.tokenize(line, return_str=True) for line in lines]


def cli_bleu(ref: Path, hyp: Path, *extra: str) -> str:
    cmd = [str(SACREBLEU), str(ref), "-i", str(hyp), "-m", "bleu", "-b", *extra]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def test_bleu_equals_sacrebleu_command_line(tmp_path):
    hyps, refs = tokenise(HYPS_DE, "de"), tokenise(REFS_DE, "de")
    assert any("&quot;" in r for r in refs)  # Moses escapes; detokenising must undo it
    scores = text_scores(hyps, [[r] for r in refs], "de")
    (tmp_path / "hyp.txt").write_text("\n".join(detokenize(hyps, "de")) + "\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("\n".join(detokenize(refs, "de")) + "\n", encoding="utf-8")
    assert detokenize(refs, "de") == REFS_DE
    assert cli_bleu(tmp_path / "ref.txt", tmp_path / "hyp.txt") == f"{scores['bleu']:.1f}"
    assert cli_bleu(tmp_path / "ref.txt", tmp_path / "hyp.txt", "-w", "4") == f"{scores['bleu']:.4f}"
    assert scores["bleu_signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")
    assert "nc:6" in scores["chrf_signature"]
    assert 0 < scores["bleu"] < 100 and 0 < scores["chrf"] < 100


def test_tokenised_bleu_is_multibleu_style():
    hyps, refs = tokenise(HYPS_DE, "de"), tokenise(REFS_DE, "de")
    scores = text_scores(hyps, [[r] for r in refs], "de")
    expected = BLEU(tokenize="none", smooth_method="none", force=True).corpus_score(hyps, [refs]).score
    assert scores["bleu_tok"] == pytest.approx(expected)
    lower = text_scores([h.lower() for h in hyps], [[r] for r in refs], "de")
    assert lower["bleu_tok"] < scores["bleu_tok"]  # case-sensitive
    assert "tok:none" in scores["bleu_tok_signature"]


def test_caption_references_grouped_by_image(tmp_path):
    captions = ["a dog runs .", "a cat sleeps .", "the dog is running .", "a sleeping cat .", "a brown dog runs ."]
    image_ids = [7, 2, 7, 2, 7]
    ids, refs = group_references(captions, image_ids)
    assert ids == [2, 7]
    assert refs == [
        ["a cat sleeps .", "a sleeping cat ."],
        ["a dog runs .", "the dog is running .", "a brown dog runs ."],
    ]
    hyps = ["a sleeping cat .", "the dog is running ."]
    multi = text_scores(hyps, refs, "en")
    assert multi["bleu"] == pytest.approx(100.0)  # each hypothesis equals one of its references
    assert multi["bleu_signature"].startswith("nrefs:var")
    single = text_scores(hyps, [[r[0]] for r in refs], "en")
    assert single["bleu"] < multi["bleu"]
    # the same through files, as the aggregation reads them
    (tmp_path / "cap.en").write_text("\n".join(captions) + "\n")
    (tmp_path / "cap.img").write_text("\n".join(map(str, image_ids)) + "\n")
    assert read_references(tmp_path / "cap.en", tmp_path / "cap.img") == refs


def test_task_references_follow_the_layout(tmp_path):
    (tmp_path / "tok").mkdir()
    (tmp_path / "tok" / "translate.test.de").write_text("eins .\nzwei .\n")
    assert task_references("translate_en_de", tmp_path, "test") == [["eins ."], ["zwei ."]]
    with pytest.raises(MtseqError, match="translate.test.en"):
        task_references("translate_de_en", tmp_path, "test")


def test_mismatched_inputs_are_refused():
    with pytest.raises(MtseqError, match="2 hypotheses but 1 reference"):
        text_scores(["a", "b"], [["a"]], "en")
    with pytest.raises(MtseqError, match="no reference"):
        text_scores(["a"], [[]], "en")


def test_prepared_references_score_every_hypothesis_set_alike(monkeypatch):
    """Beam and greedy output are scored against references detokenised once, with the same numbers."""
    hyps, refs = tokenise(HYPS_DE, "de"), [[r] for r in tokenise(REFS_DE, "de")]
    greedy = hyps[::-1]
    expected = text_scores(hyps, refs, "de"), text_scores(greedy, refs, "de")
    calls = []
    real = textmetrics.detokenize
    monkeypatch.setattr(textmetrics, "detokenize", lambda lines, lang: calls.append(len(lines)) or real(lines, lang))
    prepared = References(refs, "de")
    assert (prepared.scores(hyps), prepared.scores(greedy)) == expected
    assert calls.count(1) == len(refs)  # each one-reference set once, at preparation
    with pytest.raises(MtseqError, match="4 hypotheses but 5 reference sets"):
        prepared.scores(hyps[:4])
