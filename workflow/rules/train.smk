# Training: one job per grid cell x seed, a thin shell around `mtseq train`.

from mtseq.analysis import grid as _grid

CELLS = _grid.expand_grid(config["grid"])
RESULTS = config["results"]
RUN = f"{RESULTS}/runs/{{setting}}/{{cell}}/seed{{seed}}"
RUN_DIRS = _grid.unique_run_dirs(CELLS, RESULTS)  # a baseline shared by settings trains once


def train_resources(res):
    """Config `resources.train` as the Slurm plugin reads it: gpu (+ gpu_model only with GPUs), mem_mb, runtime."""
    gpus = res["gpus"] if res["gpus"] is not None else int(config["train"]["device"] == "cuda")
    model = {"gpu_model": res["gpu_model"]} if gpus and res["gpu_model"] else {}
    return {"gpu": gpus, **model, "mem_mb": res["mem_mb"], "runtime": res["runtime"]}


TRAIN_RESOURCES = train_resources(config["resources"]["train"])


def cell(wc):
    found = _grid.find_cell(CELLS, wc.setting, wc.cell)
    if found is None:
        raise ValueError(f"no grid cell {wc.setting}/{wc.cell} in the config")
    return found


rule train:
    input:
        data=lambda wc: pipeline.task_inputs(config, cell(wc).tasks),
        params=section("model", "train"),
    output:
        train_json=f"{RUN}/train.json",
        model=f"{RUN}/model.pt",
    params:
        reference=lambda wc: cell(wc).reference,
        ratios=lambda wc: pipeline.ratio_args(cell(wc).ratios, cell(wc).reference),
        out=lambda wc: f"{RESULTS}/runs/{wc.setting}/{wc.cell}/seed{wc.seed}",
    wildcard_constraints:
        seed=r"\d+",
    threads: config["train"]["threads"]
    resources:
        **TRAIN_RESOURCES,
    log:
        f"{LOGS}/train/{{setting}}/{{cell}}/seed{{seed}}.log",
    benchmark:
        f"{LOGS}/train/{{setting}}/{{cell}}/seed{{seed}}.bench.tsv"
    shell:
        "mtseq train --config {input.params} --setting {wildcards.setting} --cell {wildcards.cell}"
        " --reference {params.reference} {params.ratios} --seed {wildcards.seed} --data {ROOT}"
        " --out {params.out} > {log} 2>&1"
