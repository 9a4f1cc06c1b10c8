# mtseq: multi-task seq2seq learning and its mixing-ratio sensitivity.
# Every rule is a thin shell around one `mtseq` subcommand; the logic lives in src/mtseq.

import sys

from snakemake.utils import min_version

from snakemake.settings.types import ExecMode

from mtseq.config import validate_config, workflow_config
from mtseq.errors import MtseqError, internal_error_line
from mtseq.locks import claim_workdir, mark_jobs, wait_for_orphans
from mtseq.pipeline import check_parts

min_version("9.0")

# config/config.yaml is the default; a --configfile replaces it rather than merging into it,
# so a paper or multi30k config never inherits the default grid.
DEFAULT_CONFIG = f"{workflow.basedir}/config/config.yaml"
if not workflow.overwrite_configfiles:

    configfile: DEFAULT_CONFIG


CONFIG_FILES = list(workflow.overwrite_configfiles) or [DEFAULT_CONFIG]
CONFIG_SOURCE = ", ".join(map(str, CONFIG_FILES))
try:
    # the files again through mtseq's strict reader (duplicate keys refused, YAML 1.2 numbers, alias bombs),
    # replacing what Snakemake's lenient reader made of them; --config overrides stay on top
    strict = workflow_config(CONFIG_FILES, workflow.config_settings.config)
    config.clear()
    config.update(strict)
    validate_config(config, CONFIG_SOURCE)  # values, schema (defaults filled), tasks and settings, the grid
    check_parts(config)  # a task whose data part the config does not make: one line, not a missing-file trace
except MtseqError as err:
    err.path = err.path or CONFIG_SOURCE
    sys.exit(f"mtseq: error: {err}")
except Exception as err:  # the last resort: one line, the traceback in a log file
    sys.exit(f"mtseq: error: {internal_error_line(err, CONFIG_SOURCE, 'Snakefile start-up')}")


# A workflow killed with SIGKILL leaves its lock: clear it when its process is gone, so the same
# command resumes (the main process only; jobs on other nodes must not judge the lock). Its jobs
# carry its identity in their environment, so a later run finds those still running (mtseq.locks).
if workflow.exec_mode == ExecMode.DEFAULT:
    if stale := claim_workdir():
        print(f"mtseq: {stale}", file=sys.stderr)
    mark_jobs()


onstart:
    # before the first job: wait for jobs that a killed workflow left running (not in a dry run)
    if workflow.exec_mode == ExecMode.DEFAULT:
        wait_for_orphans()


include: "workflow/rules/common.smk"
include: "workflow/rules/sections.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/silver.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/adaptive.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/optimum.smk"


report: "workflow/report/workflow.rst"


rule all:
    default_target: True
    input:
        DATA_TARGETS,
        rules.aggregate.output,
        rules.plot.output,
        rules.tables.output,
        rules.optimum.output,
        rules.confirm.output if CONFIRM else [],


rule data:
    input:
        DATA_TARGETS,
