"""The pure parts of benchmarks/peers/peers.py: reading OpenNMT-py's logs, the timed windows, the tables.

Why: a misparsed log line or an off-by-one window would make the mtseq / OpenNMT-py ratio wrong
without any error; the benchmark itself needs OpenNMT-py's venv and minutes, so it is not run here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from mtseq.errors import MtseqError

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "peers" / "peers.py"
_spec = importlib.util.spec_from_file_location("peers", _PATH)
peers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peers)

# OpenNMT-py 3.5.1's report line (onmt/utils/statistics.py, Statistics.output) under its logger's format
LOG = """\
[2026-11-30 23:00:00,000 INFO] Starting training on CPU, could be very slow
[2026-11-30 23:00:01,000 INFO] Step  2/   12; acc: 1.1; ppl: 9950.7; xent: 9.2; lr: 0.00100; sents:     128; \
bsz:  704/ 800/64;  52/ 60 tok/s;     27 sec;
[2026-11-30 23:00:02,500 INFO] Step 4/   12; acc: 3.0; ppl: 5000.0; xent: 8.5; lr: 0.00100; sents:     128; \
bsz:   13/  14/64; 1200/1300 tok/s;      2 sec;
[2026-11-30 23:00:03,000 INFO] Step 6/   12; acc: 4.0; ppl: 900.0; xent: 6.8; lr: 0.00100; sents:     128; \
bsz:   13/  14/64; 1250/2000 tok/s;      3 sec;
[2026-11-30 23:00:04,000 INFO] Saving checkpoint model_step_6.pt
"""


def test_parse_onmt_train_log_reads_every_report():
    r = peers.parse_onmt_train_log(LOG)
    assert sorted(r) == [2, 4, 6]
    assert r[4]["src_tok_s"] == 1200 and r[4]["tgt_tok_s"] == 1300
    assert r[4]["time"] - r[2]["time"] == pytest.approx(1.5)


def test_onmt_window_weights_each_rate_by_its_interval():
    w = peers.onmt_window(peers.parse_onmt_train_log(LOG), warmup=2, updates=4)
    # steps 3-4: 1300 tok/s for 1.5 s; steps 5-6: 2000 tok/s for 0.5 s
    assert w["seconds"] == pytest.approx(2.0)
    assert w["tokens"] == pytest.approx(1300 * 1.5 + 2000 * 0.5)
    assert w["tgt_tok_s"] == pytest.approx((1950 + 1000) / 2.0)


def test_onmt_window_needs_reports_at_both_ends():
    with pytest.raises(MtseqError, match="no report at step 3"):
        peers.onmt_window(peers.parse_onmt_train_log(LOG), warmup=3, updates=3)


def test_mtseq_window_counts_updates_after_warmup():
    timing = {"start": [0.0, 1.0, 1.5, 2.5, 3.0, 9.0], "tgt_tokens": [100, 10, 20, 30, 40, 50]}
    w = peers.mtseq_window(timing, warmup=1, updates=3)  # updates 2-4: from start of 2 to start of 5
    assert w == {"tokens": 60, "seconds": 2.0, "tgt_tok_s": 30.0}
    with pytest.raises(MtseqError, match="needs 7"):
        peers.mtseq_window(timing, warmup=3, updates=3)


def test_report_every_lands_on_both_ends():
    assert peers.report_every(50, 300) == 50
    assert peers.report_every(2, 10) == 2
    assert peers.report_every(7, 300) == 1
    with pytest.raises(MtseqError):
        peers.report_every(0, 300)


def test_parse_onmt_translate_seconds():
    text = "[2026-11-30 23:00:00,000 INFO] Total translation time (s): 12.3\nAverage translation time (ms): 12.3\n"
    assert peers.parse_onmt_translate_seconds(text) == 12.3
    with pytest.raises(MtseqError, match="report_time"):
        peers.parse_onmt_translate_seconds("nothing here")


def test_tables_give_ratios_and_medians():
    rows = [
        {"round": i, "attention": "no", "mtseq": m, "onmt": o, "mtseq_rss": 500.0, "onmt_rss": 600.0}
        for i, (m, o) in enumerate([(3300, 3000), (3600, 3000), (3000, 3000)], 1)
    ]
    table = peers.train_table(rows).splitlines()
    assert "| 1 | no | 3 300 | 3 000 | 1.100 | 500 / 600 MB |" in table
    assert table[-1].startswith("| median | no | 3 300 | 3 000 | **1.100** |")
    dec = [
        {"round": 1, "attention": "yes", "decoder": "beam 5", "mtseq": 30.0, "onmt": 20.0}
        | {"mtseq_len": 12.0, "onmt_len": 13.0}
    ]
    table = peers.decode_table(dec).splitlines()
    assert "| 1 | yes | beam 5 | 30.0 | 20.0 | 1.500 | 12.0 / 13.0 |" in table
    assert "**1.500**" in table[-1]


def test_missing_data_is_one_clear_error(tmp_path):
    with pytest.raises(MtseqError, match="Multi30k not found"):
        peers.prepare(tmp_path, tmp_path / "work", 10000, tmp_path, {})
