"""What a training job asks a scheduler for, and when it starts one process per GPU."""

from __future__ import annotations

import pytest

from mtseq.pipeline import nproc_arg, train_resources


def config(device="cpu", gpus=None, gpu_model=None):
    return {
        "train": {"device": device},
        "resources": {"train": {"gpus": gpus, "gpu_model": gpu_model, "mem_mb": 4000, "runtime": 60}},
    }


@pytest.mark.parametrize(
    ("cfg", "resources", "nproc"),
    [
        (config(), {"gpu": 0, "mem_mb": 4000, "runtime": 60}, ""),
        (config("cuda"), {"gpu": 1, "mem_mb": 4000, "runtime": 60}, ""),
        (config("cuda", gpu_model="a100"), {"gpu": 1, "gpu_model": "a100", "mem_mb": 4000, "runtime": 60}, ""),
        (config("cuda", gpus=4), {"gpu": 4, "mem_mb": 4000, "runtime": 60}, " --nproc 4"),
        (config(gpus=0, gpu_model="a100"), {"gpu": 0, "mem_mb": 4000, "runtime": 60}, ""),  # never --gpus=a100:0
    ],
)
def test_gpus_model_and_processes_follow_the_config(cfg, resources, nproc):
    assert train_resources(cfg) == resources
    assert nproc_arg(cfg) == nproc
