"""Load and validate a workflow config, reporting the first problem as one line naming its key.

The Snakefile and every CLI stage read config files through ``load_yaml`` and
validate through ``validate_config``, against the one schema,
``mtseq/config.schema.yaml`` (JSON Schema 2020-12, snakemake.utils.validate's
recipe, which also fills in the defaults), then check what a schema cannot
say: finite numbers, task names in ratio keys, whether a setting's tasks fit
its sharing, and that the grid expands. Every one of these checks is inside
``validate_config``, so every refusal names the config file.

The schema is package data, read with importlib.resources, so a non-editable
``pip install .`` finds it (the workflow validates through this module, so the
schema needs no copy in workflow/schemas/). It is the only place defaults live:
code that takes one section (the trainer, the model, the decoder, a benchmark)
gets it through ``fill_section``, the same validator on that section alone.

The YAML reader is strict where PyYAML is lenient: a key given twice is
refused (PyYAML keeps the last, so a second ``one_to_many:`` block silently
replaced the first), numbers follow YAML 1.2 (``1e-12`` is a number, not the
string PyYAML 1.1 makes of it; ``010`` is ten, not octal eight), keys must be
strings, and a document that aliases expand beyond ``MAX_NODES`` values or
nest beyond ``MAX_DEPTH`` levels (a "billion laughs" bomb) is refused before
anything walks it.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import re
import stat
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from mtseq.errors import ConfigError, MtseqError, short_repr
from mtseq.tasks import check_setting, get_task

SCHEMA = "config.schema.yaml"  # package data of mtseq
MAX_BYTES = 16 * 2**20  # a config is kilobytes; more is a wrong file
MAX_NODES = 1_000_000  # values after alias expansion
MAX_DEPTH = 64  # nesting levels (the schema's deepest is 7)
MAX_INT = 2**63 - 1  # seeds and counts; numpy and torch take 64-bit integers


# -- the YAML reader ------------------------------------------------------------------------------------------------

_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_INT_TAG, _FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"


class _StrictConstructor(yaml.constructor.SafeConstructor):
    """PyYAML's safe constructor with YAML 1.2 numbers, refusing duplicate and non-string keys."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    raise _Refused(f"key {short_repr(key)} is not a string (quote it)", line)
                if key in seen:
                    raise _Refused(f"duplicate key {short_repr(key)} (first on line {seen[key]})", line)
                seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):
        value = self.construct_scalar(node)
        if not _INT_12.match(value):  # an explicit !!int tag on another spelling (0b101, 1_000)
            return super().construct_yaml_int(node)
        sign = -1 if value[:1] == "-" else 1
        digits = value.lstrip("+-")
        if len(digits) > 100:
            raise _Refused(f"number {short_repr(value, 40)} has more than 100 digits", node.start_mark.line + 1)
        if digits.startswith("0o"):
            return sign * int(digits[2:], 8)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        return sign * int(digits, 10)

    def construct_yaml_float(self, node):
        value = self.construct_scalar(node)
        text = value.lower()
        if text.lstrip("+-") == ".inf":
            return -math.inf if text.startswith("-") else math.inf
        if text == ".nan":
            return math.nan
        try:
            return float(value.replace("_", ""))
        except ValueError:
            raise _Refused(f"not a number: {short_repr(value, 40)}", node.start_mark.line + 1) from None


_StrictConstructor.add_constructor(_INT_TAG, _StrictConstructor.construct_yaml_int)
_StrictConstructor.add_constructor(_FLOAT_TAG, _StrictConstructor.construct_yaml_float)


class _Resolver12(yaml.resolver.Resolver):
    """Implicit tags of YAML 1.1 except for numbers, which follow the YAML 1.2 core schema."""


_Resolver12.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_Resolver12.add_implicit_resolver(_INT_TAG, _INT_12, list("-+0123456789"))
_Resolver12.add_implicit_resolver(_FLOAT_TAG, _FLOAT_12, list("-+0123456789."))

if getattr(yaml, "__with_libyaml__", False):  # libyaml parses a large config ten times faster

    class StrictLoader(yaml.cyaml.CParser, _StrictConstructor, _Resolver12):
        def __init__(self, stream):
            yaml.cyaml.CParser.__init__(self, stream)
            _StrictConstructor.__init__(self)
            _Resolver12.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class StrictLoader(
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer,
        _StrictConstructor, _Resolver12,
    ):  # fmt: skip
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _StrictConstructor.__init__(self)
            _Resolver12.__init__(self)


class _Refused(Exception):
    """A problem the loader finds in one place of the document: (message, line)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line


def _check_size(root: yaml.Node) -> None:
    """Refuse a node graph that expands beyond MAX_NODES values, nests beyond MAX_DEPTH or refers to itself.

    Aliases make the graph a DAG, so a few lines can stand for billions of values; the count is
    memoised per node, so this takes time linear in the file, never in the expansion.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            line = node.start_mark.line + 1
            if size[key] > MAX_NODES:
                raise _Refused(f"expands to more than {MAX_NODES:,} values (aliases of aliases?)", line)
            if height[key] > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep", line)
            continue
        if key in size:
            continue
        if key in on_path:
            raise _Refused("an alias refers to a value that contains it", node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in children if id(c) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load_yaml(text: str, source: str | Path | None = None):
    """One YAML document read strictly (see the module doc); problems are MtseqErrors naming ``source`` and line."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node)
        return loader.construct_document(node)
    except _Refused as err:
        raise MtseqError(f"invalid YAML: {err.message}", source, err.line) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        raise MtseqError(f"invalid YAML: {problem}", source, mark.line + 1 if mark else None) from None
    except RecursionError:
        raise MtseqError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", source) from None
    finally:
        loader.dispose()


def read_config_file(path: str | Path):
    """The parsed content of a config file (not yet validated); every way a file can be wrong is one MtseqError."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise MtseqError("config file not found", path) from None
    except OSError as err:
        raise MtseqError(f"cannot read config file ({err.strerror or err})", path) from None
    if stat.S_ISDIR(st.st_mode):
        raise MtseqError("config path is a directory, not a file", path)
    if not stat.S_ISREG(st.st_mode):
        raise MtseqError("config path is not a regular file (a FIFO, socket or device)", path)
    if st.st_size > MAX_BYTES:
        raise MtseqError(f"config file is {st.st_size:,} bytes, more than {MAX_BYTES:,}: not a config", path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise MtseqError(f"config is not valid UTF-8 (byte 0x{err.object[err.start]:02x})", path) from None
    except OSError as err:
        raise MtseqError(f"cannot read config file ({err.strerror or err})", path) from None
    return load_yaml(text.removeprefix("\ufeff"), path)


def workflow_config(configfiles, overrides: Mapping | None = None) -> dict:
    """The Snakefile's config, read again strictly: the files in order, deep-merged as Snakemake merges
    them, then ``--config`` overrides on top. Snakemake's own reading (YAML 1.1, duplicate keys kept
    silently) is replaced by this one."""
    merged: dict = {}
    for path in configfiles:
        content = read_config_file(path)
        if content is None:
            continue
        if not isinstance(content, dict):
            raise MtseqError("config must be a mapping at the top level", path)
        _merge(merged, content)
    if overrides:
        _merge(merged, dict(overrides))
    _drop_null_settings(merged)
    return merged


def _drop_null_settings(config: dict) -> None:
    """A later file removes a setting an earlier one defined with ``<setting>: null`` (key-by-key merging
    cannot otherwise narrow the grid: config/powered.yaml keeps one setting of the default)."""
    settings = (config.get("grid") or {}).get("settings")
    if isinstance(settings, dict):
        for name in [k for k, v in settings.items() if v is None]:
            del settings[name]


def _merge(into: dict, new: Mapping) -> None:
    """Snakemake's update_config: nested mappings merge key by key, anything else replaces."""
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


# -- validation -------------------------------------------------------------------------------------------------------


def _key(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<root>"


def _at(config, path):
    for p in path:
        config = config[p]
    return config


def _message(err: jsonschema.ValidationError) -> str:
    """jsonschema's message with the offending value cut short (it quotes the whole value)."""
    full = repr(err.instance)
    message = err.message
    if len(full) > 60 and full in message:
        message = message.replace(full, short_repr(err.instance, 60))
    return message


def _describe(err: jsonschema.ValidationError, config: dict) -> tuple[str, str]:
    """(config key, problem) of a schema error."""
    path = list(err.absolute_path)
    holder = _at(config, path)
    if isinstance(holder, dict) and isinstance(err.instance, str) and err.instance in holder:
        # propertyNames errors point at the mapping; name the offending key itself
        return _key([*path, err.instance]), f"key not allowed here: {_message(err)}"
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = set(err.schema.get("properties", {}))
        extra = sorted(str(k) for k in err.instance if k not in known)
        if extra:
            return _key([*path, extra[0]]), "unknown key"
    if err.validator == "enum":
        allowed = ", ".join(map(str, err.validator_value))
        return _key(path), f"{short_repr(err.instance)} is not one of: {allowed}"
    return _key(path), _message(err)


def check_values(config) -> None:
    """Every number finite and every integer within 64 bits, anywhere in the config (walked without recursion).

    The schema cannot say it: NaN passes ``minimum: 0`` (every comparison with it is false).
    """
    stack = [((), config)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(_key(path), f"{value} is not a finite number")
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise ConfigError(_key(path), f"{short_repr(value, 40)} is out of range (at most 2^63-1)")


@functools.cache
def _schema() -> dict:
    text = resources.files("mtseq").joinpath(SCHEMA).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def schema_default(dotted: str):
    """The schema's default of one config key (``data.vocab.max_size``): for the flags of a command that a
    person runs by hand, so that its defaults are the workflow's and spelled only in the schema."""
    node = _schema()
    for key in dotted.split("."):
        node = node["properties"][key]
        if "$ref" in node and "default" not in node:
            node = _schema()["$defs"][node["$ref"].rpartition("/")[2]]
    return copy.deepcopy(node["default"])


def schema_defaults(dotted: str) -> dict:
    """The schema's defaults of every property of one object key (``grid.adaptive``, ``optimum``): for
    code that fills options itself, so that no Python dict repeats a default the schema spells."""
    node = _schema()
    for key in dotted.split("."):
        node = node["properties"][key]
    return {k: copy.deepcopy(v["default"]) for k, v in node["properties"].items() if "default" in v}


@functools.cache
def _section_schema(name: str) -> dict:
    """The schema of a config holding only section ``name`` (the root's $defs kept for its $refs)."""
    root = _schema()
    if name not in root["properties"]:
        raise ValueError(f"no config section {name!r} in the schema")
    return {
        "$schema": root["$schema"],
        "$defs": root.get("$defs", {}),
        "type": "object",
        "additionalProperties": False,
        "properties": {name: root["properties"][name]},
    }


def fill_section(name: str, section: Mapping | None) -> dict:
    """Config section ``name`` (``model``, ``train``, ``decode`` ...) validated and with its defaults filled.

    For code that takes one section rather than a whole config file (a command's section file, a
    test, a benchmark, a library caller): the same schema and the same checks as ``validate_config``,
    so there is no second copy of a default to drift from the schema's. A new dict is returned;
    ``section`` is not changed. A problem is a ConfigError naming the key (``train.optimizer``).
    """
    config = {name: copy.deepcopy(dict(section or {}))}
    check_values(config)
    try:
        _filling_validator(name).validate(config)
    except jsonschema.ValidationError:
        validator = jsonschema.Draft202012Validator(_section_schema(name))
        errors = list(itertools.islice(validator.iter_errors(config), 1000))
        raise ConfigError(*_describe(jsonschema.exceptions.best_match(errors), config)) from None
    return config[name]


@functools.cache
def _filling_validator(section: str | None = None) -> jsonschema.protocols.Validator:
    """Draft 2020-12 that fills each ``default`` as it validates: snakemake.utils.validate's recipe (the
    jsonschema FAQ's), with the schema read once per process and each default copied, not shared.
    ``section``: a validator of that section alone (``fill_section``)."""
    base = jsonschema.Draft202012Validator
    validate_properties = base.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        for name, subschema in properties.items():
            if "default" in subschema and isinstance(instance, dict):
                instance.setdefault(name, copy.deepcopy(subschema["default"]))
        yield from validate_properties(validator, properties, instance, schema)

    schema = _schema() if section is None else _section_schema(section)
    return jsonschema.validators.extend(base, {"properties": set_defaults})(schema)


def validate_config(config: dict, source: str | Path | None = None) -> dict:
    """Validate in place (defaults filled) and return the config; raise ConfigError on the first problem.

    Every check is here, so every refusal names ``source``: values, schema, tasks and settings, the grid.
    """
    if not isinstance(config, dict):
        raise MtseqError("config must be a mapping at the top level", source)
    try:
        check_values(config)
        try:
            _filling_validator().validate(config)
        except jsonschema.ValidationError:
            # the first error found; re-validate for the most relevant one
            errors = list(itertools.islice(jsonschema.Draft202012Validator(_schema()).iter_errors(config), 1000))
            raise ConfigError(*_describe(jsonschema.exceptions.best_match(errors), config)) from None
        check_semantics(config)
    except MtseqError as err:
        err.path = None if source is None else str(source)
        raise
    return config


def check_semantics(config: dict) -> None:
    """What the schema cannot express: task names, setting fit, and a grid that expands."""
    from mtseq.grid import expand_grid

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
    expand_grid(config.get("grid") or {})


def load_config(path: str | Path) -> dict:
    """Read (strictly) and validate a config file; every problem is one MtseqError naming the file."""
    config = read_config_file(path)
    return validate_config({} if config is None else config, path)


def load_section(path: str | Path, dotted: str):
    """Section ``dotted`` (``data.vocab``) of a config file, validated and with the schema's defaults filled.

    The one way a rule's command takes its options: ``path`` is the section file the workflow wrote
    (its input, so editing the section reruns exactly the jobs that read it) or, by hand, a whole
    config file. A section or key the file leaves out has the schema's defaults, as in the workflow.
    """
    config = read_config_file(path)
    node = config = {} if config is None else config
    for key in dotted.split("."):  # an absent section is an empty one: validation fills its defaults
        if not isinstance(node, dict):
            break
        node = node.setdefault(key, {})
    node = validate_config(config, path)
    for key in dotted.split("."):
        node = node[key]
    return node
