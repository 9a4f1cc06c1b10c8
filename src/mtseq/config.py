"""Load and validate a workflow config, reporting the first problem as one line naming its key.

The Snakefile and every CLI stage validate through here, against the one
schema in workflow/schemas/ (JSON Schema 2020-12 via snakemake.utils.validate,
which also fills in the defaults), then check what a schema cannot say:
task names in ratio keys and whether a setting's tasks fit its sharing.
"""

from __future__ import annotations

import os
from pathlib import Path

import jsonschema
import yaml

from mtseq.errors import ConfigError, MtseqError
from mtseq.tasks import check_setting, get_task

SCHEMA = Path(
    os.environ.get("MTSEQ_SCHEMA", Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml")
)


def _key(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<root>"


def _at(config, path):
    for p in path:
        config = config[p]
    return config


def _describe(err: jsonschema.ValidationError, config: dict) -> ConfigError:
    path = list(err.absolute_path)
    holder = _at(config, path)
    if isinstance(holder, dict) and isinstance(err.instance, str) and err.instance in holder:
        # propertyNames errors point at the mapping; name the offending key itself
        return ConfigError(_key([*path, err.instance]), f"key not allowed here: {err.message}")
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = set(err.schema.get("properties", {}))
        extra = sorted(k for k in err.instance if k not in known)
        if extra:
            return ConfigError(_key([*path, extra[0]]), "unknown key")
    if err.validator == "enum":
        allowed = ", ".join(map(str, err.validator_value))
        return ConfigError(_key(path), f"{err.instance!r} is not one of: {allowed}")
    return ConfigError(_key(path), err.message)


def validate_config(config: dict, source: str | Path | None = None) -> dict:
    """Validate in place (defaults filled) and return the config; raise ConfigError on the first problem."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    if not isinstance(config, dict):
        raise MtseqError("config must be a mapping at the top level", source)
    try:
        validate(config, str(SCHEMA))
    except WorkflowError:
        # snakemake flattens the ValidationError into text; re-validate for the structured error
        schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(config))
        if not errors:
            raise
        err = _describe(jsonschema.exceptions.best_match(errors), config)
        raise ConfigError(err.key, err.message.split(": ", 1)[1], source) from None
    try:
        check_semantics(config)
    except ConfigError as err:
        err.path = None if source is None else str(source)
        raise
    return config


def check_semantics(config: dict) -> None:
    """What the schema cannot express: task names and setting fit."""
    for setting, spec in config.get("grid", {}).get("settings", {}).items():
        base = f"grid.settings.{setting}"
        reference = get_task(spec["reference"], f"{base}.reference").name
        tasks = [reference]
        for group in spec.get("auxiliary", {}):
            for name in group.split("+"):
                key = f"{base}.auxiliary.{group}"
                get_task(name, key)
                if name == reference:
                    raise ConfigError(key, f"'{name}' is the reference task; it always has ratio 1")
                tasks.append(name)
        check_setting(setting, tasks, f"{base}.auxiliary")


def load_config(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise MtseqError("config file not found", path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise MtseqError(
            f"invalid YAML: {getattr(err, 'problem', err)}", path, mark.line + 1 if mark else None
        ) from None
    except UnicodeDecodeError:
        raise MtseqError("config is not valid UTF-8", path) from None
    return validate_config(config or {}, path)
