"""One training per GPU: lock files hand out distinct GPUs and free them with the holder."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from mtseq.errors import MtseqError
from mtseq.train.gpus import claim_gpu, claimed_device, visible_ids


def test_concurrent_claims_get_distinct_gpus_and_a_freed_one_is_reused(tmp_path):
    first, fh1 = claim_gpu(2, directory=tmp_path)
    second, fh2 = claim_gpu(2, directory=tmp_path)
    assert {first, second} == {0, 1}
    with pytest.raises(MtseqError, match="no free GPU among 2"):
        claim_gpu(2, directory=tmp_path, timeout=0.2, poll=0.05)
    fh1.close()
    again, fh3 = claim_gpu(2, directory=tmp_path)
    assert again == first
    fh2.close()
    fh3.close()


def test_a_killed_holder_frees_its_gpu(tmp_path):
    """The kernel drops a flock with its process: a crashed training never strands a GPU."""
    code = (
        "import sys, os; from pathlib import Path; from mtseq.train.gpus import claim_gpu;"
        f"claim_gpu(1, directory=Path({str(tmp_path)!r})); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    index, fh = claim_gpu(1, directory=tmp_path, timeout=1)
    assert index == 0
    fh.close()


def test_locks_are_named_by_physical_id(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    assert visible_ids(2) == ["2", "3"]
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    assert visible_ids(3) == ["0", "1", "2"]


def test_a_cpu_device_is_left_alone():
    with claimed_device(torch.device("cpu")) as device:
        assert device == torch.device("cpu")
