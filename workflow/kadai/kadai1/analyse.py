"""課題1 analysis: raw tables in, findings out (growth laws and regimes with verdicts, speeds,
why each series stopped, whether the fast variant is faster)."""

from __future__ import annotations

import numpy as np

from .. import fit, ops, raw, scaling, verdicts
from ..io import read_json, write_json
from ..measure import SweepConfig

PYTHON_FLOAT_BYTES = 32  # a float in a list: an 8-byte pointer and a 24-byte float object
EXPECTED = 3  # 2N³ operations: t ∝ N³


def working_set(n) -> float:
    """Bytes of B as a list of lists of Python floats: the matrix the triple loop reads again for
    every row of A (A's row and C's row are only N elements), so B is what must stay in a cache."""
    return float(PYTHON_FLOAT_BYTES) * float(n) ** 2


def top_speed(grp) -> dict:
    """The speed at the largest size whose minimum was reproduced (``n_top``, ``mflops_top``; the
    largest size where none was): a larger size's estimate is not reproduced and may be slow by chance."""
    sure = grp[grp.confirmed] if grp.confirmed.any() else grp
    n, t = int(sure.N.iloc[-1]), float(sure["time"].iloc[-1])
    return {"n_top": n, "mflops_top": float(ops.matmul_flops(n) / t / 1e6)}


def series_facts(grp, rows) -> dict:
    """Sizes, times and speeds of one series (``grp``: its summary rows sorted by N)."""
    n, t = grp.N.to_numpy(), grp["time"].to_numpy()
    return {"sizes": int(len(grp)), "n_min": int(n[0]), "n_max": int(n[-1]), "t_min": float(t[0]),
            "t_max": float(t[-1]), "runs": int(grp.runs.sum()), "outliers": int(grp.outliers.sum()),
            "spread_max": float(grp.spread.max()),
            "mflops_small": float(ops.matmul_flops(n[0]) / t[0] / 1e6),
            **top_speed(grp),
            "stop": raw.stop_reason(rows),
            # log–log slope between the two largest sizes: the growth where N is largest
            "k_last": scaling.local_slope(n[-2], t[-2], n[-1], t[-1]) if len(n) > 1 else None}


def faster(table, slow: str, fast: str, sure: set | None = None) -> dict | None:
    """Times of two series at the largest N both measured, and whether ``fast`` is faster there;
    ``per_size``: [N, ratio of the fastest runs] at every size both measured, and where the
    largest N's ratio ranks among them. With ``sure`` ((implementation, op, N) whose minimum a
    second sample confirmed, :func:`kadai.raw.confirmed`), only sizes confirmed in both series
    count, where there are any. ``decided``: where the largest N has too few runs for a verdict,
    the largest size that has enough, with its verdict (None otherwise). ``runs``: the range of each
    series' runs at the largest N, and whether they lie apart (every slow run slower than every fast
    one), which the report states where the runs are too few for an interval."""
    ok = table[table.status == "ok"]
    common = raw.common_sizes(table, "matmul", slow, fast, sure)
    if not common:
        return None
    best = ok.groupby(["implementation", "N"]).seconds.min()
    per_size = [[int(n), float(best[slow, n] / best[fast, n])] for n in common]
    n = common[-1]
    t_slow, t_fast = raw.runs_at(table, n, implementation=slow), raw.runs_at(table, n, implementation=fast)
    load = raw.load_of(table[table.implementation.isin([slow, fast])])

    def verdict(m):
        return verdicts.guard(verdicts.ratio(raw.runs_at(table, m, implementation=slow),
                                             raw.runs_at(table, m, implementation=fast),
                                             verdicts.SPEEDUP, estimator="min"), *load)
    v = verdict(n)
    # too few runs at the largest size to decide: the largest size with enough runs decides instead
    decided = None
    if v.get("reason") == "too_few":
        decided = next(({"N": int(m), "ratio": float(best[slow, m] / best[fast, m]), "verdict": w}
                        for m in reversed(common[:-1]) if (w := verdict(m)).get("reason") != "too_few"), None)
    ratios = [r for _, r in per_size]
    ratio = float(t_slow.min() / t_fast.min())
    # the local log–log slope of each series between the two largest sizes: where the ratio moves
    last_step = None
    if len(common) > 1:
        p, q = common[-2], common[-1]
        slope = {k: scaling.local_slope(p, best[k, p], q, best[k, q]) for k in (slow, fast)}
        last_step = {"n_prev": int(p), "k_slow": slope[slow], "k_fast": slope[fast],
                     "ratio_prev": float(best[slow, p] / best[fast, p])}
    return {"N": int(n), "naive_s": float(t_slow.min()), "fast_s": float(t_fast.min()), "ratio": ratio,
            # every run at N: their ranges, and whether every slow run took longer than every fast one
            "runs": {"slow": [float(t_slow.min()), float(t_slow.max())], "fast": [float(t_fast.min()),
                     float(t_fast.max())], "n_slow": int(len(t_slow)), "n_fast": int(len(t_fast)),
                     "apart": bool(t_slow.min() > t_fast.max())},
            "verdict": v, "decided": decided, "per_size": per_size, "last_step": last_step, "ratio_lo": min(ratios),
            "ratio_hi": max(ratios), "ratio_median": float(np.median(ratios)), "n_common_first": int(common[0]),
            # sizes both series measured but left out: a minimum not seen twice in one of them
            "unconfirmed_n": sorted(set(raw.common_sizes(table, "matmul", slow, fast)) - set(common)),
            "rank": "highest" if len(ratios) > 2 and ratio == max(ratios) else
                    "lowest" if len(ratios) > 2 and ratio == min(ratios) else "between"}


def run(inputs: dict, settings: dict, out_json) -> dict:
    table = raw.load_raw(inputs["raw"])
    summary = raw.summarise(table, settings["timing"]["agreement"])
    sysinfo = read_json(inputs["sysinfo"])
    caches = sysinfo.get("caches", [])
    hints = scaling.crossings(working_set, caches)
    # a size whose minimum was not seen twice: the fits leave it out (raw.fit_rows)
    laws = fit.by_series(raw.fit_rows(summary), settings["fit"], keys=("implementation",), hints=lambda key: hints,
                         expected=lambda key: EXPECTED)
    series, records = {}, []
    for impl, grp in summary.groupby("implementation"):
        grp = grp.sort_values("N")
        faults = dict(zip(grp.N.astype(int), grp.faults)) if "faults" in grp else {}
        rows = table[table.implementation == impl]
        times = dict(zip(grp.N.astype(int), grp["time"]))
        rel = scaling.relation(laws[impl], EXPECTED, working_set, caches, faults,
                               sysinfo.get("page_bytes", 4096), raw.load_of(rows), times,
                               minima=dict(zip(grp.N.astype(int), grp["fastest"])))
        series[impl] = {**series_facts(grp, rows), "fit": laws[impl], "relation": rel,
                        "inversions": raw.inversions(times, settings["timing"]["agreement"],
                                                     laws[impl]["power"]["n_first"], grp)}
        records += scaling.records(f"kadai1/{impl}", f"{impl}: t ∝ N^{EXPECTED}", rel)
    sure = raw.confirmed(table, settings["timing"]["agreement"])
    both = {"python_naive", "python_fast"} <= set(series)
    ratio = faster(table, "python_naive", "python_fast", sure) if both else None
    if ratio:
        records.append(verdicts.record("kadai1/fast_vs_naive", "the fast variant is faster than the naive one",
                                       ratio["verdict"]))
    # which sizes had no warm-up, which were added between the grid's, which stayed unconfirmed
    measured = raw.sweep_facts(table, {"matmul": SweepConfig.from_config(settings["sweep"], settings["timing"])},
                               sure, summary)
    findings = {"series": series, "impls": sorted(series), "ratio": ratio, "verdicts": records, "measured": measured,
                "tally": scaling.tally([s["relation"] for s in series.values()])}
    write_json(out_json, findings)
    return findings
