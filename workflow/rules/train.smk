# Training: one job per grid cell x seed, a thin shell around `mtseq train`.
# The log takes stdout and stderr; fd 3 is the terminal, where a status line (done/total, tok/s,
# ETA) appears at growing intervals (mtseq.progress).
# --overwrite: Snakemake reruns a training only when its data or config section changed, so a run
# of another fingerprint in its directory is obsolete (without it `dvc exp run -S train.lr=...` or
# new data stopped with "delete it or pass --overwrite"); the same fingerprint still resumes.

TRAIN_RESOURCES = pipeline.train_resources(config)


rule train:
    input:
        data=lambda wc: pipeline.task_inputs(config, cell(wc).tasks),
        params=section("model", "train"),
    output:
        train_json=f"{RUN}/train.json",
        model=f"{RUN}/model.pt",
    log:
        f"{RUN_LOGS}/train/{{setting}}/{{cell}}/seed{{seed}}.log",
    benchmark:
        f"{RUN_LOGS}/train/{{setting}}/{{cell}}/seed{{seed}}.bench.tsv"
    wildcard_constraints:
        seed=r"\d+",
    conda:
        CONDA_ENV
    threads: config["train"]["threads"]
    resources:
        **TRAIN_RESOURCES,
    params:
        root=lambda wc: ROOT,  # the data root the command takes (a directory, not a file's prefix)
        reference=lambda wc: cell(wc).reference,
        ratios=lambda wc: pipeline.ratio_args(cell(wc).ratios, cell(wc).reference),
        out=lambda wc: f"{RESULTS}/runs/{wc.setting}/{wc.cell}/seed{wc.seed}",
        nproc=pipeline.nproc_arg(config),
    shell:
        "mtseq train --config {input.params} --setting {wildcards.setting} --cell {wildcards.cell}"
        " --reference {params.reference} {params.ratios} --seed {wildcards.seed} --data {params.root}"
        " --out {params.out}{params.nproc} --overwrite --status-fd 3 3>&2 > {log} 2>&1"
