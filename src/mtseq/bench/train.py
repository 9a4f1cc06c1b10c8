"""How fast the trainer runs, and how much of its time is not model arithmetic.

Two measurements on the same batch shapes:

* the real loop (``Trainer``: task draws, batch building, per-update
  seeding, checkpoints, progress bar), timed as wall clock against the
  time inside forward + backward + clip + optimizer step;
* a bare ``nn.LSTM`` encoder-decoder loop over pre-built padded batches,
  with the same optimizer: the ceiling for this model size on this machine.

Validation is switched off in both (it is evaluation, not training overhead).
Also reported: the share of padded positions in the batches the trainer ran
(against unbucketed random batches), the peak RSS of this process and,
on request, of a child ``mtseq train`` run of the same config.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from torch import nn

from mtseq.bench.memory import run_child, self_peak_rss_mb
from mtseq.bench.padding import padding_report
from mtseq.bench.results import fmt, markdown_table, pct
from mtseq.config import fill_section
from mtseq.errors import MtseqError
from mtseq.layout import Layout
from mtseq.model import build_model
from mtseq.tasks import get_task
from mtseq.train.batches import epoch_plan, make_batch
from mtseq.train.checkpoint import CheckpointDir
from mtseq.train.examples import Ragged, TaskData, load_task, load_vocabs
from mtseq.train.mixing import Mixer
from mtseq.train.run import resolve_device
from mtseq.train.trainer import Trainer


def synthetic_data(task: str, n: int, vocab: int, seed: int, lengths=(8, 30), feature_dim: int = 64) -> TaskData:
    """Random token sequences with sentence-like lengths (the target about as long as the source)."""
    rng = np.random.default_rng(seed)
    t = get_task(task)
    src_len = rng.integers(lengths[0], lengths[1] + 1, size=n)
    tgt_len = np.clip(src_len + rng.integers(-3, 4, size=n), 1, None)
    tgt = Ragged.from_lists([rng.integers(4, vocab, size=k).tolist() for k in tgt_len])
    if t.source == "img":
        feats = rng.normal(size=(n, feature_dim)).astype(np.float32)
        return TaskData(t, tgt, features=feats, image=np.arange(n))
    return TaskData(t, tgt, source=Ragged.from_lists([rng.integers(4, vocab, size=k).tolist() for k in src_len]))


class BareSeq2Seq(nn.Module):
    """The ceiling: embeddings, two nn.LSTMs and a softmax layer on padded batches, nothing else."""

    def __init__(self, vocab: int, embed: int, hidden: int, layers: int, dropout: float, tgt_vocab: int | None = None):
        super().__init__()
        drop = dropout if layers > 1 else 0.0
        tgt_vocab = tgt_vocab or vocab
        self.src_emb, self.tgt_emb = nn.Embedding(vocab, embed), nn.Embedding(tgt_vocab, embed)
        self.enc = nn.LSTM(embed, hidden, layers, batch_first=True, dropout=drop)
        self.dec = nn.LSTM(embed, hidden, layers, batch_first=True, dropout=drop)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, tgt_vocab)

    def forward(self, src, tgt_in, tgt_out):
        _, state = self.enc(self.drop(self.src_emb(src)))
        out, _ = self.dec(self.drop(self.tgt_emb(tgt_in)), state)
        logits = self.out(self.drop(out))
        return nn.functional.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=0, reduction="sum")


def _peak_gb(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None


def _reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def _bare_loop(
    cfg: dict,
    vocab: int,
    batches: list,
    device: torch.device,
    lr: float,
    clip: float,
    bf16: bool = False,
    optimizer: str = "sgd",
) -> dict:
    """The ceiling, with the trainer's optimizer and precision (bf16 autocast on a GPU when the trainer uses it)."""
    torch.manual_seed(0)
    _reset_peak(device)
    model = BareSeq2Seq(vocab, cfg["embed"], cfg["hidden"], cfg["layers"], cfg["dropout"]).to(device)
    opt_class = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    opt = opt_class(model.parameters(), lr=lr, fused=True)  # the trainer's optimizer
    batches = [tuple(t.to(device) for t in b[:3]) + (b[3],) for b in batches]
    tokens = 0
    start, cpu0 = time.perf_counter(), time.process_time()
    autocast = bf16 and device.type == "cuda"
    for src, tgt_in, tgt_out, n_tokens in batches:
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
            loss = model(src, tgt_in, tgt_out) / src.size(0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        tokens += n_tokens
    if device.type == "cuda":
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "tokens_per_cpu_s": tokens / cpu,
        "updates": len(batches),
        "tokens": tokens,
        "tokens_per_s": tokens / wall,
        "precision": "bf16 autocast" if autocast else "fp32",
        "peak_mem_gb": _peak_gb(device),
    }


def _padded(batch) -> tuple:
    """A trainer batch as the bare loop's padded (src, tgt_in, tgt_out) tensors."""
    b, width = batch.tgt_in.shape
    tgt_out = torch.zeros(b * width, dtype=torch.long)
    tgt_out[batch.tgt_index] = batch.tgt_out
    return batch.src, batch.tgt_in, tgt_out.view(b, width), batch.src_tokens + batch.tgt_tokens


def bench_train(
    config: dict,
    data: str | Path | None = None,
    reference: str = "translate_en_de",
    ratios: dict[str, float] | None = None,
    updates: int = 200,
    vocab: int = 2000,
    examples: int = 3000,
    seed: int = 1,
    progress: bool = True,
    rss_updates: int = 0,
) -> dict:
    """Train ``updates`` reference updates with the config's model and report throughput and overhead.

    ``rss_updates`` > 0 also runs ``mtseq train`` on ``data`` in a child process for that many
    reference updates (validation and checkpoints as configured; -1: the config's own number,
    a full default run) and reports its wall time and peak RSS.
    """
    if rss_updates and not data:
        raise MtseqError("the peak-RSS run of `mtseq train` needs a corpus: give --data")
    ratios = {t: r for t, r in (ratios or {}).items() if r > 0}
    tasks = [reference, *sorted(ratios)]
    mcfg = fill_section("model", config.get("model"))
    tcfg = fill_section("train", {**config.get("train", {}), "updates": updates})
    torch.set_num_threads(tcfg["threads"])
    device = resolve_device(tcfg["device"])
    if data:
        layout = Layout(data)
        vocabs = load_vocabs(layout, [m for t in tasks for m in (get_task(t).source, get_task(t).target)])
        train = {t: load_task(layout, t, "train", vocabs, tcfg["max_len"]) for t in tasks}
        sizes = {k: len(v) for k, v in vocabs.items()}
    else:
        train = {t: synthetic_data(t, examples, vocab, seed + i) for i, t in enumerate(tasks)}
        sizes = {m: vocab for t in tasks for m in (get_task(t).source, get_task(t).target) if m != "img"}
    feature_dim = next((int(d.features.shape[1]) for d in train.values() if d.features is not None), None)
    torch.manual_seed(seed)
    _reset_peak(device)
    model = build_model(mcfg, tasks, sizes, feature_dim, seed).to(device)
    mixer = Mixer(reference, ratios, {t: len(d) for t, d in train.items()}, tcfg["mixing"], seed, updates)
    with tempfile.TemporaryDirectory(prefix="mtseq-bench-") as tmp:
        ckpts = CheckpointDir(Path(tmp) / "checkpoints", keep=tcfg["keep_checkpoints"])
        trainer = Trainer(model, train, {}, mixer, tcfg, seed, device, ckpts, progress=progress, validate=False)
        cpu0 = time.process_time()
        trainer.run()
        cpu = time.process_time() - cpu0
    t, n_updates = trainer.time, trainer.update
    padding = padding_report(train, trainer.counts, tcfg["batch_size"], seed)
    ours = {
        "wall_s": t["wall"],
        "compute_s": t["compute"],
        "checkpoint_s": t["checkpoint"],
        "updates": n_updates,
        "tokens": t["tokens"],
        "tokens_per_s": t["tokens"] / t["wall"],
        "cpu_s": cpu,
        "tokens_per_cpu_s": t["tokens"] / cpu,
        "overhead_share": 1.0 - t["compute"] / t["wall"],
        "tokens_per_s_excl_checkpoints": t["tokens"] / max(t["wall"] - t["checkpoint"], 1e-9),
        "precision": "bf16 autocast" if tcfg["bf16"] and device.type == "cuda" else "fp32",
        "peak_mem_gb": _peak_gb(device),
    }
    del trainer, model
    # the ceiling: the reference task's batches, padded, in the same order and number
    ref = train[reference]
    plan = [
        idx
        for e in range(-(-n_updates // len(epoch_plan(ref, tcfg["batch_size"], seed, 0))))
        for idx in epoch_plan(ref, tcfg["batch_size"], seed, e)
    ][:n_updates]
    bare_vocab = sizes[get_task(reference).target] if get_task(reference).source == "img" else max(sizes.values())
    bare = None
    if get_task(reference).source != "img":
        bare = _bare_loop(
            mcfg,
            bare_vocab,
            [_padded(make_batch(ref, idx)) for idx in plan],
            device,
            tcfg["lr"],
            tcfg["clip_norm"],
            bf16=tcfg["bf16"],
            optimizer=tcfg["optimizer"],
        )
    child = train_rss(config, data, reference, ratios, rss_updates, seed) if rss_updates else None
    return {
        "device": str(device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "model": {k: mcfg[k] for k in ("layers", "hidden", "embed", "dropout", "attention")},
        "optimizer": tcfg["optimizer"],
        "batch_size": tcfg["batch_size"],
        "vocab": sizes,
        "tasks": tasks,
        "data": str(data) if data else f"synthetic: {examples} examples/task, lengths 8-30, vocab {vocab}",
        "ours": ours,
        "bare": bare,
        "ratio": ours["tokens_per_s"] / bare["tokens_per_s"] if bare else None,
        # this process's CPU time: what other jobs on a shared machine disturb least
        "ratio_cpu": ours["tokens_per_cpu_s"] / bare["tokens_per_cpu_s"] if bare and device.type == "cpu" else None,
        "padding": padding,
        "peak_rss_mb": self_peak_rss_mb(),
        "train_run": child,
    }


def train_rss(
    config: dict, data: str | Path, reference: str, ratios: dict[str, float], updates: int, seed: int
) -> dict:
    """A real ``mtseq train`` of ``updates`` reference updates (< 0: as configured) in a child process.

    Returns its wall time, peak RSS and the number of reference updates it ran.
    """
    cfg = config
    if updates > 0:
        cfg = {**config, "train": {**config.get("train", {}), "updates": int(updates)}}
    with tempfile.TemporaryDirectory(prefix="mtseq-bench-rss-") as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
        # the setting only checks which task mixes are allowed; many_to_many allows them all
        cmd = [sys.executable, "-m", "mtseq.cli", "train", "--config", str(path), "--setting", "many_to_many"]
        cmd += ["--reference", reference, "--seed", str(seed), "--data", str(data), "--out", f"{tmp}/run"]
        cmd += [f"--ratios={t}={r}" for t, r in sorted(ratios.items())] + ["--no-progress"]
        run = run_child(cmd)
        summary = json.loads((Path(tmp) / "run" / "train.json").read_text(encoding="utf-8"))
    n = summary.get("reference_updates", updates)
    return {
        "updates": n,
        "full_run": updates < 0,
        "wall_s": run.wall_s,
        "cpu_s": run.cpu_s,
        "peak_rss_mb": run.peak_rss_mb,
    }


def format_report(r: dict) -> str:
    o, b = r["ours"], r["bare"]
    lines = [
        f"device {r['device']} ({r['threads']} threads), torch {r['torch']}, model {r['model']}, "
        f"{r.get('optimizer', 'sgd')}, batch {r['batch_size']}, vocab {r['vocab']}",
        f"data: {r['data']}; tasks {r['tasks']}",
        f"trainer: {o['updates']} updates in {o['wall_s']:.2f} s: {o['tokens_per_s']:.0f} source+target tokens/s, "
        f"{o['updates'] / o['wall_s']:.2f} updates/s",
        f"  time outside forward/backward/step: {100 * o['overhead_share']:.1f}% "
        f"(checkpoints {100 * o['checkpoint_s'] / o['wall_s']:.1f}%); {o['precision']}"
        + (f", peak GPU memory {o['peak_mem_gb']:.2f} GiB" if o["peak_mem_gb"] is not None else ""),
    ]
    if b:
        lines.append(
            f"bare nn.LSTM loop: {b['updates']} updates in {b['wall_s']:.2f} s: {b['tokens_per_s']:.0f} tokens/s"
        )
        if b["peak_mem_gb"] is not None:
            lines.append(f"  {b['precision']}, peak GPU memory {b['peak_mem_gb']:.2f} GiB")
        lines.append(f"  trainer / bare throughput: {r['ratio']:.3f}")
        if r.get("ratio_cpu"):
            lines.append(
                f"  by this process's CPU time: {r['ratio_cpu']:.3f} ({o['tokens_per_cpu_s']:.0f} vs "
                f"{b['tokens_per_cpu_s']:.0f} tokens per CPU second)"
            )
    if r.get("padding"):
        for name, p in r["padding"].items():
            lines.append(
                f"padding, {name} batches ({p['batches']}): source {pct(p['source'])}, target {pct(p['target'])}, "
                f"all {pct(p['all'])}"
            )
    if r.get("peak_rss_mb"):
        lines.append(f"peak RSS of this process: {r['peak_rss_mb']:.0f} MB")
    if r.get("train_run"):
        c = r["train_run"]
        lines.append(
            f"mtseq train ({c['updates']} reference updates): {c['wall_s']:.1f} s, peak RSS {c['peak_rss_mb']:.0f} MB"
        )
    return "\n".join(lines)


TABLE_HEADER = [
    "data",
    "threads",
    "tasks",
    "updates",
    "trainer tokens/s",
    "overhead share",
    "bare tokens/s",
    "trainer / bare (wall)",
    "trainer / bare (CPU time)",
    "padding bucketed (src / tgt)",
    "padding random (src / tgt)",
    "peak RSS bench / mtseq train",
]


def table_row(r: dict) -> list[str]:
    """One row of the Markdown table of ``mtseq bench train``."""
    o, b, p = r["ours"], r["bare"], r["padding"]
    data = "in-memory" if r["data"].startswith("synthetic:") else r["data"]
    child = r.get("train_run")
    rss = f"{r['peak_rss_mb']:.0f} MB / " + (
        f"{child['peak_rss_mb']:.0f} MB ({'full run, ' if child.get('full_run') else ''}{child['updates']} upd.)"
        if child
        else "not run"
    )
    return [
        data,
        r["threads"],
        " + ".join(r["tasks"]),
        o["updates"],
        fmt(o["tokens_per_s"]),
        f"**{pct(o['overhead_share'])}**",
        fmt(b["tokens_per_s"]) if b else "n/a",
        f"{r['ratio']:.3f}" if r["ratio"] else "n/a",
        f"**{r['ratio_cpu']:.3f}**" if r["ratio_cpu"] else "n/a",
        f"{pct(p['bucketed']['source'])} / {pct(p['bucketed']['target'])}",
        f"{pct(p['random']['source'])} / {pct(p['random']['target'])}",
        rss,
    ]


def to_markdown(r: dict) -> str:
    return markdown_table(TABLE_HEADER, [table_row(r)])
