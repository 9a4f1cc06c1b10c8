# Paths and file lists shared by the rules; computed in mtseq.pipeline, not here.

from pathlib import Path

from mtseq import grid as _grid
from mtseq import pipeline
from mtseq.analysis import adaptive_files as _adaptive
from mtseq.analysis.optimum_files import confirm_cell, confirm_run_dirs

ROOT = str(pipeline.data_root(config))
LOGS = "logs"
# The software every job runs (the `mtseq` CLI and its dependencies), named by each rule for
# --sdm conda (and because `snakemake --lint` asks for it).
CONDA_ENV = f"{workflow.basedir}/environment.yml"
DATA_TARGETS = pipeline.data_targets(config)
CELLS = _grid.expand_grid(config["grid"])
RESULTS = config["results"]
RUN = f"{RESULTS}/runs/{{setting}}/{{cell}}/seed{{seed}}"
RUN_DIRS = _grid.unique_run_dirs(CELLS, RESULTS)  # a baseline shared by settings trains once
# Logs of the grid's jobs sit under their results folder's name and the data's under the data's
# name, so two configs run in one directory (config/multi30k.yaml and its attention overlay,
# the default and config/powered.yaml) keep each other's logs.
RUN_LOGS = f"{LOGS}/{RESULTS}"
DATA_LOGS = f"{LOGS}/data/{config['data']['name']}"
SECTIONS = {}  # section file -> its YAML text, for the `section` rule


def _section(folder, paths):
    path, text = pipeline.section_file(config, paths, folder)
    SECTIONS[path] = text
    return path


def data_section(*paths):
    """Data config sections as a file beside the data they make, named by its content (never rewritten)."""
    return _section(f"{ROOT}/params", paths)


def prepare_section(path):
    """``data.prepare.<part>...`` as a section file, or no input where the config prepares no such part."""
    return data_section(path) if pipeline.prepares(config, path) else []


def section(*paths):
    """Config sections as a file under results/params, named by its content (never rewritten)."""
    return _section(f"{config['results']}/params", paths)


def cell(wc):
    """The grid cell a train or evaluate job's wildcards name, or a confirmation cell at a fitted
    ratio (optimum.confirm; rule confirm)."""
    found = (
        _grid.find_cell(CELLS, wc.setting, wc.cell)
        or confirm_cell(config, wc.setting, wc.cell)
        or _adaptive.adaptive_cell(config, wc.setting, wc.cell)  # a ratio an adaptive stage added
    )
    if found is None:
        raise ValueError(f"no grid cell {wc.setting}/{wc.cell} in the config")
    return found


def confirm_metrics(wildcards):
    """metrics.json of the confirmation runs at the fitted alpha* (known once the checkpoint ran)."""
    table = checkpoints.optimum.get().output.table
    return [f"{d}/metrics.json" for d in confirm_run_dirs(config, table)]


def metrics_dirs(wildcards, input):
    """The run directories of a rule's metrics.json inputs, as one command-line argument list."""
    return " ".join(str(Path(p).parent) for p in input.metrics)


# Adaptive seed allocation (grid.adaptive; the checkpoint is in adaptive.smk)
ADAPTIVE = _adaptive.enabled(config)


def adaptive_plans(upto=None):
    """Stage plans 1..upto-1 (every decision, up to the stop, when upto is None): each one's checkpoint must run first."""
    plans, k = [], 1
    while upto is None or k < upto:
        path = checkpoints.adapt.get(stage=k).output.plan
        plans.append(path)
        if _adaptive.read_plan(path)["action"] == "stop":
            break
        k += 1
    return plans


def stage_metrics(upto=None):
    """metrics.json of the grid's runs and of every stage planned before ``upto`` (all stages: None)."""
    plans = [_adaptive.read_plan(p) for p in adaptive_plans(upto)]
    return [f"{d}/metrics.json" for d in _adaptive.stage_run_dirs(config, plans)]


def adaptive_metrics(wildcards):
    """Every stage's runs, up to the stop (rule aggregate's input under grid.adaptive)."""
    return stage_metrics()
