"""課題1 analysis: raw tables in, findings out (growth laws, speeds, why each series stopped)."""

from __future__ import annotations

import numpy as np

from .. import fit, ops, raw
from ..io import write_json


def series_facts(grp, raw_impl) -> dict:
    """Sizes, times and speeds of one series (``grp``: its summary rows sorted by N)."""
    n, t = grp.N.to_numpy(), grp["median"].to_numpy()
    return {"sizes": int(len(grp)), "n_min": int(n[0]), "n_max": int(n[-1]), "t_min": float(t[0]),
            "t_max": float(t[-1]), "runs": int(grp.runs.sum()),
            "mflops_small": float(ops.matmul_flops(n[0]) / t[0] / 1e6),
            "mflops_max": float(ops.matmul_flops(n[-1]) / t[-1] / 1e6),
            "stop": raw.stop_reason(raw_impl),
            # log–log slope between the two largest sizes: the growth where N is largest
            "k_last": float(np.log(t[-1] / t[-2]) / np.log(n[-1] / n[-2])) if len(n) > 1 else None}


def ratio_at_largest_common(summary, slow: str, fast: str) -> dict | None:
    """Times of two series at the largest N both measured, and their ratio."""
    common = sorted(set(raw.series_of(summary, implementation=slow).index)
                    & set(raw.series_of(summary, implementation=fast).index))
    if not common:
        return None
    n = common[-1]
    slow_s = raw.value_at(summary, n, implementation=slow)
    fast_s = raw.value_at(summary, n, implementation=fast)
    return {"N": int(n), "naive_s": slow_s, "fast_s": fast_s, "ratio": slow_s / fast_s}


def run(inputs: dict, settings: dict, out_json) -> dict:
    table = raw.load_raw(inputs["raw"])
    summary = raw.summarise(table)
    fits = fit.by_series(summary, settings["fit"], keys=("implementation",))
    series = {impl: {**series_facts(grp.sort_values("N"), table[table.implementation == impl]), "fit": fits[impl]}
              for impl, grp in summary.groupby("implementation")}
    ratio = None
    if "python_naive" in series and "python_fast" in series:
        ratio = ratio_at_largest_common(summary, "python_naive", "python_fast")
    findings = {"series": series, "impls": sorted(series), "ratio": ratio}
    write_json(out_json, findings)
    return findings
