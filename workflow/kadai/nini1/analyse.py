"""任意課題1 analysis: raw tables, builds, cache counts and the machine in; findings out."""

from __future__ import annotations

from .. import ops, raw
from ..io import read_json, write_json
from .labels import LADDER_STEPS


def peak_gflops(sysinfo: dict) -> dict:
    """Theoretical double-precision peak: FLOPs/cycle × clock × cores (assumptions recorded)."""
    flags = set(sysinfo.get("cpu_flags", []))
    if {"avx2", "fma"} <= flags:
        per_cycle, why = 16, "AVX2 の 256 ビット FMA 演算器 2 基（4 要素 × 2 演算 × 2 基）"
    elif "avx" in flags:
        per_cycle, why = 8, "AVX の 256 ビット加算器と乗算器各 1 基"
    else:
        per_cycle, why = 4, "SSE2 の 128 ビット加算器と乗算器各 1 基"
    ghz = (sysinfo.get("cpu_mhz") or 0.0) / 1000.0
    cores = sysinfo.get("usable_cores") or 1
    return {"flops_per_cycle": per_cycle, "assumption": why, "ghz": ghz, "cores": cores,
            "one_core": per_cycle * ghz, "all_cores": per_cycle * ghz * cores}


def gflops(summary, impl: str, n: int | None = None):
    """GFLOPS of ``impl`` by N (all sizes), or at size ``n`` (None where not measured)."""
    rate = ops.matmul_flops(summary.N) / summary["median"] / 1e9
    rows = summary.assign(gflops=rate)[summary.implementation == impl]
    if n is None:
        return {int(a): float(b) for a, b in zip(rows.N, rows.gflops)}
    rows = rows[rows.N == n]
    return float(rows.gflops.iloc[0]) if len(rows) else None


def bench_facts(table, n: int) -> dict:
    pairs = table.pivot(index="repeat", columns="implementation", values="seconds")
    per_pair = pairs.numpy_1thread / pairs.c_packed
    summ = raw.summarise(table)
    out = {"N": n, "c": gflops(summ, "c_packed", n), "numpy": gflops(summ, "numpy_1thread", n),
           "pairs": int(len(pairs)), "ratio_lo": float(per_pair.min()), "ratio_hi": float(per_pair.max())}
    out["ratio"] = out["c"] / out["numpy"] if out["c"] and out["numpy"] else None
    return out


def cache_facts(ladder, caches: list) -> dict:
    """ikj and blocked at a size whose working set fits the caches and one beyond the largest."""
    ikj, blk = gflops(ladder, "c_ikj"), gflops(ladder, "c_blocked")
    l_last = max((c["bytes"] for c in caches), default=None)
    small = [m for m in ikj if ops.operand_bytes("matmul", m, 8) <= min((c["bytes"] for c in caches), default=0) * 16]
    big = [m for m in ikj if l_last and ops.operand_bytes("matmul", m, 8) > l_last]
    out = {"l_last_mib": l_last / 2**20 if l_last else None, "n_small": max(small) if small else min(ikj, default=None),
           "n_big": max(big) if big else None}
    for key, curve in (("ikj", ikj), ("blocked", blk)):
        out[f"{key}_small"] = curve.get(out["n_small"]) if out["n_small"] else None
        out[f"{key}_big"] = curve.get(out["n_big"]) if out["n_big"] else None
    return out


def thread_facts(summary, n: int) -> dict:
    out: dict = {}
    for impl in summary.implementation.unique():
        name, t = impl.split("@")
        out.setdefault(name, {})[int(t)] = gflops(summary, impl, n)
    return out


def run(inputs: dict, settings: dict, out_json) -> dict:
    cfg = settings["nini1"]
    n, bn = cfg["ladder_n"], cfg["bench_n"]
    tables = {e: raw.load_raw([p]) for e, p in raw.by_stem(inputs["raw"]).items()}
    summ = {e: raw.summarise(t) for e, t in tables.items()}
    sysinfo = read_json(inputs["sysinfo"])
    caches = [c for c in sysinfo.get("caches", []) if c.get("type") != "Instruction" and c.get("bytes")]
    builds = {b["variant"]: b for b in map(read_json, inputs["builds"])}
    findings = {
        "peak": peak_gflops(sysinfo), "builds": builds, "cachegrind": read_json(inputs["cache"]),
        "ladder_n": n, "caches": caches,
        "ladder_values": {k: gflops(summ["ladder"], k, n) for k in LADDER_STEPS + ["numpy_1thread", "numpy_all"]},
        "stops": {impl: raw.stop_reason(tables["ladder"][tables["ladder"].implementation == impl])
                  for impl in tables["ladder"].implementation.unique()},
        "bench": bench_facts(tables["bench"], bn), "cache": cache_facts(summ["ladder"], caches),
        "simd": {f"{k}@{b}": gflops(summ["simd"], f"c_{k}@{b}", n) for b in ("O3", "O3novec", "portable")
                 for k in ("ikj", "packed")},
        "opt": {f"{k}@{b}": gflops(summ["opt"], f"c_{k}@{b}", n) for b in ("O0", "O2", "O3") for k in ("ijk", "ikj")},
        "threads": thread_facts(summ["threads"], bn),
    }
    write_json(out_json, findings)
    return findings
