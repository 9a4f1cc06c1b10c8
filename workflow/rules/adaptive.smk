# Adaptive seed allocation (grid.adaptive): stage 1 is the grid; checkpoint `adapt` decides after each
# stage which runs the next one trains, or stops (mtseq adapt; plans in results/adaptive/stage<k>.json,
# decisions in results/seed_ledger.csv). Snakemake re-plans after each checkpoint, so one
# `snakemake --cores all` runs every stage, and the same command resumes a killed study.

from mtseq.analysis import adaptive_files as _adaptive

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


def adaptive_run_dirs(wildcards, input):
    return " ".join(str(Path(p).parent) for p in input.metrics)


if ADAPTIVE:

    checkpoint adapt:
        """After stage {stage}: the next stage's runs, or stop with the reason."""
        input:
            metrics=lambda wc: stage_metrics(int(wc.stage)),
            params=section("grid", "optimum"),
        output:
            plan=f"{RESULTS}/adaptive/stage{{stage}}.json",
        wildcard_constraints:
            stage=r"[1-9]\d*",
        log:
            f"{LOGS}/adapt/stage{{stage}}.log",
        shell:
            "mtseq adapt --config {input.params} --results {RESULTS} --stage {wildcards.stage} > {log} 2>&1"
