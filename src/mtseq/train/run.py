"""One grid cell's training run, in its own directory, safe to re-run and to kill.

The directory holds ``config.yaml`` (the resolved config plus the run's
arguments), ``train.log``, ``checkpoints/``, and at the end ``model.pt``,
``train.json`` and ``COMPLETED``. Started again with the same arguments, a
completed run does nothing and an interrupted one resumes from its newest
intact checkpoint; started with different arguments, it refuses rather
than mixing two runs in one directory.

The directory has one writer: the process that trains it holds its lock
(``mtseq.locks.hold_run_dir``) from before it looks at the directory until
it returns, and a second process on the same directory is refused naming
the first one's pid.

Launched by torchrun (``mtseq train --nproc N``), every process trains its
slice of each batch (``mtseq.train.distributed``); only rank 0 touches the
directory (and holds its lock), and tells the others whether the run is
already complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import numbers
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import yaml

from mtseq.config import fill_section
from mtseq.errors import ConfigError, MtseqError, describe, short_repr
from mtseq.grid import MAX_SEED, cell_id
from mtseq.io import atomic_open, write_json
from mtseq.layout import Layout
from mtseq.locks import hold_run_dir
from mtseq.model import build_model, save_model
from mtseq.progress import Progress, stderr_is_terminal
from mtseq.tasks import check_setting, get_task
from mtseq.train import distributed
from mtseq.train.checkpoint import CheckpointDir
from mtseq.train.examples import TaskData, load_task, load_vocabs
from mtseq.train.gpus import claimed_device
from mtseq.train.mixing import Mixer
from mtseq.train.trainer import Trainer, reference_updates

log = logging.getLogger("mtseq.train")
DONE = "COMPLETED"


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device", "cuda requested but no GPU is available")
    return torch.device(name)


def data_digest(layout: Layout, tasks: list[str]) -> str:
    """SHA-256 of the training and validation files and vocabularies the run reads, names and contents.

    Part of the run's fingerprint: the data path alone did not tell a run trained on old data from
    one on regenerated data at the same path (``dvc exp run -S data...``), so a finished run, or its
    checkpoints, would be taken up again and its old model reported with the new data (issue 14).
    """
    files: set[Path] = set()
    for name in tasks:
        task = get_task(name)
        for split in ("train", "valid"):
            files |= {Path(p) for p in task.files(layout, split).values()}
        files |= {p for side in (task.source, task.target) if side != "img" for p in layout.vocab_files(side)}
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path.relative_to(layout.root)}\0".encode())
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
        except FileNotFoundError:
            digest.update(b"\0missing")  # training reports the missing file, naming it
        digest.update(b"\0")
    return digest.hexdigest()


def run_spec(config: dict, setting: str, reference: str, ratios: dict, seed: int, data, cell: str) -> dict:
    """What decides a run's result; its fingerprint tells a finished run from another one."""
    tasks = [reference, *sorted(t for t, r in ratios.items() if r > 0)]
    return {
        "setting": setting,
        "cell": cell,
        "seed": int(seed),
        "reference": reference,
        "ratios": {t: float(r) for t, r in sorted(ratios.items()) if r > 0},
        "data": str(data),
        "data_sha256": data_digest(Layout(data), tasks),
        "model": fill_section("model", config.get("model")),
        "train": fill_section("train", config.get("train")),
    }


def fingerprint(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode("utf-8")).hexdigest()


OUTPUTS = (DONE, "train.json", "model.pt")


def _run_file(path: Path, kind: str):
    """A run directory's own file (``text``, ``json`` or ``yaml``), or None when absent; one that is
    unreadable or not what mtseq writes is refused, naming it, before anything in the directory changes."""
    if not path.exists():
        return None
    try:
        text = path.read_bytes().decode("utf-8")
        if kind == "json":
            return json.loads(text)
        if kind == "yaml":
            return yaml.safe_load(text)
        return text.strip()
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as err:
        raise MtseqError(
            f"not a file of an mtseq run ({describe(err)}); delete it, or the directory, to start afresh", path
        ) from None


def _check_previous(out: Path, digest: str, overwrite: bool) -> dict | None:
    """The completed run's train.json when it matches; None to (re)start.

    A directory holding another run (other config or arguments) is refused,
    or with ``overwrite`` cleared of that run's outputs and checkpoints; so is
    one whose files mtseq did not write (a config.yaml without a run fingerprint).
    """
    if out.exists() and not out.is_dir():
        raise MtseqError("run directory path exists and is not a directory", out)
    done = out / DONE
    finished = _run_file(done, "text")
    if finished == digest:
        previous = _run_file(out / "train.json", "json")
        if isinstance(previous, dict) and (out / "model.pt").is_file():
            return previous
        done.unlink()  # outputs removed since (by hand or by a workflow manager): resume and rewrite them
        finished = None
    old = _run_file(out / "config.yaml", "yaml")
    if old is not None:
        run = old.get("run") if isinstance(old, dict) else None
        old = run.get("fingerprint") if isinstance(run, dict) else None
        if old is None and not overwrite:
            raise MtseqError(
                "not the config of an mtseq run (no run.fingerprint); delete it or pass --overwrite",
                out / "config.yaml",
            )
    other = finished is not None or (old != digest and CheckpointDir(out / "checkpoints").paths())
    if other and not overwrite:
        what = "a completed run" if finished is not None else "checkpoints of a run"
        raise MtseqError(f"holds {what} with a different config or arguments; delete it or pass --overwrite", out)
    if other:
        log.warning("%s: removing the outputs and checkpoints of a different run (--overwrite)", out)
        for name in OUTPUTS:
            (out / name).unlink(missing_ok=True)
        for path in CheckpointDir(out / "checkpoints").paths():
            path.unlink()
    return None


def _load_data(layout: Layout, tasks: list[str], max_len: int) -> tuple[dict, dict, dict]:
    vocabs = load_vocabs(layout, [m for t in tasks for m in (get_task(t).source, get_task(t).target)])
    train: dict[str, TaskData] = {}
    valid: dict[str, TaskData] = {}
    for t in tasks:
        train[t] = load_task(layout, t, "train", vocabs, max_len=max_len)
        if len(train[t]) == 0:
            raise MtseqError(f"task {t} has no training examples of at most {max_len} tokens", layout.root)
        valid[t] = load_task(layout, t, "valid", vocabs)
        if len(valid[t]) == 0:
            raise MtseqError(f"task {t} has no validation examples", layout.root)
    return vocabs, train, valid


def _log_to(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)
    return handler


def train_run(
    config: dict,
    setting: str,
    reference: str,
    ratios: dict[str, float],
    seed: int,
    data: str | Path,
    out: str | Path,
    cell: str | None = None,
    progress: bool = False,
    overwrite: bool = False,
    status: Callable[[str], None] | None = None,
) -> dict:
    """Train one (setting, ratios, seed) cell into ``out``; return its train.json content.

    ``ratios`` holds the auxiliary tasks' α (the reference always has 1;
    α = 0 leaves a task out, so ``{}`` is the single-task baseline).
    ``overwrite`` lets a directory holding another run's results be cleared.
    ``progress`` shows a bar on a terminal (a progress line at growing intervals
    in a log file); ``status`` gets a one-line summary at intervals, for a person.
    Refused (``RunDirBusy``) while another process holds ``out``.
    """
    get_task(reference, "--reference")
    for t in ratios:
        get_task(t, "--ratios")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise ConfigError("--seed", f"must be an integer in 0 ... 2^63-1, not {short_repr(seed, 40)}")
    ratios = {t: float(r) for t, r in ratios.items() if r > 0}
    if reference in ratios:
        raise ConfigError("--ratios", f"'{reference}' is the reference task; its ratio is always 1")
    tasks = [reference, *sorted(ratios)]
    check_setting(setting, [reference], "--setting")  # an unknown setting is the --setting's fault
    check_setting(setting, tasks, "--ratios")
    out = Path(out)
    cell = cell or cell_id(dict(sorted(ratios.items())))  # the grid's id (parse0.01), as the workflow names it
    spec = run_spec(config, setting, reference, ratios, seed, data, cell)
    digest = fingerprint(spec)
    group = distributed.start(resolve_device(spec["train"]["device"]))
    try:
        with contextlib.ExitStack() as held:
            previous = _prepare(out, config, spec, digest, overwrite, group, held)
            if previous is not None:
                log.info("%s: already complete, nothing to do", out)
                return previous
            handler = _log_to(out / "train.log") if group is None or group.writer else None
            try:
                return _train(spec, tasks, out, progress, group, status)
            finally:
                if handler is not None:
                    log.removeHandler(handler)
                    handler.close()
    finally:
        distributed.stop(group)


def _prepare(
    out: Path, config: dict, spec: dict, digest: str, overwrite: bool, group, held: contextlib.ExitStack
) -> dict | None:
    """The completed run's train.json, or None once ``out`` is ready for this run (its config.yaml written).

    Only rank 0 locks (for as long as ``held`` lasts), looks and writes; the other
    ranks get its answer, or stop when it failed.
    """
    if group is not None and not group.writer:
        previous, failed = group.broadcast(None)
        if failed:
            raise MtseqError("stopped: rank 0 could not prepare the run directory (its error says why)", out)
        return previous
    try:
        held.enter_context(hold_run_dir(out, "train"))
        previous = _check_previous(out, digest, overwrite)
        if previous is None:
            out.mkdir(parents=True, exist_ok=True)
            resolved = {**config, "model": spec["model"], "train": spec["train"]}
            keys = ("setting", "cell", "seed", "reference", "ratios", "data", "data_sha256")
            resolved["run"] = {k: spec[k] for k in keys}
            resolved["run"]["fingerprint"] = digest
            with atomic_open(out / "config.yaml") as fh:
                yaml.safe_dump(resolved, fh, sort_keys=False)
    except BaseException:
        if group is not None:
            group.broadcast((None, True))
        raise
    if group is not None:
        group.broadcast((previous, False))
    return previous


def _train(spec: dict, tasks: list[str], out: Path, progress: bool, group=None, status=None) -> dict:
    torch.set_num_threads(spec["train"]["threads"])
    name = f"{spec['setting']}/{spec['cell']}/seed{spec['seed']}"
    tty = stderr_is_terminal()
    report = Progress(name, bar=progress and tty, log=None if tty else log, status=status)
    if group is not None:
        return _train_on(group.device, spec, tasks, out, report, group)
    with claimed_device(resolve_device(spec["train"]["device"])) as device:
        return _train_on(device, spec, tasks, out, report, None)


def _train_on(device: torch.device, spec: dict, tasks: list[str], out: Path, progress: Progress, group) -> dict:
    tcfg, mcfg = spec["train"], spec["model"]
    layout = Layout(spec["data"])
    vocabs, train, valid = _load_data(layout, tasks, tcfg["max_len"])
    feature_dim = next((int(d.features.shape[1]) for d in train.values() if d.features is not None), None)
    model = build_model(mcfg, tasks, {k: len(v) for k, v in vocabs.items()}, feature_dim, spec["seed"]).to(device)
    reference = spec["reference"]
    bpe = -(-len(train[reference]) // tcfg["batch_size"])
    n_ref = reference_updates(tcfg, bpe)
    mixer = Mixer(reference, spec["ratios"], {t: len(d) for t, d in train.items()}, tcfg["mixing"], spec["seed"], n_ref)
    ckpts = CheckpointDir(out / "checkpoints", keep=tcfg["keep_checkpoints"])
    trainer = Trainer(model, train, valid, mixer, tcfg, spec["seed"], device, ckpts, progress=progress, group=group)
    world = group.world if group else 1
    log.info(
        "run %s/%s seed %d on %s%s: tasks %s, N=%d reference updates (%d a reference epoch), probabilities %s",
        spec["setting"],
        spec["cell"],
        spec["seed"],
        device,
        f" x {world} processes ({group.backend})" if group else "",
        ", ".join(f"{t} ({len(train[t])} train)" for t in tasks),
        n_ref,
        bpe,
        {t: round(p, 4) for t, p in mixer.probabilities(0).items()},
    )
    trainer.resume()
    summary = trainer.run()
    if not trainer.writer:
        return summary
    save_model(out / "model.pt", model, extra={k: spec[k] for k in ("setting", "cell", "seed", "reference")})
    result = {
        "setting": spec["setting"],
        "cell": spec["cell"],
        "seed": spec["seed"],
        "reference": reference,
        "ratios": {reference: 1.0, **spec["ratios"]},
        "skipped_long": {t: int(d.skipped.get("long", 0)) for t, d in train.items()},
        "skipped_empty": {t: int(d.skipped.get("empty", 0)) for t, d in train.items()},
        "train_examples": {t: len(d) for t, d in train.items()},
        "device": str(device),
        "processes": world,
        "params": int(sum(p.numel() for p in model.parameters())),
        **summary,
    }
    log.info(
        "done: updates %s (expected %s), final valid ppl %s, %.0f tokens/s",
        result["updates"],
        {t: round(v, 1) for t, v in result["expected_updates"].items()},
        {t: round(v, 3) for t, v in result["final_valid_ppl"].items()},
        result["train_tokens_per_s"],
    )
    result = _plain(result)
    write_json(out / "train.json", result)
    with atomic_open(out / DONE) as fh:
        fh.write(fingerprint(spec) + "\n")
    return result


def _plain(obj):
    """JSON-safe copy (numpy scalars to Python numbers)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
