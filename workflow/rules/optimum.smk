# The ratio to choose: fitted curves over log ratio from the aggregated table (`mtseq optimum`).

from mtseq.analysis.optimum_files import confirm_run_dirs, confirm_seeds, optimum_files

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
            report(p, caption="../report/optimum_plot.rst", category="Choosing the ratio", labels={"figure": Path(p).stem})
            for p in OPTIMUM["plots"]
        ],
    log:
        f"{LOGS}/optimum.log",
    shell:
        "mtseq optimum --config {input.params} --results {RESULTS} > {log} 2>&1"


def confirm_metrics(wildcards):
    """metrics.json of the confirmation runs at the fitted alpha* (known once the checkpoint ran)."""
    table = checkpoints.optimum.get().output.table
    return [f"{d}/metrics.json" for d in confirm_run_dirs(config, table)]


def confirm_dirs(wildcards, input):
    return " ".join(str(Path(p).parent) for p in input.metrics)


rule confirm:
    """Fresh seeds (optimum.confirm.seeds) at alpha* and at the baseline, scored on test against the fit."""
    input:
        optimum=f"{RESULTS}/optimum.csv",
        summary=f"{RESULTS}/summary.csv",
        metrics=confirm_metrics,
    output:
        table=report(f"{RESULTS}/confirm.csv", caption="../report/confirm_csv.rst", category="Choosing the ratio"),
    params:
        runs=confirm_dirs,
    log:
        f"{LOGS}/confirm.log",
    shell:
        "mtseq confirm --optimum {input.optimum} --fit-summary {input.summary} --runs {params.runs}"
        " --out {RESULTS} > {log} 2>&1"
