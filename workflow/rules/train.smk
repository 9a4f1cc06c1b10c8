# Training: one job per grid cell x seed, a thin shell around `mtseq train`.
# The log takes stdout and stderr; fd 3 is the terminal, where a status line (done/total, tok/s,
# ETA) appears at growing intervals (mtseq.progress).

from mtseq.analysis import adaptive_files as _adaptive
from mtseq.analysis import grid as _grid
from mtseq.analysis.optimum_files import confirm_cell

CELLS = _grid.expand_grid(config["grid"])
RESULTS = config["results"]
RUN = f"{RESULTS}/runs/{{setting}}/{{cell}}/seed{{seed}}"
RUN_DIRS = _grid.unique_run_dirs(CELLS, RESULTS)  # a baseline shared by settings trains once


TRAIN_RESOURCES = pipeline.train_resources(config)


def cell(wc):
    # a grid cell, or a confirmation cell at a fitted ratio (optimum.confirm; rule confirm)
    found = (
        _grid.find_cell(CELLS, wc.setting, wc.cell)
        or confirm_cell(config, wc.setting, wc.cell)
        or _adaptive.adaptive_cell(config, wc.setting, wc.cell)  # a ratio an adaptive stage added
    )
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
        nproc=pipeline.nproc_arg(config),
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
        " --out {params.out}{params.nproc} --status-fd 3 3>&2 > {log} 2>&1"
