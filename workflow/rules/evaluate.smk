# Decoding and scoring of every trained run, then the grid's tables.


rule evaluate:
    input:
        train_json=f"{RUN}/train.json",
        model=f"{RUN}/model.pt",
        data=lambda wc: pipeline.task_inputs(config, cell(wc).tasks),
        params=section("decode"),
    output:
        f"{RUN}/metrics.json",
    params:
        out=lambda wc: f"{RESULTS}/runs/{wc.setting}/{wc.cell}/seed{wc.seed}",
    wildcard_constraints:
        seed=r"\d+",
    threads: 1
    log:
        f"{LOGS}/evaluate/{{setting}}/{{cell}}/seed{{seed}}.log",
    benchmark:
        f"{LOGS}/evaluate/{{setting}}/{{cell}}/seed{{seed}}.bench.tsv"
    shell:
        "mtseq evaluate --run {params.out} --config {input.params} --data {ROOT} --status-fd 3 3>&2 > {log} 2>&1"


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
    params:
        runs=lambda wc, input: f" --runs {adaptive_run_dirs(wc, input)}" if ADAPTIVE else "",
    log:
        f"{LOGS}/aggregate.log",
    shell:
        "mtseq aggregate --config {input.params} --results {RESULTS} --data {ROOT}{params.runs} > {log} 2>&1"
