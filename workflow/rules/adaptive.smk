# Adaptive seed allocation (grid.adaptive): stage 1 is the grid; checkpoint `adapt` decides after each
# stage which runs the next one trains, or stops (mtseq adapt; plans in results/adaptive/stage<k>.json,
# decisions in results/seed_ledger.csv). Snakemake re-plans after each checkpoint, so one
# `snakemake --cores all` runs every stage, and the same command resumes a killed study.

if ADAPTIVE:

    checkpoint adapt:
        """After stage {stage}: the next stage's runs, or stop with the reason."""
        input:
            metrics=lambda wc: stage_metrics(int(wc.stage)),
            params=section("grid", "optimum"),
        output:
            plan=f"{RESULTS}/adaptive/stage{{stage}}.json",
        log:
            f"{RUN_LOGS}/adapt/stage{{stage}}.log",
        wildcard_constraints:
            stage=r"[1-9]\d*",
        conda:
            CONDA_ENV
        params:
            results=lambda wc: RESULTS,
        shell:
            "mtseq adapt --config {input.params} --results {params.results} --stage {wildcards.stage} > {log} 2>&1"
