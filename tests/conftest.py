"""Shared fixtures: the repository root and the real corpora in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_data() -> Path:
    return Path(os.environ.get("MTSEQ_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder; tests that need it skip with the reason when it is absent."""
    path = _shared_data()
    if not path.is_dir():
        pytest.skip(f"real corpora not found at {path} (set MTSEQ_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def ptb_sample_zip(shared_data: Path) -> Path:
    path = shared_data / "ptb_sample" / "treebank.zip"
    if not path.is_file():
        pytest.skip(f"PTB sample not found at {path}")
    return path
