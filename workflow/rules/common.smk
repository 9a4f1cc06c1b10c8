# Paths and file lists shared by the rules; computed in mtseq.pipeline, not here.

from mtseq import pipeline

ROOT = str(pipeline.data_root(config))
LAYOUT = pipeline.layout(config)
LOGS = "logs"
DATA_TARGETS = pipeline.data_targets(config)


def section(*keys):
    """A config section as its own file; a rule that reads it reruns when (only) it changes."""
    return pipeline.write_section(config, keys, f"{ROOT}/params/{'.'.join(keys)}.yaml")
