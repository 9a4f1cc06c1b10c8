"""Config files for the commands under test: a rule's command reads its options from one (``--config``)."""

from __future__ import annotations

from pathlib import Path

import yaml


def config_file(folder: Path, doc: dict, name: str = "config.yaml") -> str:
    """``doc`` written as YAML to ``folder/name``: a section file as the workflow writes one, or a config."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=True), encoding="utf-8")
    return str(path)


def fetch_argv(folder: Path, url, sha256: str | None = None, name: str = "download") -> list[str]:
    """``mtseq fetch --config F --name NAME``, F holding fetch.NAME as the fetch rule's section file does."""
    entry = {"url": str(url), **({"sha256": sha256} if sha256 else {})}
    return ["fetch", "--config", config_file(folder, {"fetch": {name: entry}}, "fetch.yaml"), "--name", name]


def parse_argv(folder: Path, model, batch_size: int | None = None) -> list[str]:
    """``mtseq silver parse --config F --parser a``: F names ``model`` as parser a (the schema wants two)."""
    parse = {"parsers": {"a": str(model), "b": "benepar_en3"}, **({"batch_size": batch_size} if batch_size else {})}
    doc = {"data": {"silver": {"parse": parse}}}
    return ["silver", "parse", "--config", config_file(folder, doc, "parse.yaml"), "--parser", "a"]
