"""DVC: the generated default corpus reproduces data.dvc bit-identically; dvc.yaml's data stage runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_runner import REPO, snakemake

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A clone of the committed repository (what a user gets), with the default data generated."""
    dest = tmp_path_factory.mktemp("clone") / "mtseq"
    _run(["git", "clone", "--quiet", str(REPO), str(dest)], cwd=dest.parent)
    snakemake(dest, "--cores", "2", "data")
    return dest


def test_regenerated_data_matches_data_dvc(clone):
    """Re-adding the regenerated data/ leaves data.dvc unchanged: the same hash, bit for bit."""
    dvc = [str(Path(sys.executable).parent / "dvc")]
    committed = (clone / "data.dvc").read_text()
    _run([*dvc, "add", "data"], cwd=clone)
    assert (clone / "data.dvc").read_text() == committed
    status = _run([*dvc, "status", "data.dvc"], cwd=clone)
    assert "up to date" in status.stdout.lower(), status.stdout


def test_dvc_repro_runs_the_data_stage(clone):
    dvc = [str(Path(sys.executable).parent / "dvc")]
    _run([*dvc, "repro", "data"], cwd=clone)
    lock = (clone / "dvc.lock").read_text()
    assert "data:" in lock and "snakemake --cores all data" in lock
    again = _run([*dvc, "status", "data"], cwd=clone)
    assert "up to date" in again.stdout.lower() or again.stdout.strip() == "", again.stdout
