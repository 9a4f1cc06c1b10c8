"""What a person sees of a training: status lines at growing intervals, and logs without a bar's transcript."""

from __future__ import annotations

import logging
import os

import pytest
import yaml

from mtseq import progress as progress_module
from mtseq.bench.fixture import build_corpus, tiny_config
from mtseq.cli import main
from mtseq.errors import ConfigError
from mtseq.progress import Progress, clock, status_writer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_status_lines_come_at_growing_intervals_with_done_total_speed_and_eta(caplog):
    t, lines = FakeClock(), []
    log = logging.getLogger("test.progress")
    report = Progress("one_to_many/parse1/seed2", log=log, status=lines.append, clock=t, first=10, longest=40)
    report.start(total=1000, ref_done=0, tokens=0)
    assert lines == ["mtseq: train one_to_many/parse1/seed2: started, 1000 reference updates"]
    with caplog.at_level(logging.INFO, logger="test.progress"):
        for second, ref in [(5, 50), (10, 100), (25, 250), (30, 300), (69, 690), (70, 700), (110, 1000)]:
            t.now = 100.0 + second
            report.tick(ref, ref * 2, ref * 40)
    # due at 10 s, then 20 s later (30 s), then 40 s later (70 s), then every 40 s (the longest gap here)
    assert lines[1:] == [
        "mtseq: train one_to_many/parse1/seed2: 100/1000 ref updates (10%), 400 tok/s, ETA 1:30",
        "mtseq: train one_to_many/parse1/seed2: 300/1000 ref updates (30%), 400 tok/s, ETA 1:10",
        "mtseq: train one_to_many/parse1/seed2: 700/1000 ref updates (70%), 400 tok/s, ETA 0:30",
        "mtseq: train one_to_many/parse1/seed2: 1000/1000 ref updates (100%), 364 tok/s, ETA 0:00",
    ]
    assert [r.getMessage() for r in caplog.records][0] == (
        "progress 100/1000 ref updates (10%), 400 tok/s, ETA 1:30, 200 updates in all"
    )
    report.finish(1000, 40000)
    assert lines[-1] == "mtseq: train one_to_many/parse1/seed2: done, 1000/1000 ref updates in 1:50 (364 tok/s)"


def test_a_resumed_run_says_where_it_resumed_and_times_from_there():
    t, lines = FakeClock(), []
    report = Progress("x", status=lines.append, clock=t, first=10)
    report.start(total=100, ref_done=60, tokens=6000)
    t.now += 10
    report.tick(70, 80, 7000)
    assert lines == [
        "mtseq: train x: resumed at 60/100 reference updates",
        "mtseq: train x: 70/100 ref updates (70%), 100 tok/s, ETA 0:30",
    ]
    report = Progress("x", status=lines.append, clock=t)
    report.start(total=100, ref_done=100, tokens=9000)  # its outputs were removed: rewritten from the checkpoint
    report.finish(100, 9000)
    assert lines[-2:] == [
        "mtseq: train x: resumed at 100/100 reference updates",
        "mtseq: train x: done, 100/100 ref updates (none left to train)",
    ]


def test_clock_format():
    assert [clock(s) for s in (0, 42, 725, 3723, -3)] == ["0:00", "0:42", "12:05", "1:02:03", "0:00"]


def test_status_writer_refuses_a_closed_descriptor_and_survives_a_gone_reader():
    read, write = os.pipe()
    os.close(write)
    with pytest.raises(ConfigError, match=r"config key '--status-fd': file descriptor \d+ is not open"):
        status_writer(write)
    read, write = os.pipe()
    say = status_writer(write)
    say("one")
    assert os.read(read, 100) == b"one\n"
    os.close(read)  # the terminal went away: EPIPE, ignored from then on
    say("two")
    say("three")
    os.close(write)


def test_train_in_a_log_file_has_progress_lines_not_a_bar_and_the_status_fds_get_the_summaries(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(progress_module, "FIRST_LINE_S", 0.001)  # a line early, then at doubling gaps
    data = build_corpus(tmp_path / "corpus", n_train=32, n_valid=6)
    config = tmp_path / "cfg.yaml"
    config.write_text(yaml.safe_dump(tiny_config(train={"updates": 30, "checkpoint_every": 10})))
    run = tmp_path / "run"
    read, write = os.pipe()
    argv = ["train", "--config", str(config), "--setting", "one_to_many", "--reference", "translate_en_de"]
    argv += ["--seed", "1", "--data", str(data), "--out", str(run)]  # the baseline: its test set scores quickly
    assert main([*argv, "--status-fd", str(write)]) == 0  # stderr is not a terminal here, as in a rule's log
    os.close(write)
    with os.fdopen(read) as fh:
        status = fh.read().splitlines()
    assert status[0] == "mtseq: train one_to_many/baseline/seed1: started, 30 reference updates"
    assert any(" ref updates (" in line and " tok/s, ETA " in line for line in status[1:-1])
    assert status[-1].startswith("mtseq: train one_to_many/baseline/seed1: done, 30/30 ref updates in ")
    err = capsys.readouterr().err
    assert "\r" not in err and "it/s" not in err  # no tqdm transcript in the log
    assert " progress " in err and "ref updates" in err
    assert " progress " in (run / "train.log").read_text()

    read, write = os.pipe()
    evaluate = ["evaluate", "--run", str(run), "--config", str(config), "--data", str(data)]
    assert main([*evaluate, "--status-fd", str(write)]) == 0
    os.close(write)
    with os.fdopen(read) as fh:
        said = fh.read().splitlines()
    assert len(said) == 1  # one line, the reference task's test scores
    assert said[0].startswith("mtseq: evaluate one_to_many/baseline/seed1: translate_en_de test bleu=")

    assert main(["train", *argv[1:], "--status-fd", "97"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "mtseq: error: config key '--status-fd': file descriptor 97 is not open (the rule opens it with 97>&2)"
    )
