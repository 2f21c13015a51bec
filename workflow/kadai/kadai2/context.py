"""課題2 context: the findings plus names, tables and the registry, everything the template reads."""

from __future__ import annotations

import numpy as np

from .. import checks, figures, raw, tables
from ..backends.registry import ordered
from ..io import read_json, write_json
from .plan import OPS


def registry_rows(ops: dict) -> tuple[list, list]:
    """Every configured implementation with its device and whether it ran here (or why not)."""
    reasons = {}
    for o in ops.values():
        for impl, s in o["series"].items():
            if s["skipped"]:
                reasons[impl] = s["stop"]["note"]
            else:
                reasons.setdefault(impl, None)
    rows = [[figures.impl_name(k), "GPU" if ops["matmul"]["series"].get(k, {}).get("device") == "cuda" else "CPU",
             "計測した" if reasons[k] is None else f"計測不可（{reasons[k]}）"] for k in ordered(reasons)]
    skipped = [{"name": figures.impl_name(k), "reason": r} for k, r in reasons.items() if r is not None]
    return rows, skipped


def run(inputs: dict, settings: dict, out_json) -> dict:
    findings = read_json(inputs["findings"])
    summary = raw.summarise(raw.load_raw(inputs["raw"]))
    ops = findings["ops"]
    for op, o in ops.items():
        o["label"] = OPS[op]
        for impl, s in o["series"].items():
            s["name"] = figures.impl_name(impl)
        measured = [k for k, s in o["series"].items() if s["measured"]]
        o["table"] = tables.by_size(summary[summary.op == op], measured, [("median", "{}", "s")],
                                    {k: figures.impl_name(k) for k in measured}, thin_above=12)
    rows, skipped = registry_rows(ops)
    ctx = {**findings,
           "relations": [[OPS[op], s["name"]] for op in ops for s in ops[op]["series"].values() if "fit" in s],
           "config": settings["kadai2"], "fit_config": settings["fit"], "registry_rows": rows, "skipped": skipped,
           "tolerance": checks.tolerance(settings["kadai2"]["dtype"]), "padding": settings["kadai2"]["padding"],
           "itemsize": int(np.dtype(settings["kadai2"]["dtype"]).itemsize)}
    write_json(out_json, ctx)
    return ctx
