"""Config validation with messages a student can act on.

``validate`` checks the merged configuration against ``config/schema.yaml`` before any job runs
and raises :class:`ConfigError` naming every wrong key, its value and the allowed range.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

SCHEMA = Path(__file__).resolve().parents[2] / "config" / "schema.yaml"


class ConfigError(ValueError):
    pass


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
    if "pattern" in schema:
        parts.append(f"pattern {schema['pattern']}")
    if schema.get("description"):
        parts.append(f"({schema['description']})")
    return "; ".join(parts)


def errors(config: dict, schema_path=SCHEMA) -> list[str]:
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    out = []
    for err in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path))):
        key = ".".join(map(str, err.absolute_path)) or "(top level)"
        allowed = _allowed(err.schema) if isinstance(err.schema, dict) else ""
        msg = f"config key '{key}': {err.message}"
        if allowed and err.validator not in ("required", "additionalProperties",
                                             "unevaluatedProperties"):
            msg += f" — allowed: {allowed}"
        out.append(msg)
    for section in ("kadai1.sweep", "kadai2.matmul", "kadai2.conv", "nini1.sweep"):
        s = config
        for part in section.split("."):
            s = s.get(part, {}) if isinstance(s, dict) else {}
        if isinstance(s, dict) and isinstance(s.get("n_min"), int) and isinstance(s.get("n_max"), int) \
                and s["n_max"] < s["n_min"]:
            out.append(f"config key '{section}.n_max': {s['n_max']} is smaller than "
                       f"{section}.n_min = {s['n_min']} — allowed: n_max ≥ n_min")
    return out


def validate(config: dict, schema_path=SCHEMA) -> None:
    problems = errors(config, schema_path)
    if problems:
        raise ConfigError("invalid configuration (config/config.yaml or --configfile):\n  "
                          + "\n  ".join(problems))
