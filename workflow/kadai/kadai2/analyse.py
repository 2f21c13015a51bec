"""課題2 analysis: raw tables in, findings out (growth laws, speeds, NumPy comparisons, stops)."""

from __future__ import annotations

import numpy as np

from .. import fit, ops, raw
from ..backends.registry import IMPLEMENTATIONS, ordered
from ..io import write_json


def crossover(summary, op: str, impl: str, other: str = "numpy") -> int | None:
    """Smallest measured N from which ``impl`` stays faster than ``other`` (None if never)."""
    a = raw.series_of(summary, op=op, implementation=impl)
    b = raw.series_of(summary, op=op, implementation=other)
    common = sorted(a.index.intersection(b.index))
    for i, n in enumerate(common):
        if all(a[m] < b[m] for m in common[i:]):
            return int(n)
    return None


def speed_facts(g, op: str, itemsize: int, padding: str) -> dict:
    """Sizes, times and computing speed of one measured series (``g``: summary rows by N)."""
    n, t = g.N.to_numpy(), g["median"].to_numpy()
    rate = ops.flops(op, n, padding) / t / 1e9
    peak = int(np.argmax(rate))
    return {"n_min": int(n[0]), "n_max": int(n[-1]), "t_min": float(t[0]), "t_max": float(t[-1]),
            "sizes": int(len(g)), "gflops_max": float(rate[-1]), "gflops_peak": float(rate[peak]),
            "n_peak": int(n[peak]),
            # bytes of the operands and result, at the peak and at the largest N
            "bytes_peak": float(ops.operand_bytes(op, n[peak], itemsize)),
            "bytes_max": float(ops.operand_bytes(op, n[-1], itemsize))}


def versus_numpy(summary, op: str, impl: str) -> dict | None:
    """Times of ``impl`` and NumPy at the largest N both measured, and NumPy's time ÷ impl's."""
    mine = raw.series_of(summary, op=op, implementation=impl)
    numpy = raw.series_of(summary, op=op, implementation="numpy")
    common = sorted(set(mine.index) & set(numpy.index))
    if impl == "numpy" or not common:
        return None
    n = common[-1]
    return {"N": int(n), "t": float(mine[n]), "numpy_t": float(numpy[n]), "speedup": float(numpy[n] / mine[n])}


def series_findings(table, summary, op: str, impl: str, settings: dict) -> dict:
    rows = table[(table.op == op) & (table.implementation == impl)]
    g = summary[(summary.op == op) & (summary.implementation == impl)].sort_values("N")
    stop = raw.stop_reason(rows)
    entry = {"key": impl, "stop": stop, "measured": bool(len(g)), "skipped": raw.skipped(rows),
             "dtype": str(rows.dtype.iloc[0]), "device": IMPLEMENTATIONS[impl]["device"]}
    if len(g):
        itemsize = 8 if impl == "python_naive" else np.dtype(settings["kadai2"]["dtype"]).itemsize
        entry.update(speed_facts(g, op, itemsize, settings["kadai2"]["padding"]))
        vs = versus_numpy(summary, op, impl)
        if vs:
            entry["vs_numpy"] = vs
            entry["faster_than_numpy_from"] = crossover(summary, op, impl)
    return entry


def run(inputs: dict, settings: dict, out_json) -> dict:
    table = raw.load_raw(inputs["raw"])
    summary = raw.summarise(table)
    fits = fit.by_series(summary, settings["fit"])
    ops_out = {}
    for op in ("matmul", "conv"):
        series = {}
        for impl in ordered(table[table.op == op].implementation.unique()):
            series[impl] = series_findings(table, summary, op, impl, settings)
            if impl in fits.get(op, {}):
                series[impl]["fit"] = fits[op][impl]
        ops_out[op] = {"series": series, "impls": list(series)}
    findings = {"ops": ops_out,
                "gpu_measured": any(s["measured"] and s["device"] == "cuda"
                                    for o in ops_out.values() for s in o["series"].values())}
    write_json(out_json, findings)
    return findings
