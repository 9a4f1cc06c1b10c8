"""A non-editable `pip install .`: the package carries what it reads at run time (the JSON Schema).

The schema used to be found at ``Path(__file__).parents[2] / "workflow"``, which exists only in a
source checkout; here the wheel is installed into a fresh venv, away from the source tree, and
must still parse ``mtseq train --help`` and validate config/config.yaml. The venv sees the test
venv's site-packages through a .pth file (its third-party packages, offline, no torch download);
a .pth file read from that folder is not processed, so its editable mtseq stays out of sight.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from helpers.workflow_runner import copy_worktree

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_a_non_editable_install_finds_its_schema(tmp_path):
    src = copy_worktree(tmp_path / "src")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    site = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path).stdout.strip()
    )
    (site / "outer.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", str(src)],
        tmp_path,
    )  # fmt: skip
    found = _run([str(python), "-c", "import mtseq; print(mtseq.__file__)"], tmp_path).stdout.strip()
    assert Path(found).is_relative_to(site), found  # the installed copy, not a source tree
    usage = _run([str(venv / "bin" / "mtseq"), "train", "--help"], tmp_path).stdout
    assert "usage: mtseq train" in usage
    check = "from mtseq.config import load_config; import sys; print(load_config(sys.argv[1])['train']['bf16'])"
    assert _run([str(python), "-c", check, str(REPO / "config" / "config.yaml")], tmp_path).stdout.strip() in (
        "True",
        "False",
    )
