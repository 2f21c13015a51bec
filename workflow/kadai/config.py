"""Config validation with messages a student can act on.

Before any job runs, the Snakefile reads every config file itself (:func:`check_files`: a file
that is not UTF-8 or not valid YAML stops the build naming the file, line and column), then
:func:`validate` checks the merged configuration against ``config/schema.yaml`` and the rules no
schema can state (n_min ≤ n_max, a real calendar date, a model spec that fits a 28×28 image, a
learning rate that is a number, GPU kernel tiles that fit …). Every problem names the key, the
file and line that set it, the value and what is allowed, all in one :class:`ConfigError`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

import yaml

from . import cache
from .nini1 import tiles
from .train import spec
from .train.spec import SpecError, parse_optimizer, plan

SCHEMA = Path(__file__).resolve().parents[2] / "config" / "schema.yaml"
# libyaml's parser where PyYAML has it (10× faster at every Snakemake start); the pure-Python one
# explains a file that fails, since its messages and marks are the ones read_yaml words
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_FILE = "config/config.yaml"
SWEEPS = ("kadai1.sweep", "kadai2.matmul", "kadai2.conv", "nini1.sweep")
ORDERED = [(s, lo, hi) for s in SWEEPS for lo, hi in (("n_min", "n_max"), ("min_repeats", "max_repeats"))] + [
    ("kadai2.explain", "n_min", "n_max"), ("kadai4.dataset.augment", "size_min", "size_max")]


class ConfigError(ValueError):
    pass


def read_yaml(path) -> dict:
    """One config file as a dict; a file that is not UTF-8 or not YAML raises :class:`ConfigError`
    naming the file, the line and the fix."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise ConfigError(f"{path} line {line}: byte 0x{raw[e.start]:02x} is not UTF-8 — save the file "
                          "with the encoding UTF-8 (Japanese text included)") from None
    try:
        data = yaml.load(text, Loader=FAST_LOADER)
    except (yaml.YAMLError, ValueError):
        data = _explained_load(path, text)
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{path}: the file must be a mapping of keys (student:, kadai1: …), "
                          f"not a {type(data).__name__}")
    return data or {}


def _explained_load(path, text: str):
    """``text`` parsed by the pure-Python loader; where it fails, a :class:`ConfigError` with
    the file, line, column and what to fix."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark, opened = e.problem_mark or e.context_mark, e.context_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = "; ".join(str(p) for p in (e.context, e.problem) if p)
        if opened and mark and opened.line != mark.line:
            what += f"; it began on line {opened.line + 1}"
        raise ConfigError(f"{path}{where}: not valid YAML ({what}) — check the brackets, quotes, colons and "
                          "indentation (spaces, not tabs) on this line and the one before") from None
    except ValueError as e:  # a scalar YAML resolves but cannot build, e.g. the date 2024-13-45
        raise ConfigError(f"{path}{_failing_scalar(text)}: {e} — write dates as YYYY-MM-DD with a real month "
                          "and day, or quote the value") from None


def _failing_scalar(text: str) -> str:
    """`` line L, column C`` of the first scalar that YAML cannot construct ('' if none found)."""
    loader = yaml.SafeLoader(text)
    try:
        nodes = [loader.get_single_node()]
        while nodes:
            node = nodes.pop()
            if isinstance(node, yaml.ScalarNode):
                try:
                    loader.construct_object(node, deep=True)
                except ValueError:
                    return f" line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"
            elif isinstance(node, yaml.SequenceNode):
                nodes.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                nodes.extend(v for _, v in node.value)
    finally:
        loader.dispose()
    return ""


def normalise(config: dict) -> dict:
    """YAML reads an unquoted ``date: 2026-07-15`` as a date: keep it as the text the schema and
    the report expect."""
    if isinstance(config.get("date"), datetime.date):
        config["date"] = config["date"].isoformat()
    return config


def check_files(paths) -> list[str]:
    """Read each existing config file with :func:`read_yaml`; returns their paths in order."""
    out = [_shown(p) for p in paths if Path(p).is_file()]
    for p in out:
        read_yaml(p)
    return out


def _shown(path) -> str:
    """``path`` relative to the working folder where it lies inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def locate(key: str, files=()) -> str | None:
    """``config/quick.yaml line 9``: where the last of ``files`` sets the dotted ``key``."""
    for path in reversed(list(files)):
        try:
            node = yaml.compose(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        for part in key.split("."):
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
                node = node.value[int(part)]
            else:
                node = None
            if node is None:
                break
        if node is not None:
            return f"{path} line {node.start_mark.line + 1}"
    return None


def _allowed(schema: dict) -> str:
    parts = []
    if "enum" in schema:
        parts.append("one of " + ", ".join(map(str, schema["enum"])))
    if "items" in schema and "enum" in schema["items"]:
        parts.append("a list of " + ", ".join(map(str, schema["items"]["enum"])))
    lo = schema.get("minimum", schema.get("exclusiveMinimum"))
    hi = schema.get("maximum", schema.get("exclusiveMaximum"))
    if lo is not None or hi is not None:
        lo_s = ("> " if "exclusiveMinimum" in schema else "≥ ") + str(lo) if lo is not None else ""
        hi_s = ("< " if "exclusiveMaximum" in schema else "≤ ") + str(hi) if hi is not None else ""
        parts.append("range " + " and ".join(p for p in (lo_s, hi_s) if p))
    if "type" in schema:
        parts.append(f"type {schema['type']}")
    if "minItems" in schema:
        parts.append(f"at least {schema['minItems']} items")
    if "pattern" in schema:
        parts.append(f"pattern {schema['pattern']}")
    if schema.get("description"):
        parts.append(f"({schema['description']})")
    return "; ".join(parts)


def _number_as_text(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def schema_problems(config: dict, schema_path=SCHEMA) -> list[tuple[str, str]]:
    """(dotted key, message) for every violation of the JSON schema."""
    import jsonschema  # 0.07 s to import: only where the configuration is not known to be valid

    schema = yaml.load(Path(schema_path).read_text(encoding="utf-8"), Loader=FAST_LOADER)
    out = []
    for err in sorted(jsonschema.Draft202012Validator(schema).iter_errors(config),
                      key=lambda e: list(map(str, e.absolute_path))):
        key = ".".join(map(str, err.absolute_path))
        msg = err.message
        allowed = _allowed(err.schema) if isinstance(err.schema, dict) else ""
        if allowed and err.validator not in ("required", "additionalProperties", "unevaluatedProperties"):
            msg += f" — allowed: {allowed}"
        if err.validator == "type" and _number_as_text(err.instance):
            msg += f" — YAML reads {err.instance} as text: write it with a decimal point (e.g. 0.01 or 1.0e-2)"
        out.append((key, msg))
    return out


def _get(config: dict, key: str):
    node = config
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def cross_problems(config: dict) -> list[tuple[str, str]]:
    """(dotted key, message) for the rules a schema cannot state."""
    out = []
    for section, lo, hi in ORDERED:
        a, b = _get(config, f"{section}.{lo}"), _get(config, f"{section}.{hi}")
        if isinstance(a, int) and isinstance(b, int) and b < a:
            out.append((f"{section}.{hi}", f"{b} is smaller than {section}.{lo} = {a} — allowed: {hi} ≥ {lo}"))
    date = config.get("date")
    if isinstance(date, str):
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            out.append(("date", f"{date!r} is not a date of the calendar — write YYYY-MM-DD, e.g. 2026-07-15, "
                                "or null for today"))
    k3 = config.get("kadai3") or {}
    specs = [(f"kadai3.{k}", k3.get(k)) for k in ("baseline", "no_conv")]
    specs += [(f"kadai3.{fam}.{i}", s) for fam in ("fc_family", "cnn_family") for i, s in enumerate(k3.get(fam) or [])]
    k4 = config.get("kadai4") or {}
    optimizers = [("kadai4.baseline.optimizer", _get(k4, "baseline.optimizer"))]
    optimizers += [(f"kadai4.study.optimizer.{i}", o) for i, o in enumerate(_get(k4, "study.optimizer") or [])]
    vec = _get(config, "nini1.gpu.vec")
    if isinstance(vec, dict) and all(isinstance(vec.get(k), int) for k in ("VBM", "VBN", "VBK", "RM", "RN", "APAD")):
        misfit = tiles.problem(vec)
        if misfit:
            out.append(("nini1.gpu.vec", f"{misfit} — python -m kadai.nini1.gputune lists settings that fit"))
    for checks, test in ((specs, plan), (optimizers, parse_optimizer)):
        for key, value in checks:
            if isinstance(value, str):
                try:
                    test(value)
                except SpecError as e:
                    out.append((key, str(e)))
    return out


def errors(config: dict, schema_path=SCHEMA, files=()) -> list[str]:
    """Every problem as ``config key 'K' (FILE line L): message``."""
    out = []
    for key, msg in schema_problems(config, schema_path) + cross_problems(config):
        where = locate(key, files) if key else None
        out.append(f"config key '{key or '(top level)'}'" + (f" ({where})" if where else "") + f": {msg}")
    return out


_VALID = cache.Table("config")


def _validity_key(config: dict, schema_path) -> tuple[str, str] | None:
    """(cache key, digest) under which a configuration found valid is remembered: the schema's
    file version, and a digest of the configuration and of the code that checks it."""
    try:
        key = f"{cache.file_key(schema_path)}|valid"
        code = [cache.file_key(f) for f in (__file__, spec.__file__, tiles.__file__)]
    except OSError:
        return None
    text = json.dumps([config, code], sort_keys=True, ensure_ascii=False, default=repr)
    return key, hashlib.sha256(text.encode("utf-8")).hexdigest()


def validate(config: dict, schema_path=SCHEMA, files=()) -> None:
    """Raise :class:`ConfigError` listing every problem. The last configuration found valid is
    remembered (:mod:`kadai.cache`), so an unchanged one is not checked again at every start."""
    known = _validity_key(config, schema_path)
    if known and _VALID.get(known[0]) == known[1]:
        return
    problems = errors(config, schema_path, files)
    if problems:
        named = ", ".join(files) if files else f"{DEFAULT_FILE} or --configfile"
        raise ConfigError(f"invalid configuration ({named}):\n  " + "\n  ".join(problems))
    if known:
        _VALID.put(*known)
        _VALID.save()  # one entry per schema version, replaced by the next valid configuration
