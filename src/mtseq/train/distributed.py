"""Several processes training one grid cell (data parallel) with the 1-process run's semantics.

Launched by ``torchrun`` (or ``mtseq train --nproc N``, which starts torchrun). Every rank holds
the whole model and every task's batch iterator, and nothing random is communicated, because every
draw is already a function of (seed, counter):

- the task of an update comes from the seeded mixer, so every rank trains the same task;
- the global batch (``train.batch_size``) is built exactly as in one process, and rank r takes the
  r-th of ``world`` contiguous slices of it (the batch is length-sorted, so the slices pad alike);
- each rank divides its slice's summed loss by the *global* batch's normaliser, so the sum of the
  ranks' gradients is the 1-process gradient. One all-reduce (SUM) per update carries the
  gradients, a has-a-gradient flag per parameter and the loss. A task touches only its encoder and
  decoder: a parameter no rank used keeps ``grad = None``, as in one process, so Adam leaves it be.

Gradients are reduced once after backward rather than by ``DistributedDataParallel``'s hooks: DDP
would need ``find_unused_parameters`` for the task-specific modules, averages instead of summing,
and cannot run a rank whose slice is empty (a global batch smaller than the world). What this
gives up is DDP's overlap of communication with the backward pass.

Only rank 0 writes (checkpoints, train.log, train.json, model.pt) and validates; every rank reads
the checkpoint to resume, and a checkpoint does not depend on the number of processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.distributed as dist

from mtseq.errors import MtseqError
from mtseq.train.examples import TaskData


def world_size() -> int:
    """Processes in this run, as torchrun's environment says (1 when not launched by it)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


@dataclass
class Group:
    """This process's place in a multi-process run."""

    rank: int
    world: int
    backend: str
    device: torch.device
    used: dict = field(default_factory=dict, repr=False)  # task -> which parameters it gives a gradient

    @property
    def writer(self) -> bool:
        return self.rank == 0

    def shard(self, idx: np.ndarray) -> np.ndarray:
        """This rank's contiguous slice of a global batch (sizes differ by at most one; may be empty)."""
        return np.array_split(idx, self.world)[self.rank]

    def reduce_gradients(self, task: str, params: list[torch.Tensor], loss: torch.Tensor) -> torch.Tensor:
        """Sum every parameter's gradient and ``loss`` over the ranks; returns the summed loss.

        A gradient missing on this rank counts as zeros; one missing on every rank stays ``None``.
        Which parameters a task uses is fixed (its encoder and decoder), so the flags are read back
        to the host once per task, not every update (a GPU is not made to wait each time).
        """
        grads = [p.grad for p in params]
        parts = [g.reshape(-1) if g is not None else p.new_zeros(p.numel()) for g, p in zip(grads, params)]
        flags = torch.tensor([float(g is not None) for g in grads], dtype=parts[0].dtype).to(parts[0].device)
        flat = torch.cat([*parts, flags, loss.reshape(1).to(parts[0])])
        dist.all_reduce(flat)
        if task not in self.used:
            self.used[task] = [f > 0 for f in flat[-1 - len(params) : -1].tolist()]
        offset = 0
        for p, used in zip(params, self.used[task]):
            n = p.numel()
            p.grad = flat[offset : offset + n].view_as(p) if used else None
            offset += n
        return flat[-1]

    def broadcast(self, obj):
        """Rank 0's ``obj`` on every rank (picklable)."""
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]


def batch_counts(data: TaskData, idx: np.ndarray) -> tuple[int, int, int]:
    """(sentences, source tokens, target tokens incl. </s>) of examples ``idx``, as ``make_batch`` counts
    them, without building the batch: each rank needs the global batch's normaliser and token count."""
    src = int(data.source.length[idx].sum()) if data.source is not None else 0
    return len(idx), src, int((data.target.length[idx] + 1).sum())


def start(device: torch.device) -> Group | None:
    """Join the process group torchrun's environment describes; None in a 1-process run.

    Backend: NCCL with one GPU per process (``cuda:LOCAL_RANK``) when training on a GPU, gloo on CPU.
    """
    world = world_size()
    if world <= 1:
        return None
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        wanted, found = int(os.environ.get("LOCAL_WORLD_SIZE", world)), torch.cuda.device_count()
        if wanted > found:  # every rank of the node says so and stops (none is left waiting for the others)
            raise MtseqError(f"{wanted} processes on this node need one GPU each; {found} found")
        device = torch.device("cuda", local)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        backend = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return Group(dist.get_rank(), dist.get_world_size(), backend, device)


def stop(group: Group | None) -> None:
    if group is not None and dist.is_initialized():
        dist.destroy_process_group()


def launch(nproc: int, argv: list[str]) -> int:
    """Run ``mtseq <argv>`` in ``nproc`` processes on this node through torchrun; its exit status.

    ``--standalone`` picks a free local rendezvous port, so several runs can share a node.
    """
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}"]
    return subprocess.run([*cmd, "-m", "mtseq.cli", *argv], check=False).returncode
