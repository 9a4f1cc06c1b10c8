# Figures and the report: seaborn plots of the sensitivity tables, captioned for `snakemake --report`.

PLOTS = pipeline.plot_files(config)


rule plot:
    input:
        sensitivity=f"{RESULTS}/sensitivity.csv",
        summary=f"{RESULTS}/summary.csv",
    output:
        curves=[
            report(
                p, caption="../report/sensitivity_plot.rst", category="Sensitivity", labels={"figure": Path(p).stem}
            )
            for p in PLOTS["curve"]
        ],
        heatmaps=[
            report(p, caption="../report/heatmap.rst", category="Sensitivity", labels={"figure": Path(p).stem})
            for p in PLOTS["heatmap"]
        ],
        overview=report(PLOTS["overview"][0], caption="../report/overview.rst", category="Overview"),
    log:
        f"{RUN_LOGS}/plot.log",
    conda:
        CONDA_ENV
    params:
        paper="--paper-builtin" if config["report"]["paper_points"] else "",
        out=lambda wc, output: str(Path(output.overview).parent),
    shell:
        "mtseq plot --sensitivity {input.sensitivity} --summary {input.summary} --out {params.out}"
        " {params.paper} > {log} 2>&1"


rule tables:
    """Expose the tables to the report (they are made by `aggregate`)."""
    input:
        summary=f"{RESULTS}/summary.csv",
        sensitivity=f"{RESULTS}/sensitivity.csv",
        markdown=f"{RESULTS}/summary.md",
    output:
        summary=report(f"{RESULTS}/report/summary.csv", caption="../report/summary_csv.rst", category="Tables"),
        sensitivity=report(
            f"{RESULTS}/report/sensitivity.csv", caption="../report/sensitivity_csv.rst", category="Tables"
        ),
        markdown=report(f"{RESULTS}/report/summary.md", caption="../report/summary.rst", category="Overview"),
    log:
        f"{RUN_LOGS}/tables.log",
    conda:
        CONDA_ENV
    shell:
        "cp {input.summary} {output.summary} && cp {input.sensitivity} {output.sensitivity}"
        " && cp {input.markdown} {output.markdown} 2> {log}"
