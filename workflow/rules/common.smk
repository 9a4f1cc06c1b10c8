# Paths and file lists shared by the rules; computed in mtseq.pipeline, not here.

from mtseq import pipeline

ROOT = str(pipeline.data_root(config))
LOGS = "logs"
DATA_TARGETS = pipeline.data_targets(config)
SECTIONS = {}  # section file -> its YAML text, for the `section` rule


def _section(folder, paths):
    path, text = pipeline.section_file(config, paths, folder)
    SECTIONS[path] = text
    return path


def data_section(*paths):
    """Data config sections as a file beside the data they make, named by its content (never rewritten)."""
    return _section(f"{ROOT}/params", paths)


def section(*paths):
    """Config sections as a file under results/params, named by its content (never rewritten)."""
    return _section(f"{config['results']}/params", paths)


localrules:
    section,


rule section:
    """Write a config section file when a job first needs it: planning (a dry run, --report) writes nothing."""
    output:
        "{folder}/params/{name}-{digest}.yaml",
    wildcard_constraints:
        digest="[0-9a-f]{12}",
    params:
        text=lambda wc, output: SECTIONS[output[0]],
    shell:
        "printf '%s' {params.text:q} > {output}"
