"""DVC on the default config: the data stage regenerates data/synthetic bit-identically, and its deps
cover every module its commands import (so an edit of generation code can never leave stale data)."""

from __future__ import annotations

import ast
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers.workflow_runner import REPO, snakemake

SRC = REPO / "src"
# the subcommands the data rules call (workflow/rules/data.smk, silver.smk)
DATA_COMMANDS = ("corpus", "tokenise", "linearise", "vocab", "fetch", "prepare", "silver")


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def _module_file(name: str) -> Path | None:
    path = SRC.joinpath(*name.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _mtseq_imports(path: Path, module: str) -> set[str]:
    """Every mtseq module ``path`` imports, at the top or inside a function (commands import lazily)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m == "mtseq" or m.startswith("mtseq.")}


def _closure(roots: list[str]) -> set[Path]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        parts = todo.pop().split(".")
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            path = _module_file(name)
            if path is not None and name not in seen:
                seen.add(name)
                todo.extend(_mtseq_imports(path, name))
    return {_module_file(m) for m in seen}


def test_the_data_stage_depends_on_every_module_its_commands_import():
    """A module the data commands import but the data stage does not list would let `dvc repro` keep
    data made by old code: the stale-result bug of issue 14, one level down."""
    stage = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]["data"]
    deps = [REPO / d for d in stage["deps"]]
    # the Snakefile and rules are not Python to ast; their import lines are
    workflow = [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]
    snakefile_imports = [
        m.group(1) for f in workflow for m in re.finditer(r"^\s*(?:from|import) (mtseq[\w.]*)", f.read_text(), re.M)
    ]
    used = _closure(["mtseq.cli", *snakefile_imports, *(f"mtseq.commands.{c}" for c in DATA_COMMANDS)])
    missing = sorted(str(p.relative_to(REPO)) for p in used if not any(p == d or d in p.parents for d in deps))
    assert not missing, f"dvc.yaml's data stage does not depend on {missing}"
    for dep in deps:
        assert dep.exists(), f"dvc.yaml names {dep.relative_to(REPO)}, which does not exist"


def _tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(root.rglob("*"))
        if f.is_file() and "params" not in f.relative_to(root).parts
    }


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A clone of the committed repository (what a user gets), with the default data generated."""
    dest = tmp_path_factory.mktemp("clone") / "mtseq"
    _run(["git", "clone", "--quiet", str(REPO), str(dest)], cwd=dest.parent)
    snakemake(dest, "--cores", "2", "data")
    return dest


@pytest.mark.slow
def test_dvc_repro_regenerates_the_default_data_bit_identically(clone):
    """`dvc repro data` deletes its out (data/synthetic) and makes it again: the same bytes as Snakemake's
    run before it, and then the stage is up to date."""
    dvc = [str(Path(sys.executable).parent / "dvc")]
    before = _tree_hashes(clone / "data" / "synthetic")
    assert len(before) > 50
    _run([*dvc, "repro", "data"], cwd=clone)
    lock = yaml.safe_load((clone / "dvc.lock").read_text())["stages"]["data"]
    assert lock["cmd"] == "snakemake --cores all data"
    assert [o["path"] for o in lock["outs"]] == ["data/synthetic"]
    assert _tree_hashes(clone / "data" / "synthetic") == before
    again = _run([*dvc, "status", "data"], cwd=clone)
    assert "up to date" in again.stdout.lower() or again.stdout.strip() == "", again.stdout
