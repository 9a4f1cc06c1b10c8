"""The multi-task training loop: one task's minibatch per update, resumable bit for bit.

Every random draw is a function of the seed and a counter (the task of an
update, each task's batch order per epoch, the dropout masks of a task's
k-th update),
or is restored from the checkpoint, so a run killed at any moment and
restarted ends with the same weights as one never interrupted (on CPU).
With a process group (``mtseq.train.distributed``) each rank trains on its
slice of the same global batch and only rank 0 writes and validates.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time

import numpy as np
import torch

from mtseq.decode.perplexity import perplexity
from mtseq.errors import MtseqError, describe
from mtseq.model import MultiTaskModel
from mtseq.progress import Progress, stderr_is_terminal
from mtseq.train.batches import Batch, BatchIterator, make_batch, task_key
from mtseq.train.checkpoint import CheckpointDir
from mtseq.train.distributed import Group, batch_counts
from mtseq.train.examples import TaskData
from mtseq.train.mixing import Mixer
from mtseq.train.schedule import learning_rate
from mtseq.train.select import Selection

log = logging.getLogger("mtseq.train")
DROPOUT_STREAM = 3


def step_seed(seed: int, task: str, task_update: int, rank: int = 0) -> int:
    """The torch seed of a task's ``task_update``-th update (dropout masks): keyed by the task's own count,
    not the global one, so the reference task's k-th update draws the same masks whatever auxiliary
    updates came between (runs pair by seed); independent of the other ranks' slices in a multi-process run."""
    key = [seed, DROPOUT_STREAM, task_key(task), task_update] + ([rank] if rank else [])
    return int(np.random.SeedSequence(key).generate_state(1, np.uint64)[0])


def reference_updates(cfg: dict, batches_per_epoch: int) -> int:
    """N: ``train.updates`` if set, else reference epochs x batches per reference epoch."""
    if cfg.get("updates"):
        return int(cfg["updates"])
    return max(1, round(float(cfg["reference_epochs"]) * batches_per_epoch))


def _rng_state() -> dict:
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class Trainer:
    """Trains ``model`` on ``train`` data with ``mixer``; validates on ``valid``; checkpoints."""

    def __init__(
        self,
        model: MultiTaskModel,
        train: dict[str, TaskData],
        valid: dict[str, TaskData],
        mixer: Mixer,
        cfg: dict,
        seed: int,
        device: torch.device,
        checkpoints: CheckpointDir | None = None,
        progress: bool | Progress = False,
        validate: bool = True,
        group: Group | None = None,
    ) -> None:
        self.model, self.train_data, self.valid_data = model, train, valid
        self.mixer, self.cfg, self.seed, self.device = mixer, cfg, int(seed), device
        self.reference = mixer.reference
        self.tasks = mixer.tasks
        self.group, self.writer = group, group is None or group.writer
        self.rank = group.rank if group else 0
        self.checkpoints = checkpoints
        self.do_validate = validate and self.writer
        # what a person sees: a bar on a terminal, progress lines in a log file (mtseq.progress)
        self.report: Progress | None = None
        if isinstance(progress, Progress):
            self.report = progress if self.writer else None
        elif progress and self.writer:
            tty = stderr_is_terminal()
            self.report = Progress("run", bar=tty, log=None if tty else log)
        self.iters = {t: BatchIterator(train[t], cfg["batch_size"], seed) for t in self.tasks}
        self.bpe = self.iters[self.reference].batches_per_epoch
        self.N = mixer.N
        self.params = [p for p in model.parameters() if p.requires_grad]
        # Fused kernels: on a CPU torch's default Adam is a per-parameter loop; fused, an update of
        # the default model is 10% faster (benchmarks/optimizer_step.py, benchmarks/RESULTS.md).
        opt_class = torch.optim.Adam if cfg["optimizer"] == "adam" else torch.optim.SGD
        self.optimizer = opt_class(self.params, lr=cfg["lr"], fused=True)
        self.autocast = device.type == "cuda" and bool(cfg["bf16"])
        self.non_blocking = device.type == "cuda"
        self.defer_check = device.type == "cuda"
        self._pending: tuple | None = None
        # progress, restored from a checkpoint
        self.update = 0
        self.ref_done = 0
        self.counts = dict.fromkeys(self.tasks, 0)
        self.valid_ppl: dict[str, list[list]] = {t: [] for t in valid}
        self.last_validated = -1
        self.elapsed_s = 0.0
        self.tokens = 0
        self.loss_ema: dict[str, float] = {}
        self.selection = Selection(cfg["select"])
        self.stopped_early = False
        # where the wall time went (this process only)
        self.time = {"compute": 0.0, "validate": 0.0, "checkpoint": 0.0}

    # state -----------------------------------------------------------------
    def lr(self) -> float:
        halving = self.cfg["lr_halving"]
        return learning_rate(self.cfg["lr"], self.ref_done, self.bpe, halving["start"], halving["cycle"])

    def state_dict(self) -> dict:
        return {
            "update": self.update,
            "ref_done": self.ref_done,
            "counts": dict(self.counts),
            "positions": {t: list(it.position) for t, it in self.iters.items()},
            "valid_ppl": {t: [list(x) for x in v] for t, v in self.valid_ppl.items()},
            "last_validated": self.last_validated,
            "elapsed_s": self.elapsed_s,
            "tokens": self.tokens,
            "loss_ema": dict(self.loss_ema),
            "select": self.selection.state_dict(),
            "stopped_early": self.stopped_early,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": _rng_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        if set(state["counts"]) != set(self.tasks):
            raise MtseqError(f"checkpoint holds tasks {sorted(state['counts'])}, this run has {sorted(self.tasks)}")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.update, self.ref_done = int(state["update"]), int(state["ref_done"])
        self.counts = {t: int(n) for t, n in state["counts"].items()}
        for t, pos in state["positions"].items():
            self.iters[t].seek(pos)
        self.valid_ppl = {t: [list(x) for x in v] for t, v in state["valid_ppl"].items()}
        self.last_validated = int(state["last_validated"])
        self.elapsed_s, self.tokens = float(state["elapsed_s"]), int(state["tokens"])
        self.loss_ema = dict(state["loss_ema"])
        if "select" in state:  # absent from checkpoints written before train.select existed
            self.selection.load_state_dict(state["select"])
            self.stopped_early = bool(state["stopped_early"])
        _set_rng_state(state["rng"])

    def resume(self) -> bool:
        """Load the newest intact checkpoint, if any; True when one was loaded."""
        if self.checkpoints is None:
            return False
        if self.writer:
            self.checkpoints.clean_temp()
        state = self.checkpoints.load_latest()
        if state is None:
            return False
        try:
            self.load_state_dict(state)
        except (MtseqError, KeyError, TypeError, ValueError, RuntimeError) as err:  # intact, but another run's
            what = err.message if isinstance(err, MtseqError) else describe(err)
            raise MtseqError(
                f"checkpoint does not fit this run ({what}); delete it to start the run afresh", self.checkpoints.loaded
            ) from None
        log.info("resumed from update %d (reference %d/%d)", self.update, self.ref_done, self.N)
        return True

    def save_checkpoint(self) -> None:
        if self.checkpoints is None or not self.writer:
            return
        t0 = time.perf_counter()
        path = self.checkpoints.save(self.update, self.state_dict())
        self.time["checkpoint"] += time.perf_counter() - t0
        log.debug("checkpoint %s", path)

    # one update ------------------------------------------------------------
    def _batch(self, task: str) -> tuple[Batch | None, tuple[int, int, int]]:
        """This process's part of the update's batch (all of it in one process; None for an empty
        slice) and the whole batch's (sentences, source tokens, target tokens)."""
        it = self.iters[task]
        if self.group is None:
            batch = it.next().to(self.device, self.non_blocking)
            return batch, (batch.size, batch.src_tokens, batch.tgt_tokens)
        idx = it.next_indices()
        part = self.group.shard(idx)
        batch = make_batch(it.data, part).to(self.device, self.non_blocking) if len(part) else None
        return batch, batch_counts(it.data, idx)

    def _step(self, task: str, batch: Batch | None, size: int, tgt_tokens: int) -> None:
        """Forward, backward, clip, step. The finiteness check reads the loss back from the device,
        so on a GPU it is deferred (see ``_check``) to keep the host from waiting on every update.
        ``size`` and ``tgt_tokens`` are the whole batch's: the loss of a rank's slice is divided by
        them, so the ranks' gradients sum to the 1-process gradient."""
        t0 = time.perf_counter()
        torch.manual_seed(step_seed(self.seed, task, self.counts[task], self.rank))
        ctx = torch.autocast("cuda", dtype=torch.bfloat16) if self.autocast else contextlib.nullcontext()
        norm = size if self.cfg["loss_norm"] == "sentences" else tgt_tokens
        if batch is not None:
            with ctx:
                nll = self.model(task, batch, label_smoothing=self.cfg["label_smoothing"])
            loss = nll / norm
            loss.backward()
        else:
            loss = torch.zeros((), device=self.device)
        if self.group is not None:
            loss = self.group.reduce_gradients(task, self.params, loss.detach())
        gnorm = torch.nn.utils.clip_grad_norm_(self.params, self.cfg["clip_norm"])
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self._pending = (task, self.update, loss.detach(), gnorm.detach(), norm / tgt_tokens)
        if not self.defer_check:
            self._check()
        self.time["compute"] += time.perf_counter() - t0

    def _check(self) -> None:
        """Stop on a non-finite loss or gradient of the last update, before anything is saved."""
        if self._pending is None:
            return
        task, update, loss, gnorm, per_token = self._pending
        self._pending = None
        value, norm = loss.item(), gnorm.item()
        if not math.isfinite(value):
            self._fail(task, update, f"loss is {value}")
        if not math.isfinite(norm):
            self._fail(task, update, f"gradient norm is {norm}")
        value *= per_token
        ema = self.loss_ema.get(task)
        self.loss_ema[task] = value if ema is None else 0.95 * ema + 0.05 * value

    def _fail(self, task: str, update: int, what: str) -> None:
        last = self.checkpoints.paths()[-1] if self.checkpoints and self.checkpoints.paths() else None
        kept = f"; last good checkpoint kept: {last}" if last else "; no checkpoint was written yet"
        raise MtseqError(f"training diverged: {what} in task {task} at update {update}{kept}")

    # validation ------------------------------------------------------------
    def validate(self) -> dict[str, float]:
        t0 = time.perf_counter()
        out = {}
        for t, data in self.valid_data.items():
            ppl = perplexity(self.model, t, data, self.cfg["batch_size"], autocast=self.autocast)
            self.valid_ppl[t].append([self.update, ppl])
            out[t] = ppl
        self.last_validated = self.update
        if self.reference in out:
            self.selection.observe(self.update, self.ref_done, out[self.reference], self.model)
        self.time["validate"] += time.perf_counter() - t0
        epoch = self.ref_done / self.bpe
        shown = " ".join(f"{t}={p:.3f}" for t, p in out.items())
        counts = " ".join(f"{t}={n}" for t, n in self.counts.items())
        log.info(
            "update %d ref %d/%d epoch %.2f lr %.4g | valid ppl %s | updates %s",
            self.update,
            self.ref_done,
            self.N,
            epoch,
            self.lr(),
            shown,
            counts,
        )
        return out

    def _stop_early(self) -> bool:
        """After a due validation: has patience run out? Every rank gets the writer's answer."""
        if self.selection.patience is None:
            return False
        stop = self.selection.exhausted if self.writer else False
        if self.group is not None:
            stop = self.group.broadcast(stop)
        if stop:
            best = self.selection.best
            log.info(
                "early stop at update %d: %d validations without a lower %s perplexity than %.3f (update %d)",
                self.update,
                self.selection.patience,
                self.reference,
                best["ppl"],
                best["update"],
            )
        return stop

    def _validation_due(self, task: str) -> bool:
        every = self.cfg["validate_every"]
        if every:
            return self.update % every == 0
        return task == self.reference and self.ref_done % self.bpe == 0

    # the loop --------------------------------------------------------------
    def run(self) -> dict:
        self.model.train()
        start = time.perf_counter()
        elapsed0, tokens0 = self.elapsed_s, self.tokens
        report = self.report
        if report is not None:
            report.start(self.N, self.ref_done, self.tokens)
        every = self.cfg["checkpoint_every"]
        try:
            while self.ref_done < self.N and not self.stopped_early:
                self.update += 1
                task = self.mixer.draw(self.update, self.ref_done)
                batch, (size, src_tokens, tgt_tokens) = self._batch(task)
                self._check()  # the previous update's, when deferred
                self._step(task, batch, size, tgt_tokens)
                self.counts[task] += 1
                self.tokens += src_tokens + tgt_tokens
                if task == self.reference:
                    self.ref_done += 1
                if self._validation_due(task):
                    if self.do_validate:
                        self._check()
                        self.validate()
                    self.stopped_early = self._stop_early()
                if self.update % every == 0:
                    self._check()
                    self.elapsed_s = elapsed0 + time.perf_counter() - start
                    self.save_checkpoint()
                if report is not None:  # reads the clock; writes only when a line is due
                    report.tick(self.ref_done, self.update, self.tokens, self.loss_ema)
            self._check()
            if self.do_validate and self.last_validated != self.update:
                self.validate()
            self.elapsed_s = elapsed0 + time.perf_counter() - start
            if not self.checkpoints or not self.checkpoints.paths() or self.update % every:
                self.save_checkpoint()
            self.selection.restore_best(self.model)
            if report is not None:
                report.finish(self.ref_done, self.tokens)
        finally:
            if report is not None:
                report.close()
        self.time["wall"] = time.perf_counter() - start
        self.time["tokens"] = self.tokens - tokens0
        return self.summary()

    def summary(self) -> dict:
        final = {t: v[-1][1] for t, v in self.valid_ppl.items() if v}
        return {
            "reference_updates": self.N,
            "batches_per_reference_epoch": self.bpe,
            "total_updates": self.update,
            "updates": dict(self.counts),
            "expected_updates": self.mixer.expected_updates(),
            "valid_ppl": self.valid_ppl,
            "final_valid_ppl": final,
            "lr_final": self.lr(),
            "wall_time_s": self.elapsed_s,
            "train_tokens_per_s": self.tokens / self.elapsed_s if self.elapsed_s > 0 else 0.0,
            "epochs": self.ref_done / self.bpe,
            **self.selection.summary(self.stopped_early),
        }
