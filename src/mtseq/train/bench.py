"""How fast the trainer runs, and how much of its time is not model arithmetic.

Two measurements on the same batch shapes:

* the real loop (``Trainer``: task draws, batch building, per-update
  seeding, checkpoints, progress bar), timed as wall clock against the
  time inside forward + backward + clip + optimizer step;
* a bare ``nn.LSTM`` encoder-decoder loop over pre-built padded batches,
  the ceiling for this model size on this machine.

Validation is switched off in both (it is evaluation, not training overhead).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mtseq.layout import Layout
from mtseq.model import build_model, model_config
from mtseq.tasks import get_task
from mtseq.train.batches import epoch_plan, make_batch
from mtseq.train.checkpoint import CheckpointDir
from mtseq.train.defaults import train_config
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

    def __init__(self, vocab: int, embed: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        drop = dropout if layers > 1 else 0.0
        self.src_emb, self.tgt_emb = nn.Embedding(vocab, embed), nn.Embedding(vocab, embed)
        self.enc = nn.LSTM(embed, hidden, layers, batch_first=True, dropout=drop)
        self.dec = nn.LSTM(embed, hidden, layers, batch_first=True, dropout=drop)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, vocab)

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
    cfg: dict, vocab: int, batches: list, device: torch.device, lr: float, clip: float, bf16: bool = False
) -> dict:
    """The ceiling, in the same precision as the trainer (bf16 autocast on a GPU when the trainer uses it)."""
    torch.manual_seed(0)
    _reset_peak(device)
    model = BareSeq2Seq(vocab, cfg["embed"], cfg["hidden"], cfg["layers"], cfg["dropout"]).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    batches = [tuple(t.to(device) for t in b[:3]) + (b[3],) for b in batches]
    tokens = 0
    start = time.perf_counter()
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
    wall = time.perf_counter() - start
    return {
        "wall_s": wall,
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
) -> dict:
    """Train ``updates`` reference updates with the config's model and report throughput and overhead."""
    ratios = {t: r for t, r in (ratios or {}).items() if r > 0}
    tasks = [reference, *sorted(ratios)]
    mcfg = model_config(config.get("model"))
    tcfg = train_config({**config.get("train", {}), "updates": updates})
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
    model = build_model(mcfg, tasks, sizes, feature_dim).to(device)
    mixer = Mixer(reference, ratios, {t: len(d) for t, d in train.items()}, tcfg["mixing"], seed, updates)
    with tempfile.TemporaryDirectory(prefix="mtseq-bench-") as tmp:
        ckpts = CheckpointDir(Path(tmp) / "checkpoints", keep=tcfg["keep_checkpoints"])
        trainer = Trainer(model, train, {}, mixer, tcfg, seed, device, ckpts, progress=progress, validate=False)
        trainer.run()
    t, n_updates = trainer.time, trainer.update
    ours = {
        "wall_s": t["wall"],
        "compute_s": t["compute"],
        "checkpoint_s": t["checkpoint"],
        "updates": n_updates,
        "tokens": t["tokens"],
        "tokens_per_s": t["tokens"] / t["wall"],
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
        )
    return {
        "device": str(device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "model": {k: mcfg[k] for k in ("layers", "hidden", "embed", "dropout", "attention")},
        "batch_size": tcfg["batch_size"],
        "vocab": sizes,
        "tasks": tasks,
        "data": str(data) if data else f"synthetic: {examples} examples/task, lengths 8-30, vocab {vocab}",
        "ours": ours,
        "bare": bare,
        "ratio": ours["tokens_per_s"] / bare["tokens_per_s"] if bare else None,
    }


def format_report(r: dict) -> str:
    o, b = r["ours"], r["bare"]
    lines = [
        f"device {r['device']} ({r['threads']} threads), torch {r['torch']}, model {r['model']}, "
        f"batch {r['batch_size']}, vocab {r['vocab']}",
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
    return "\n".join(lines)
