"""One-shot GPU check of the engine: training (bf16, cuDNN) in all three settings, decoding, throughput.

Run from the repository root on a CUDA machine:
    PYTHONPATH=src python3 benchmarks/gpu_check.py OUT_DIR
Writes OUT_DIR/gpu_check.json; every section reports its own failure and the script goes on.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import torch
import yaml

from mtseq.bench.fixture import SETTINGS, build_corpus, tiny_config
from mtseq.bench.train import bench_train, format_report
from mtseq.decode import beam_search, greedy, make_sources, translate
from mtseq.model import load_model
from mtseq.train import batches as batches_mod
from mtseq.train.run import train_run

REPORT: dict = {}


def section(name):
    def wrap(fn):
        t0 = time.perf_counter()
        try:
            REPORT[name] = {"ok": True, **(fn() or {})}
        except Exception:  # noqa: BLE001 - report and go on to the next check
            REPORT[name] = {"ok": False, "error": traceback.format_exc()}
        REPORT[name]["seconds"] = round(time.perf_counter() - t0, 2)
        print(f"== {name}: {json.dumps(REPORT[name], default=str)[:3000]}", flush=True)
        return fn

    return wrap


def main(out: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="mtseq-gpu-"))
    corpus = build_corpus(tmp / "corpus", n_train=400, n_valid=60)
    REPORT["env"] = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "gpu": torch.cuda.get_device_name(0),
    }
    print(REPORT["env"], flush=True)

    @section("train_settings_bf16")
    def _():
        res = {}
        for attention in (False, True):
            for setting, (ref, ratios) in SETTINGS.items():
                cfg = tiny_config(model={"attention": attention}, train={"device": "cuda", "bf16": True, "updates": 60})
                run = tmp / f"{setting}-{attention}"
                r = train_run(cfg, setting, ref, ratios, 1, corpus, run)
                assert r["device"].startswith("cuda") and r["updates"][ref] == 60
                assert all(np.isfinite(v) for v in r["final_valid_ppl"].values()), r["final_valid_ppl"]
                again = train_run(cfg, setting, ref, ratios, 1, corpus, run)
                assert again == r
                res[f"{setting}/attention={attention}"] = {
                    "final_valid_ppl": r["final_valid_ppl"],
                    "wall_s": round(r["wall_time_s"], 2),
                    "updates": r["updates"],
                }
        return res

    @section("train_fp32_cpu_vs_cuda")
    def _():
        """Without dropout (its masks come from different generators) the two devices should agree closely."""
        out = {}
        for device in ("cpu", "cuda"):
            cfg = tiny_config(model={"dropout": 0.0}, train={"device": device, "bf16": False, "updates": 40})
            r = train_run(cfg, "one_to_many", "translate_en_de", {"parse_en": 0.5}, 3, corpus, tmp / f"fp32-{device}")
            out[device] = r["final_valid_ppl"]
        out["max_rel_diff"] = max(abs(out["cpu"][t] - out["cuda"][t]) / out["cpu"][t] for t in out["cpu"])
        return out

    @section("decode")
    def _():
        res = {}
        for name in ("many_to_one-True", "one_to_many-False"):
            model = load_model(tmp / name / "model.pt", "cuda")
            task = "translate_de_en" if name.startswith("many_to_one") else "translate_en_de"
            srcs = [np.random.default_rng(i).integers(4, 20, size=6).tolist() for i in range(200)]
            batch = make_sources(model, task, srcs[:64])
            g, gs = greedy(model, task, batch, max_len=30)
            b, bs = beam_search(model, task, batch, beam=1, alpha=1.0, max_len=30, norm="power")
            assert g == b and torch.allclose(gs, bs, atol=1e-4)
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            hyps = translate(model, task, srcs, beam=5, length_penalty=1.0, max_len=30, batch_size=64, norm="power")
            torch.cuda.synchronize()
            res[name] = {"beam5_sent_per_s": round(200 / (time.perf_counter() - t0), 1), "n": len(hyps)}
        cap = load_model(tmp / "many_to_one-True" / "model.pt", "cuda")
        feats = np.load(corpus / "raw" / "caption.valid.npy")
        res["caption"] = translate(
            cap, "caption_en", feats[:5], beam=3, length_penalty=1.0, max_len=20, batch_size=64, norm="power"
        )
        return res

    base = yaml.safe_load(Path("config/config.yaml").read_text())

    def bench(model=None, train=None, **kw):
        cfg = {
            "model": {**base["model"], **(model or {})},
            "train": {**base["train"], "device": "cuda", **(train or {})},
        }
        r = bench_train(cfg, progress=False, **kw)
        print(format_report(r), flush=True)
        return {"ours": r["ours"], "bare": r["bare"], "ratio": r["ratio"], "model": r["model"], "vocab": r["vocab"]}

    @section("bench_default_bf16")
    def _():
        return bench(updates=300)

    @section("bench_default_fp32")
    def _():
        return bench(train={"bf16": False}, updates=300)

    @section("bench_default_bf16_unpinned")
    def _():
        original = batches_mod.Batch.to
        batches_mod.Batch.to = lambda self, device, non_blocking=False: original(self, device, False)
        try:
            return bench(updates=300)
        finally:
            batches_mod.Batch.to = original

    @section("bench_paper_size_bf16")
    def _():
        return bench(
            model={"layers": 4, "hidden": 1000, "embed": 1000},
            train={"batch_size": 128, "checkpoint_every": 1000},
            updates=60,
            vocab=50000,
        )

    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.json").write_text(json.dumps(REPORT, indent=1, default=str))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "gpu_out"))
