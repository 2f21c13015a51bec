"""Fingerprints of the code a measurement runs, for Snakemake's params-based rerun trigger.

A series must rerun when *its* kernel or the glue that times it changes, and only then: an edit
to one kernel reruns that kernel's series, an edit to a figure or context function reruns
nothing. Files alone are too coarse for that (one module holds many kernels), so a rule passes
``digest(...)`` of exactly the functions it runs as a param, and Snakemake reruns the job when
the digest changes.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def function_sources(path) -> dict[str, str]:
    """Source text of every top-level function and class of a Python file."""
    path = ROOT / path
    text = path.read_text(encoding="utf-8")
    out = {}
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = ast.get_source_segment(text, node)
    return out


def digest(*parts: tuple[str, str]) -> str:
    """md5 of the named functions, each given as (file relative to the repo, function name)."""
    h = hashlib.md5()
    for path, name in parts:
        src = function_sources(path)
        if name not in src:
            raise KeyError(f"{path} has no top-level function or class {name!r}")
        h.update(f"{path}:{name}\n{src[name]}\n".encode())
    return h.hexdigest()


def module_constant(path, name: str):
    """A literal module-level constant (tuple, dict, …) read without importing the module."""
    for node in ast.parse((ROOT / path).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(f"{path} has no literal constant {name}")


def measure_digest(module: str, kernel: tuple[str, str], *extra: tuple[str, str]) -> str:
    """Fingerprint of one series: the module's MEASURE_CODE functions, its kernel and extras."""
    glue = [(module, name) for name in module_constant(module, "MEASURE_CODE")]
    return digest(*glue, kernel, *extra)
