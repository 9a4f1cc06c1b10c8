"""mtseq against OpenNMT-py 3.5.1, side by side on one machine (issue 17, item 1).

Why: a figure for mtseq alone says nothing about whether it is fast; the same workload run by a
widely used toolkit, interleaved on the same machine (A B A B ..., so that drifting load hits both
alike), does. Run through ``benchmarks/peers/run.sh``, which makes OpenNMT-py's venv first.

Workload (issue 17): Multi30k EN->DE, Moses-tokenised once by ``mtseq tokenise`` and given to both
tools as the same files; vocabularies of ``--vocab`` entries each side (specials included on both
sides; OpenNMT-py ``vocab_size_multiple 1``); a 2-layer LSTM
encoder and decoder, 256 units, embeddings 256, dropout 0.2; batches of 64 sentences; Adam at
1e-3; gradient norm clipped at 5; training pairs longer than 50 tokens skipped; ``--threads``
intra-op threads (OMP_NUM_THREADS for both; OpenNMT-py's data loader in-process,
``num_workers 0``, as mtseq's). Without attention (OpenNMT-py ``global_attention none``,
``input_feed 0``) and with (mtseq ``attention: true``, Luong "general" scores on the LSTM
outputs, no input feeding; OpenNMT-py ``global_attention general``, ``input_feed
--onmt-input-feed``, 1 by default as the issue states: input feeding makes OpenNMT-py's decoder
bigger and stepwise, so the attention row is not the same arithmetic on both sides; run with
``--onmt-input-feed 0`` for that).

Target tokens (the throughput's unit), the same on both sides: the target positions the loss is
computed on, that is each target sentence's words plus its </s>, no <s>, no padding. mtseq's
trainer counts them per batch (``Batch.tgt_tokens``: ``len(tgt_index)``); OpenNMT-py's
``Statistics.n_words`` counts the non-padding positions of the shifted target (words + </s>),
and its report line prints ``n_words / t`` as the second "tok/s" figure. Padding is not
counted, so each tool's batching is part of what is compared: OpenNMT-py sorts its whole
bucket (262,144 examples by default, all of Multi30k) by length, so its batches of 64 hold
sentences of (nearly) one target length, with next to no padding (in the smoke run every
target "bsz" figure of its 2-step reports was a multiple of 32); mtseq sorts within pools of
50 batches.

Timing: ``--updates`` updates after ``--warmup``, both from in-run clocks. mtseq: the start time
of every update, recorded by a hook in the real ``mtseq train`` (mtseq_side.py); the window runs
from the start of update warmup+1 to the start of update warmup+updates+1. OpenNMT-py: its
training report lines, every gcd(warmup, updates) steps, each stamped by its logger to the
millisecond; the window runs from the report after step ``warmup`` to the one after step
``warmup + updates``, and its target tokens are the sum over the reports in between of
"target tok/s" x the time since the previous report. Peak RSS: each training process's own
(``mtseq.bench.memory.run_child``).

Decoding: the first ``--decode-sentences`` test sentences, greedy and beam 5 (length
normalisation by length, mtseq ``power`` with alpha 1 = OpenNMT-py ``-length_penalty avg``),
batches of 64 sentences, at most 80 output tokens, with the models each tool trained in that
round. Sentences/s over the decoding loop, model loading excluded: mtseq's ``translate`` timed in
process; OpenNMT-py's ``-report_time`` total (printed to 0.1 s, so small smoke runs are coarse).
Output tokens per sentence are shown beside them: the models differ, and a model that stops
later decodes more steps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import math
import os
import re
import shlex
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

from mtseq.bench.memory import run_child
from mtseq.bench.results import append_results, cpu_model, fmt, machine, markdown_table, section
from mtseq.errors import MtseqError

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SPLITS = {"train": "train", "valid": "val", "test": "test_2016_flickr"}  # mtseq split -> Multi30k file name
ONMT_VERSION = "3.5.1"

# ---------------------------------------------------------------------------------------------
# pure parts (tests/unit/test_peers.py)

_STEP = re.compile(
    r"^\[(?P<stamp>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO\] Step\s+(?P<step>\d+)(?:/\s*\d+)?;"
    r".*?;\s*(?P<src>[\d.]+)/\s*(?P<tgt>[\d.]+) tok/s;\s*(?P<sec>[\d.]+) sec"
)
_TRANSLATE_TIME = re.compile(r"Total translation time \(s\):\s*([\d.]+)")


def parse_onmt_train_log(text: str) -> dict[int, dict]:
    """OpenNMT-py's training report lines by step: log time (s since epoch), source and target tok/s."""
    reports = {}
    for line in text.splitlines():
        m = _STEP.match(line.strip())
        if m:
            stamp = dt.datetime.strptime(m["stamp"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            reports[int(m["step"])] = {"time": stamp, "src_tok_s": float(m["src"]), "tgt_tok_s": float(m["tgt"])}
    return reports


def onmt_window(reports: dict[int, dict], warmup: int, updates: int) -> dict:
    """Target tokens and seconds of steps warmup+1 .. warmup+updates, from the report lines.

    Each report's rate covers the steps since the previous report, so its tokens are that rate
    times the time between the two lines.
    """
    first, last = warmup, warmup + updates
    steps = sorted(s for s in reports if first <= s <= last)
    if not steps or steps[0] != first or steps[-1] != last:
        raise MtseqError(
            f"OpenNMT-py's log has no report at step {first} or {last} (reports at {sorted(reports)[:8]}...)"
        )
    tokens = sum(reports[b]["tgt_tok_s"] * (reports[b]["time"] - reports[a]["time"]) for a, b in zip(steps, steps[1:]))
    seconds = reports[last]["time"] - reports[first]["time"]
    if seconds <= 0:
        raise MtseqError(f"OpenNMT-py's reports at steps {first} and {last} carry the same time")
    return {"tokens": tokens, "seconds": seconds, "tgt_tok_s": tokens / seconds}


def mtseq_window(timing: dict, warmup: int, updates: int) -> dict:
    """Target tokens and seconds of updates warmup+1 .. warmup+updates, from mtseq_side.py's stamps."""
    start, tgt = timing["start"], timing["tgt_tokens"]
    if len(start) < warmup + updates + 1:
        raise MtseqError(f"mtseq ran {len(start)} updates, the window needs {warmup + updates + 1}")
    seconds = start[warmup + updates] - start[warmup]
    tokens = sum(tgt[warmup : warmup + updates])
    return {"tokens": tokens, "seconds": seconds, "tgt_tok_s": tokens / seconds}


def parse_onmt_translate_seconds(text: str) -> float:
    """The total of ``onmt_translate -report_time`` (s)."""
    m = _TRANSLATE_TIME.search(text)
    if not m:
        raise MtseqError("onmt_translate printed no 'Total translation time' line (was -report_time given?)")
    return float(m.group(1))


def report_every(warmup: int, updates: int) -> int:
    """OpenNMT-py's report interval: one that lands on both ends of the window."""
    if warmup < 1 or updates < 1:
        raise MtseqError(f"--warmup and --updates must be >= 1, got {warmup} and {updates}")
    return math.gcd(warmup, updates)


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def train_table(rows: list[dict]) -> str:
    """Per round and attention: target tokens/s each side, the ratio, peak RSS; then the medians."""
    out = []
    for r in rows:
        out.append(
            [
                r["round"],
                r["attention"],
                fmt(r["mtseq"]),
                fmt(r["onmt"]),
                f"{ratio(r['mtseq'], r['onmt']):.3f}",
                f"{r['mtseq_rss']:.0f} / {r['onmt_rss']:.0f} MB",
            ]
        )
    for att in dict.fromkeys(r["attention"] for r in rows):
        sel = [r for r in rows if r["attention"] == att]
        med = statistics.median(ratio(r["mtseq"], r["onmt"]) for r in sel)
        out.append(
            [
                "median",
                att,
                fmt(statistics.median(r["mtseq"] for r in sel)),
                fmt(statistics.median(r["onmt"] for r in sel)),
                f"**{med:.3f}**",
                "",
            ]
        )
    header = ["round", "attention", "mtseq tgt tok/s", "OpenNMT-py tgt tok/s", "mtseq / OpenNMT-py", "peak RSS"]
    return markdown_table(header, out)


def decode_table(rows: list[dict]) -> str:
    """Per round, attention and decoder: sentences/s each side, the ratio, output tokens/sentence."""
    out = []
    for r in rows:
        out.append(
            [
                r["round"],
                r["attention"],
                r["decoder"],
                fmt(r["mtseq"], ",.1f"),
                fmt(r["onmt"], ",.1f"),
                f"{ratio(r['mtseq'], r['onmt']):.3f}",
                f"{r['mtseq_len']:.1f} / {r['onmt_len']:.1f}",
            ]
        )
    for key in dict.fromkeys((r["attention"], r["decoder"]) for r in rows):
        sel = [r for r in rows if (r["attention"], r["decoder"]) == key]
        med = statistics.median(ratio(r["mtseq"], r["onmt"]) for r in sel)
        out.append(["median", *key, "", "", f"**{med:.3f}**", ""])
    header = [
        "round",
        "attention",
        "decoder",
        "mtseq sent/s",
        "OpenNMT-py sent/s",
        "mtseq / OpenNMT-py",
        "out tok/sent",
    ]
    return markdown_table(header, out)


# ---------------------------------------------------------------------------------------------
# data


def prepare(data: Path, work: Path, vocab_size: int, onmt_bin: Path, env: dict) -> Path:
    """Multi30k as an mtseq corpus root (raw/, tok/, vocab/) and OpenNMT-py's vocabularies; once."""
    src = data / "multi30k"
    missing = [
        f"{f}.{lang}.gz" for f in SPLITS.values() for lang in ("en", "de") if not (src / f"{f}.{lang}.gz").is_file()
    ]
    if missing:
        raise MtseqError(
            f"Multi30k not found: {src} lacks {', '.join(missing)} (give --data the shared data folder, "
            "see ../shared/data/README.md)"
        )
    corpus = work / f"corpus-v{vocab_size}"
    done = corpus / ".done"
    if done.is_file():
        return corpus
    from mtseq.layout import Layout
    from mtseq.text.tokenise import tokenise_files
    from mtseq.text.vocab import Vocab

    layout = Layout(corpus)
    for split, name in SPLITS.items():
        raws = [layout.raw_translate(split, lang) for lang in ("en", "de")]
        for raw, lang in zip(raws, ("en", "de")):
            raw.parent.mkdir(parents=True, exist_ok=True)
            with gzip.open(src / f"{name}.{lang}.gz", "rt", encoding="utf-8") as fh:
                raw.write_text(fh.read(), encoding="utf-8")
        layout.tok(raws[0]).parent.mkdir(parents=True, exist_ok=True)
        tokenise_files(raws, ["en", "de"], [layout.tok(r) for r in raws])  # checks each split's alignment
    layout.vocab("en").parent.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "de"):
        lines = layout.tok(layout.raw_translate("train", lang)).read_text(encoding="utf-8").splitlines()
        Vocab.build(lines, max_size=vocab_size, min_count=1).save(layout.vocab(lang))
    onmt = corpus / "onmt"
    onmt.mkdir(exist_ok=True)
    cfg = onmt_config(corpus, onmt / "vocab", vocab_size, attention=False, input_feed=0, steps=1, every=1)
    path = onmt / "build_vocab.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    run_child([onmt_bin / "onmt_build_vocab", "-config", path, "-n_sample", "-1"], env=env)
    done.write_text("", encoding="utf-8")
    return corpus


# ---------------------------------------------------------------------------------------------
# the two tools


def mtseq_config(attention: bool, steps: int, threads: int) -> dict:
    return {
        "model": {"layers": 2, "hidden": 256, "embed": 256, "dropout": 0.2, "attention": attention},
        "train": {
            "updates": steps,
            "batch_size": 64,
            "max_len": 50,
            "optimizer": "adam",
            "lr": 0.001,
            "lr_halving": {"start": 10**6, "cycle": 1},  # no decay inside the window
            "clip_norm": 5.0,
            "checkpoint_every": 10**6,  # only the final one, after the window
            "device": "cpu",
            "threads": threads,
        },
    }


def onmt_config(corpus: Path, out: Path, vocab_size: int, attention: bool, input_feed: int, steps: int, every: int):
    tok = corpus / "tok"
    vocab = corpus / "onmt" / "vocab"
    return {
        "save_data": str(out),
        "src_vocab": f"{vocab}.en",
        "tgt_vocab": f"{vocab}.de",
        "src_vocab_size": vocab_size,  # <unk> <blank> <s> </s> included, as in mtseq's
        "tgt_vocab_size": vocab_size,
        "vocab_size_multiple": 1,
        "data": {
            "corpus_1": {
                "path_src": str(tok / "translate.train.en"),
                "path_tgt": str(tok / "translate.train.de"),
                "transforms": ["filtertoolong"],
            }
        },
        "src_seq_length": 50,
        "tgt_seq_length": 50,
        "save_model": str(out / "model"),
        "save_checkpoint_steps": 10**6,
        "train_steps": steps,
        "valid_steps": 10**6,
        "report_every": every,
        "encoder_type": "rnn",
        "decoder_type": "rnn",
        "rnn_type": "LSTM",
        "layers": 2,
        "hidden_size": 256,
        "word_vec_size": 256,
        "dropout": [0.2],
        "global_attention": "general" if attention else "none",
        "input_feed": input_feed if attention else 0,
        "param_init": 0.06,
        "optim": "adam",
        "learning_rate": 0.001,
        "max_grad_norm": 5,
        "batch_size": 64,
        "batch_type": "sents",
        "normalization": "sents",
        "num_workers": 0,
        "world_size": 1,
        "seed": 1,
    }


def train_mtseq(a, corpus: Path, run: Path, attention: bool, env: dict) -> dict:
    run.mkdir(parents=True, exist_ok=True)
    # a run of an earlier measurement in the same --work would be resumed (as finished: 0 updates)
    shutil.rmtree(run / "run", ignore_errors=True)
    cfg = run / "config.yaml"
    steps = a.warmup + a.updates + 1  # the window ends at the start of the next update
    cfg.write_text(yaml.safe_dump(mtseq_config(attention, steps, a.threads), sort_keys=False), encoding="utf-8")
    timing = run / "timing.json"
    cmd = [sys.executable, HERE / "mtseq_side.py", "train", timing, "--", "--config", cfg, "--setting", "many_to_many"]
    cmd += ["--reference", "translate_en_de", "--seed", "1", "--data", corpus, "--out", run / "run", "--no-progress"]
    child = run_child(cmd, env=env)
    w = mtseq_window(json.loads(timing.read_text(encoding="utf-8")), a.warmup, a.updates)
    return {**w, "rss": child.peak_rss_mb, "model": run / "run"}


def train_onmt(a, corpus: Path, out: Path, attention: bool, env: dict) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    steps = a.warmup + a.updates
    cfg = onmt_config(corpus, out, a.vocab, attention, a.onmt_input_feed, steps, report_every(a.warmup, a.updates))
    path = out / "train.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    child = run_child([a.venv / "bin" / "onmt_train", "-config", path], env=env)
    # the report lines go to the console only (not to -log_file)
    (out / "train.log").write_text(child.output, encoding="utf-8")
    w = onmt_window(parse_onmt_train_log(child.output), a.warmup, a.updates)
    model = out / f"model_step_{steps}.pt"
    if not model.is_file():
        raise MtseqError(f"onmt_train wrote no {model.name} in {out}")
    return {**w, "rss": child.peak_rss_mb, "model": model}


def decode_mtseq(a, corpus: Path, run: Path, beam: int, out: Path, env: dict) -> dict:
    res = out.with_suffix(".json")
    cmd = [sys.executable, HERE / "mtseq_side.py", "decode", run, corpus, a.decode_sentences, beam, 64, 80, a.threads]
    run_child([*cmd, res], env=env)
    r = json.loads(res.read_text(encoding="utf-8"))
    return {"sent_s": r["sentences"] / r["seconds"], "len": r["output_tokens"] / r["sentences"]}


def decode_onmt(a, src: Path, model: Path, beam: int, out: Path, env: dict) -> dict:
    cmd = [a.venv / "bin" / "onmt_translate", "-model", model, "-src", src, "-output", out, "-beam_size", beam]
    cmd += ["-batch_size", 64, "-batch_type", "sents", "-max_length", 80, "-length_penalty", "avg", "-report_time"]
    # OpenNMT-py 3.5.1 checkpoints hold an argparse.Namespace, which torch >= 2.6 refuses to unpickle
    # by default; this one was written by the run before (trusted)
    child = run_child(cmd, env={**env, "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"})
    seconds = parse_onmt_translate_seconds(child.output)
    hyps = out.read_text(encoding="utf-8").splitlines()
    if seconds <= 0:
        raise MtseqError(f"onmt_translate reported {seconds} s for {len(hyps)} sentences: decode more sentences")
    return {"sent_s": len(hyps) / seconds, "len": sum(len(h.split()) for h in hyps) / max(len(hyps), 1)}


def bench_train_figure(a, env: dict) -> str:
    """This machine's ``mtseq bench train`` figures (2 threads), to scale the ones above by."""
    if a.bench_train_updates <= 0:
        return (
            "`mtseq bench train` on this machine: not run; run `mtseq bench train --updates 200 --threads 2` "
            "and add its bare-loop figure here."
        )
    with tempfile.TemporaryDirectory(prefix="mtseq-peers-") as tmp:
        cmd = [sys.executable, "-m", "mtseq.cli", "bench", "train", "--updates", a.bench_train_updates]
        run_child([*cmd, "--threads", a.threads, "--json", f"{tmp}/b.json"], cwd=REPO, env=env)
        r = json.loads(Path(f"{tmp}/b.json").read_text(encoding="utf-8"))
    return (
        f"`mtseq bench train --updates {a.bench_train_updates} --threads {a.threads}` on this machine: trainer "
        f"{fmt(r['ours']['tokens_per_s'])}, bare loop {fmt(r['bare']['tokens_per_s'])} source+target tokens/s."
    )


# ---------------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    # run.sh's default too: outside the repository, reused across runs
    xdg = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    cache = Path(os.environ.get("MTSEQ_PEERS_CACHE", xdg / "mtseq-peers"))
    p = argparse.ArgumentParser(prog="benchmarks/peers/run.sh", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="the shared data folder (holds multi30k/)")
    p.add_argument("--work", type=Path, default=cache / "work", help="prepared data, models, logs")
    p.add_argument("--venv", type=Path, default=cache / "venv", help="OpenNMT-py's venv (run.sh makes it)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=50, help="updates before the timed window")
    p.add_argument("--updates", type=int, default=300, help="timed updates")
    p.add_argument("--decode-sentences", type=int, default=1000, help="test sentences decoded (0: no decoding)")
    p.add_argument("--attention", default="no,yes", help="comma list of no | yes")
    p.add_argument("--onmt-input-feed", type=int, default=1, choices=(0, 1), help="OpenNMT-py's with attention")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--vocab", type=int, default=10000, help="vocabulary entries per language, specials included")
    p.add_argument("--record", action="store_true", help="append the tables to --results")
    p.add_argument("--results", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    p.add_argument("--bench-train-updates", type=int, default=200, help="with --record; 0: leave a placeholder")
    a = p.parse_args(argv)
    a.attention = [x.strip() for x in a.attention.split(",") if x.strip()]
    if not a.attention or set(a.attention) - {"no", "yes"}:
        p.error(f"--attention: a comma list of no | yes, got {','.join(a.attention)!r}")
    if a.rounds < 1 or a.decode_sentences < 0:
        p.error("--rounds must be >= 1 and --decode-sentences >= 0")
    report_every(a.warmup, a.updates)
    return a


def main(argv=None) -> int:
    a = parse_args(argv)
    command = "benchmarks/peers/run.sh " + shlex.join(sys.argv[1:] if argv is None else argv)
    info = machine()  # load average before the run
    env = {**os.environ, "OMP_NUM_THREADS": str(a.threads), "MKL_NUM_THREADS": str(a.threads)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")]))
    onmt_bin = a.venv / "bin"
    if not (onmt_bin / "onmt_train").is_file():
        raise MtseqError(f"no OpenNMT-py in {a.venv}: run benchmarks/peers/setup_venv.sh {a.venv} (run.sh does)")
    corpus = prepare(a.data, a.work, a.vocab, onmt_bin, env)
    test_src = a.work / f"test-{a.decode_sentences}.en"
    lines = (corpus / "tok" / "translate.test.en").read_text(encoding="utf-8").splitlines()[: a.decode_sentences]
    test_src.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    train_rows, decode_rows = [], []
    for rnd in range(1, a.rounds + 1):
        for att in a.attention:
            tag = f"r{rnd}-att{att}"
            m = train_mtseq(a, corpus, a.work / "mtseq" / tag, att == "yes", env)
            o = train_onmt(a, corpus, a.work / "onmt" / tag, att == "yes", env)
            row = {"round": rnd, "attention": att, "mtseq": m["tgt_tok_s"], "onmt": o["tgt_tok_s"]}
            train_rows.append({**row, "mtseq_rss": m["rss"], "onmt_rss": o["rss"]})
            print(f"round {rnd}, attention {att}: train {row['mtseq']:.0f} vs {row['onmt']:.0f} tgt tok/s", flush=True)
            if not a.decode_sentences:
                continue
            for decoder, beam in (("greedy", 1), ("beam 5", 5)):
                out = a.work / "decode" / f"{tag}-beam{beam}"
                out.parent.mkdir(parents=True, exist_ok=True)
                md = decode_mtseq(a, corpus, m["model"], beam, out.with_name(out.name + "-mtseq"), env)
                od = decode_onmt(a, test_src, o["model"], beam, out.with_name(out.name + "-onmt.txt"), env)
                decode_rows.append(
                    {"round": rnd, "attention": att, "decoder": decoder, "mtseq": md["sent_s"], "onmt": od["sent_s"]}
                    | {"mtseq_len": md["len"], "onmt_len": od["len"]}
                )
                print(f"  {decoder}: {md['sent_s']:.1f} vs {od['sent_s']:.1f} sent/s", flush=True)
    tables = [
        f"Training: target tokens/s over {a.updates} updates after {a.warmup} (mtseq vs OpenNMT-py {ONMT_VERSION}, "
        f"{a.threads} threads, interleaved, {a.rounds} rounds)",
        "",
        train_table(train_rows),
    ]
    if decode_rows:
        tables += ["", f"Decoding: sentences/s on {a.decode_sentences} test sentences", "", decode_table(decode_rows)]
    text = "\n".join(tables)
    print("\n" + text)
    if a.record:
        notes = [
            f"CPU: {cpu_model()}. Definitions and settings: benchmarks/peers/peers.py. OpenNMT-py with attention: "
            f"input_feed {a.onmt_input_feed} (mtseq has none).",
            bench_train_figure(a, env),
        ]
        title = "mtseq vs OpenNMT-py (benchmarks/peers)"
        append_results(a.results, section(title, command, text, info, "\n\n".join(notes)))
        print(f"appended to {a.results}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except MtseqError as err:
        print(f"peers: error: {err}", file=sys.stderr)
        sys.exit(2)
