# The ratio to choose: fitted curves over log ratio from the aggregated table (`mtseq optimum`).

from mtseq.analysis.optimum_files import optimum_files

OPTIMUM = optimum_files(config)


rule optimum:
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
