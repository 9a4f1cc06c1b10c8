# Decoding and scoring of every trained run, then the grid's tables.


rule evaluate:
    input:
        train_json=f"{RUN}/train.json",
        model=f"{RUN}/model.pt",
        data=lambda wc: pipeline.task_inputs(config, cell(wc).tasks),
        params=section("decode"),
    output:
        f"{RUN}/metrics.json",
    log:
        f"{RUN_LOGS}/evaluate/{{setting}}/{{cell}}/seed{{seed}}.log",
    benchmark:
        f"{RUN_LOGS}/evaluate/{{setting}}/{{cell}}/seed{{seed}}.bench.tsv"
    wildcard_constraints:
        seed=r"\d+",
    conda:
        CONDA_ENV
    threads: 1
    params:
        root=lambda wc: ROOT,  # the data root the command takes (a directory, not a file's prefix)
        out=lambda wc: f"{RESULTS}/runs/{wc.setting}/{wc.cell}/seed{wc.seed}",
    shell:
        "mtseq evaluate --run {params.out} --config {input.params} --data {params.root} --status-fd 3 3>&2 > {log} 2>&1"


rule aggregate:
    input:
        metrics=adaptive_metrics if ADAPTIVE else [f"{d}/metrics.json" for d in RUN_DIRS],  # adaptive.smk
        params=section("grid"),
    output:
        summary=f"{RESULTS}/summary.csv",
        sensitivity=f"{RESULTS}/sensitivity.csv",
        inference=f"{RESULTS}/inference.csv",
        metrics=f"{RESULTS}/metrics.json",
        markdown=f"{RESULTS}/summary.md",
    log:
        f"{RUN_LOGS}/aggregate.log",
    conda:
        CONDA_ENV
    params:
        root=lambda wc: ROOT,  # the data root the command takes (a directory, not a file's prefix)
        results=lambda wc: RESULTS,
        runs=lambda wc, input: f" --runs {metrics_dirs(wc, input)}" if ADAPTIVE else "",
    shell:
        "mtseq aggregate --config {input.params} --results {params.results} --data {params.root}{params.runs} > {log} 2>&1"
