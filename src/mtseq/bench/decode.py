"""Decoding speed: mtseq's batched beam search and greedy path against a bare nn.LSTM greedy loop.

All run in one process on the same sentences with the same weights (the bare model is a copy
of the mtseq model's embeddings, LSTMs and softmax layer), the same batches of similar length
and the same stopping rule (a batch ends when every sentence has emitted </s>, or at
``max_len``), so the ratio of sentences/s is the cost of mtseq's machinery. The bare loop's
source tensors are pre-built (reversed, one per group of equal length, as mtseq's CPU encoder
runs them), so its greedy outputs are mtseq's; the agreement is reported as a check.

The model is trained briefly first (``train_updates``), so that it emits </s> at plausible
lengths: an untrained model decodes every sentence to ``max_len``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from mtseq.bench.memory import self_peak_rss_mb
from mtseq.bench.results import fmt, markdown_table, pct
from mtseq.bench.train import BareSeq2Seq
from mtseq.config import fill_section
from mtseq.decode.beam import beam_search, make_sources, translate
from mtseq.errors import MtseqError
from mtseq.layout import Layout
from mtseq.model import MultiTaskModel, build_model
from mtseq.tasks import get_task
from mtseq.text.vocab import BOS_ID, EOS_ID, PAD_ID
from mtseq.train.examples import Ragged, TaskData, load_task, load_vocabs
from mtseq.train.mixing import Mixer
from mtseq.train.run import resolve_device
from mtseq.train.trainer import Trainer


def mapped_data(task: str, n: int, vocab: int, seed: int, lengths=(8, 30)) -> TaskData:
    """Random sources whose targets are a fixed word-by-word mapping: learnable, unlike random pairs."""
    rng = np.random.default_rng(seed)
    mapping = np.random.default_rng(0).permutation(vocab - 4) + 4  # the same "dictionary" for every draw
    src = [rng.integers(4, vocab, size=k) for k in rng.integers(lengths[0], lengths[1] + 1, size=n)]
    return TaskData(
        get_task(task),
        Ragged.from_lists([mapping[s - 4].tolist() for s in src]),
        source=Ragged.from_lists([s.tolist() for s in src]),
    )


def bare_copy(model: MultiTaskModel, task: str) -> BareSeq2Seq:
    """A bare model holding ``model``'s weights for ``task`` (text source, no attention)."""
    c = model.cfg
    enc, dec = model.encoder_for(task), model.decoder_for(task)
    v_src, v_tgt = enc.embedding.num_embeddings, dec.embedding.num_embeddings
    bare = BareSeq2Seq(v_src, c["embed"], c["hidden"], c["layers"], c["dropout"], tgt_vocab=v_tgt)
    bare.src_emb.load_state_dict(enc.embedding.state_dict())
    bare.enc.load_state_dict(enc.lstm.state_dict())
    bare.tgt_emb.load_state_dict(dec.embedding.state_dict())
    bare.dec.load_state_dict(dec.lstm.state_dict())
    bare.out.load_state_dict(dec.out.state_dict())
    return bare.to(next(model.parameters()).device).eval()


def _order(sources: list[list[int]]) -> np.ndarray:
    """Longest first, as ``translate`` batches them."""
    return np.argsort([-len(s) for s in sources], kind="stable")


def bare_batches(sources: list[list[int]], batch_size: int, reverse: bool, device) -> list[tuple]:
    """Per batch: its input positions and its source groups of equal length, [b, S] each (no padding).

    Sources sorted longest first make every group a contiguous run of the batch's rows.
    """
    order = _order(sources)
    out = []
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        seqs = [sources[i][::-1] if reverse else sources[i] for i in chunk]
        groups, begin = [], 0
        for end in range(1, len(seqs) + 1):
            if end == len(seqs) or len(seqs[end]) != len(seqs[begin]):
                groups.append(torch.tensor(seqs[begin:end], dtype=torch.long, device=device))
                begin = end
        out.append((chunk, groups))
    return out


@torch.no_grad()
def bare_greedy(model: BareSeq2Seq, batches: list, n: int, max_len: int) -> list[list[int]]:
    """Greedy decoding with nothing but the modules: argmax of the logits at each step."""
    results: list[list[int]] = [[] for _ in range(n)]
    for chunk, groups in batches:
        states = [model.enc(model.src_emb(src))[1] for src in groups]
        state = (torch.cat([h for h, _ in states], dim=1), torch.cat([c for _, c in states], dim=1))
        b, device = len(chunk), state[0].device
        tokens = torch.full((b,), BOS_ID, dtype=torch.long, device=device)
        finished = torch.zeros(b, dtype=torch.bool, device=device)
        steps = []
        for _ in range(max_len):
            out, state = model.dec(model.tgt_emb(tokens[:, None]), state)
            logits = model.out(out[:, 0])
            logits[:, PAD_ID] = float("-inf")
            logits[:, BOS_ID] = float("-inf")
            tokens = logits.argmax(dim=-1).masked_fill(finished, PAD_ID)
            steps.append(tokens)
            finished |= tokens == EOS_ID
            if bool(finished.all()):
                break
        for i, row in zip(chunk, torch.stack(steps, dim=1).tolist()):
            results[i] = row[: row.index(EOS_ID)] if EOS_ID in row else [t for t in row if t != PAD_ID]
    return results


@torch.no_grad()
def beam_search_all(
    model,
    task: str,
    sources: list[list[int]],
    beam: int,
    alpha: float,
    max_len: int,
    batch_size: int,
    norm: str = "power",
):
    """``translate`` without its beam-1 fast path: every batch through ``beam_search`` (for k = 1)."""
    order = _order(sources)
    results: list[list[int]] = [[] for _ in sources]
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        hyps, _ = beam_search(
            model, task, make_sources(model, task, [sources[i] for i in chunk]), beam, alpha, max_len, norm
        )
        for i, hyp in zip(chunk, hyps):
            results[i] = [t for t in hyp if t != EOS_ID]
    return results


def _train(model, train: TaskData, task: str, tcfg: dict, seed: int, device) -> float:
    mixer = Mixer(task, {}, {task: len(train)}, tcfg["mixing"], seed, tcfg["updates"])
    t0 = time.perf_counter()
    Trainer(model, {task: train}, {}, mixer, tcfg, seed, device, None, progress=False, validate=False).run()
    model.eval()
    return time.perf_counter() - t0


def bench_decode(
    config: dict,
    data: str | Path | None = None,
    task: str = "translate_en_de",
    sentences: int = 300,
    beams: tuple[int, ...] = (5, 1),
    train_updates: int = 200,
    repeat: int = 3,
    vocab: int = 2000,
    examples: int = 3000,
    split: str = "test",
    seed: int = 1,
) -> dict:
    """Sentences/s of mtseq decoding (each beam size, and beam search at k=1) and of a bare greedy loop."""
    t = get_task(task)
    if t.source == "img":
        raise MtseqError(f"bench decode needs a text-to-text task, not {task} (image source)")
    mcfg = fill_section("model", config.get("model"))
    if mcfg["attention"]:
        raise MtseqError("bench decode compares against a bare loop without attention: use model.attention false")
    dcfg = fill_section("decode", config.get("decode"))
    tcfg = fill_section("train", {**config.get("train", {}), "updates": max(int(train_updates), 1)})
    torch.set_num_threads(tcfg["threads"])
    device = resolve_device(tcfg["device"])
    if data:
        layout = Layout(data)
        vocabs = load_vocabs(layout, [t.source, t.target])
        sizes = {k: len(v) for k, v in vocabs.items()}
        train = load_task(layout, task, "train", vocabs, tcfg["max_len"]) if train_updates else None
        held = load_task(layout, task, split, vocabs)
        described = f"{data} ({split} split)"
    else:
        sizes = {t.source: vocab, t.target: vocab}
        train = mapped_data(task, examples, vocab, seed) if train_updates else None
        held = mapped_data(task, sentences, vocab, seed + 1000)
        described = f"in-memory: word-by-word mapping, lengths 8-30, vocab {vocab}"
    sources = [held.source.get(i) for i in range(min(sentences, len(held)))]
    if not sources:
        raise MtseqError("no sentences to decode", data)
    torch.manual_seed(seed)
    model = build_model(mcfg, [task], sizes, seed=seed).to(device)
    train_s = _train(model, train, task, tcfg, seed, device) if train_updates else 0.0
    model.eval()
    bare = bare_copy(model, task)
    prebuilt = bare_batches(sources, dcfg["batch_size"], mcfg["reverse_source"], device)
    alpha, max_len, bs, norm = dcfg["length_penalty"], dcfg["max_len"], dcfg["batch_size"], dcfg["length_norm"]
    methods = {
        f"mtseq beam {k}": (k, lambda k=k: translate(model, task, sources, k, alpha, max_len, bs, norm)) for k in beams
    }
    if 1 in beams:
        methods["mtseq beam search, k=1"] = (
            1,
            lambda: beam_search_all(model, task, sources, 1, alpha, max_len, bs, norm),
        )
    methods["bare nn.LSTM greedy"] = (1, lambda: bare_greedy(bare, prebuilt, len(sources), max_len))
    best = dict.fromkeys(methods, float("inf"))
    best_cpu = dict.fromkeys(methods, float("inf"))
    outputs: dict[str, list] = {}
    for _ in range(max(1, repeat)):  # interleaved, best of ``repeat``: a shared CPU's load moves
        for name, (_, fn) in methods.items():
            t0, c0 = time.perf_counter(), time.process_time()
            outputs[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t0)
            best_cpu[name] = min(best_cpu[name], time.process_time() - c0)
    greedy_out = outputs.get("mtseq beam 1") or translate(model, task, sources, 1, alpha, max_len, bs, norm)
    rows = []
    for name, (k, _) in methods.items():
        out = outputs[name]
        lengths = [len(o) for o in out]
        rows.append(
            {
                "method": name,
                "beam": k,
                "wall_s": best[name],
                "sentences_per_s": len(sources) / best[name],
                "cpu_s": best_cpu[name],
                "output_tokens": int(sum(lengths)),
                "mean_output_len": float(np.mean(lengths)),
                "at_max_len": sum(n >= max_len for n in lengths) / len(lengths),
                "same_as_greedy": sum(a == b for a, b in zip(out, greedy_out)) / len(out),
            }
        )
    bare_row = rows[-1]
    for row in rows:
        row["vs_bare_greedy"] = row["sentences_per_s"] / bare_row["sentences_per_s"]
        # by this process's CPU time, which other jobs on a shared machine disturb least (CPU only)
        row["vs_bare_greedy_cpu"] = bare_row["cpu_s"] / row["cpu_s"] if device.type == "cpu" else None
    return {
        "device": str(device),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "model": {k: mcfg[k] for k in ("layers", "hidden", "embed", "reverse_source")},
        "vocab": sizes,
        "task": task,
        "data": described,
        "sentences": len(sources),
        "source_tokens": int(sum(len(s) for s in sources)),
        "train_updates": int(train_updates),
        "train_s": train_s,
        "decode": {"batch_size": bs, "max_len": max_len, "length_penalty": alpha, "length_norm": norm},
        "repeat": max(1, repeat),
        "rows": rows,
        "peak_rss_mb": self_peak_rss_mb(),
    }


def format_report(r: dict) -> str:
    d = r["decode"]
    lines = [
        f"device {r['device']} ({r['threads']} threads), torch {r['torch']}, model {r['model']}, vocab {r['vocab']}",
        f"data: {r['data']}; task {r['task']}; {r['sentences']} sentences ({r['source_tokens']} source tokens); "
        f"model trained {r['train_updates']} updates ({r['train_s']:.1f} s)",
        f"decode batch {d['batch_size']}, max_len {d['max_len']}, "
        f"length penalty {d['length_penalty']} ({d['length_norm']}); best of {r['repeat']}",
    ]
    for row in r["rows"]:
        lines.append(
            f"  {row['method']:<24} {row['sentences_per_s']:8.1f} sentences/s ({row['wall_s']:.3f} s), "
            f"{row['vs_bare_greedy']:.2f}x bare greedy ({fmt(row['vs_bare_greedy_cpu'], '.2f')}x by CPU time); "
            f"mean output {row['mean_output_len']:.1f} tokens, {pct(row['at_max_len'])} at max_len; "
            f"same as mtseq greedy {pct(row['same_as_greedy'])}"
        )
    return "\n".join(lines)


TABLE_HEADER = [
    "method",
    "sentences/s",
    "vs bare greedy (wall)",
    "vs bare greedy (CPU time)",
    "mean output length",
    "same output as mtseq greedy",
]


def to_markdown(r: dict) -> str:
    rows = [
        [
            row["method"],
            fmt(row["sentences_per_s"], ",.1f"),
            f"{row['vs_bare_greedy']:.2f}",
            f"**{fmt(row['vs_bare_greedy_cpu'], '.2f')}**",
            f"{row['mean_output_len']:.1f}",
            pct(row["same_as_greedy"]),
        ]
        for row in r["rows"]
    ]
    d = r["decode"]
    m = r["model"]
    caption = (
        f"{r['sentences']} sentences of {r['data']}, task {r['task']}, model {m['layers']} x {m['hidden']} "
        f"(embed {m['embed']}) trained {r['train_updates']} updates, vocab {r['vocab']}; decode batch "
        f"{d['batch_size']}, max_len {d['max_len']}; {r['device']}, {r['threads']} thread(s), best of {r['repeat']}."
    )
    return caption + "\n\n" + markdown_table(TABLE_HEADER, rows)
