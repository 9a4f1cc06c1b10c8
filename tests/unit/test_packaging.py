"""pyproject.toml ships only files that exist, and environment.yml asks for what pyproject.toml asks for.

Two lists of dependencies drift apart unless something compares them (issue 14 found the conda file
without the test extras and pyproject naming a py.typed that was never written).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _split(requirement: str) -> tuple[str, str]:
    """(normalised name, version specifier) of a requirement such as ``transformers>=4.40,<5``."""
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_package_data_names_only_files_that_exist():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    for package, patterns in project["tool"]["setuptools"]["package-data"].items():
        root = REPO / "src" / package.replace(".", "/")
        for pattern in patterns:
            assert list(root.glob(pattern)), f"pyproject ships {package}/{pattern}, which does not exist"


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    pip = next(d["pip"] for d in env if isinstance(d, dict))
    conda = [d for d in env if isinstance(d, str)]
    given = dict(_split(r) for r in conda + [p for p in pip if not p.startswith("-")])
    assert given.pop("python") == ">=" + project["requires-python"].removeprefix(">=")
    assert given.pop("pip") == ""
    assert set(given) == set(wanted), (
        f"only in environment.yml: {set(given) - set(wanted)}; only in pyproject: {set(wanted) - set(given)}"
    )
    pins = dict(_split(line) for line in (REPO / "constraints.txt").read_text().splitlines() if line and line[0] != "#")
    for name, spec in given.items():
        # the same bounds, or the exact pin constraints.txt holds
        assert spec == wanted[name] or spec == pins.get(name), (
            f"{name}: environment.yml {spec}, pyproject {wanted[name]}"
        )
