# Paths and file lists shared by the rules; computed in mtseq.pipeline, not here.

from mtseq import pipeline

ROOT = str(pipeline.data_root(config))
LOGS = "logs"
DATA_TARGETS = pipeline.data_targets(config)


def data_section(*paths):
    """Data config sections as a file beside the data they make, named by its content (never rewritten)."""
    return pipeline.write_section(config, paths, f"{ROOT}/params")


def section(*paths):
    """Config sections as a file under results/params, named by its content (never rewritten)."""
    return pipeline.write_section(config, paths, f"{config['results']}/params")
