# The ratio to choose: fitted curves over log ratio from the aggregated table (`mtseq optimum`).

from mtseq.analysis.optimum_files import confirm_seeds, optimum_files

OPTIMUM = optimum_files(config)
CONFIRM = confirm_seeds(config)


# A checkpoint: with optimum.confirm.seeds set, which runs the confirmation trains depends on the fit.
checkpoint optimum:
    input:
        summary=f"{RESULTS}/summary.csv",
        params=section("grid", "optimum"),
    output:
        table=report(f"{RESULTS}/optimum.csv", caption="../report/optimum_csv.rst", category="Choosing the ratio"),
        metrics=f"{RESULTS}/optimum_metrics.json",
        json=OPTIMUM["json"],
        plots=[
            report(
                p, caption="../report/optimum_plot.rst", category="Choosing the ratio", labels={"figure": Path(p).stem}
            )
            for p in OPTIMUM["plots"]
        ],
    log:
        f"{RUN_LOGS}/optimum.log",
    conda:
        CONDA_ENV
    params:
        results=lambda wc: RESULTS,
    shell:
        "mtseq optimum --config {input.params} --results {params.results} > {log} 2>&1"


rule confirm:
    """Fresh seeds (optimum.confirm.seeds) at alpha* and at the baseline, scored on test against the fit."""
    input:
        optimum=f"{RESULTS}/optimum.csv",
        summary=f"{RESULTS}/summary.csv",
        metrics=confirm_metrics,
    output:
        table=report(f"{RESULTS}/confirm.csv", caption="../report/confirm_csv.rst", category="Choosing the ratio"),
    log:
        f"{RUN_LOGS}/confirm.log",
    conda:
        CONDA_ENV
    params:
        runs=metrics_dirs,
        results=lambda wc: RESULTS,
    shell:
        "mtseq confirm --optimum {input.optimum} --fit-summary {input.summary} --runs {params.runs}"
        " --out {params.results} > {log} 2>&1"
