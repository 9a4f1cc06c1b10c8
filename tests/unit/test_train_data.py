"""Reading tasks into arrays, padding, length-bucketed epochs, and the bench harness."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.bench.train import bench_train, format_report, synthetic_data
from mtseq.errors import MtseqError
from mtseq.layout import Layout
from mtseq.tasks import get_task
from mtseq.text.vocab import BOS_ID, EOS_ID, PAD_ID
from mtseq.train.batches import BatchIterator, epoch_plan, eval_batches, make_batch
from mtseq.train.examples import Ragged, TaskData, load_task, load_vocabs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("data"), n_train=120, n_valid=20)


def _vocabs(corpus):
    return load_vocabs(Layout(corpus), ["en", "de", "lin"])


def test_make_batch_pads_and_marks_targets():
    task = get_task("translate_en_de")
    data = TaskData(task, Ragged.from_lists([[7, 8, 9], [5]]), source=Ragged.from_lists([[4, 5], [6, 7, 8, 9]]))
    b = make_batch(data, np.array([0, 1]))
    assert b.src.tolist() == [[4, 5, PAD_ID, PAD_ID], [6, 7, 8, 9]] and b.src_len.tolist() == [2, 4]
    assert b.tgt_in.tolist() == [[BOS_ID, 7, 8, 9], [BOS_ID, 5, PAD_ID, PAD_ID]]
    assert b.tgt_out.tolist() == [7, 8, 9, EOS_ID, 5, EOS_ID]
    assert b.tgt_index.tolist() == [0, 1, 2, 3, 4, 5]
    assert (b.size, b.src_tokens, b.tgt_tokens) == (2, 6, 6)


def test_epochs_cover_every_example_once_with_little_padding():
    data = synthetic_data("translate_en_de", 1000, 50, seed=0)
    plan = epoch_plan(data, 32, seed=1, epoch=0)
    seen = np.concatenate(plan)
    assert len(plan) == 32 and sorted(seen.tolist()) == list(range(1000))
    lengths = data.source_length
    padding = sum(len(idx) * lengths[idx].max() - lengths[idx].sum() for idx in plan) / lengths.sum()
    assert padding < 0.05
    again = epoch_plan(data, 32, seed=1, epoch=0)
    assert all(np.array_equal(a, b) for a, b in zip(plan, again))
    other = epoch_plan(data, 32, seed=1, epoch=1)
    assert not all(np.array_equal(a, b) for a, b in zip(plan, other))


def test_iterator_resumes_from_its_position():
    data = synthetic_data("translate_en_de", 100, 30, seed=0)
    straight = BatchIterator(data, 16, seed=3)
    run = [straight.next_indices().tolist() for _ in range(20)]  # crosses two epoch boundaries
    first = BatchIterator(data, 16, seed=3)
    head = [first.next_indices().tolist() for _ in range(9)]
    resumed = BatchIterator(data, 16, seed=3)
    resumed.seek(first.position)
    assert head + [resumed.next_indices().tolist() for _ in range(11)] == run
    assert straight.batches_per_epoch == 7 and straight.position == (2, 6)


def test_load_task_kinds(corpus):
    layout, vocabs = Layout(corpus), _vocabs(corpus)
    ae = load_task(layout, "autoencode_en", "train", vocabs)
    assert all(ae.source.get(i) == ae.target.get(i) for i in range(len(ae)))
    halves = load_task(layout, "skipthought_halves_en", "train", vocabs)
    whole = ae.source.get(0)
    assert halves.source.get(0) + halves.target.get(0) == whole
    assert halves.source.get(0) == whole[: len(whole) // 2]
    st = load_task(layout, "skipthought_en", "train", vocabs)
    docs = layout.mono_doc_ids("train", "en").read_text().split()
    n_pairs = sum(docs[i] == docs[i + 1] for i in range(len(docs) - 1))
    assert len(st) == n_pairs < len(ae)
    cap = load_task(layout, "caption_de", "valid", vocabs)
    assert cap.source is None and cap.features.shape[1] == 12 and len(cap.image) == len(cap)
    assert len(list(eval_batches(cap, 7))) == -(-len(cap) // 7)


def test_bad_inputs_name_file_and_line(corpus, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(corpus, bad)
    layout, vocabs = Layout(bad), _vocabs(corpus)
    ids = layout.caption_image_ids("train")
    lines = ids.read_text().splitlines()
    lines[4] = "999"
    ids.write_text("\n".join(lines) + "\n")
    with pytest.raises(MtseqError, match=r"caption.train.img:5: image id 999 outside"):
        load_task(layout, "caption_en", "train", vocabs)
    lines[4] = "x1"
    ids.write_text("\n".join(lines) + "\n")
    with pytest.raises(MtseqError, match=r"caption.train.img:5: expected an integer"):
        load_task(layout, "caption_en", "train", vocabs)
    de = layout.tok(layout.raw_translate("train", "de"))
    de.write_text("\n".join(de.read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(MtseqError, match="differ in line count"):
        load_task(layout, "translate_en_de", "train", vocabs)


def test_bench_harness_reports_overhead():
    cfg = tiny_config(train={"checkpoint_every": 3})
    result = bench_train(cfg, updates=6, vocab=50, examples=200, progress=False)
    ours = result["ours"]
    assert ours["updates"] == 6 and 0 <= ours["overhead_share"] < 1 and ours["compute_s"] <= ours["wall_s"]
    assert result["bare"]["updates"] == 6 and result["bare"]["tokens"] == ours["tokens"]
    assert "outside forward/backward/step" in format_report(result) and "trainer / bare" in format_report(result)
