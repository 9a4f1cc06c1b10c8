# Config sections as files named by their content (mtseq.pipeline.section_file), written when a job
# first needs one, so that planning writes nothing.


localrules:
    section,


rule section:
    """Write a config section file when a job first needs it: planning (a dry run, --report) writes nothing."""
    output:
        "{folder}/params/{name}-{digest}.yaml",
    log:
        f"{LOGS}/sections/{{folder}}/{{name}}-{{digest}}.log",
    wildcard_constraints:
        digest="[0-9a-f]{12}",
    conda:
        CONDA_ENV
    params:
        text=lambda wc, output: SECTIONS[output[0]],
    shell:
        "printf '%s' {params.text:q} > {output} 2> {log}"
