"""任意課題1 analysis: raw tables, builds, cache counts, the measured peak and the machine in;
findings out: the speed of every step, and a measured verdict on every hypothesis.

Each hypothesis is decided from contenders timed alternately at one size (pairs of the same
round compared, :func:`kadai.verdicts.ratio`), except the cache one, which needs sizes on both
sides of a cache boundary and uses the size sweep.
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops, raw, verdicts
from ..io import read_json, write_json
from .labels import LADDER_STEPS

ORDER_SPEEDUP = 1.5   # H1: the i-k-j order must be at least this much faster than i-j-k
CACHE_SLOWDOWN = 1.25  # H2: i-k-j's time per operation must grow by this factor beyond the cache
SIMD_SPEEDUP = 1.3    # H3: the AVX2 micro-kernel must be at least this much faster than the portable one
WIDTH_SPEEDUP = 1.3   # H6: the AVX-512 micro-kernel (twice the lanes) at least this much faster than the AVX2 one
OPT_SPEEDUP = 1.5     # H4: -O3 must be at least this much faster than -O0
THREAD_SPEEDUP = 1.4  # H5: all cores must be at least this much faster than one
MICRO_SHARE = 0.9     # H6: the micro-kernel alone reaches this share of the peak of its SIMD width


def gflops(summary, impl: str, n: int | None = None):
    """GFLOPS (from the fastest run) of ``impl`` by N, or at size ``n`` (None where not measured)."""
    rows = summary.assign(gflops=ops.matmul_flops(summary.N) / summary["time"] / 1e9)
    rows = rows[rows.implementation == impl]
    if n is None:
        return {int(a): float(b) for a, b in zip(rows.N, rows.gflops)}
    rows = rows[rows.N == n]
    return float(rows.gflops.iloc[0]) if len(rows) else None


def times(table, label: str, n: int | None = None) -> np.ndarray:
    """The ok samples of one contender (in round order), optionally at one size."""
    rows = table[(table.status == "ok") & (table.implementation == label)]
    if n is not None:
        rows = rows[rows.N == n]
    return rows.sort_values("repeat").seconds.to_numpy()


def faster(table, slow: str, fast: str, threshold: float, threads: int | None = None) -> dict:
    """Is ``fast`` at least ``threshold`` × faster than ``slow``, round by round? (Not decided
    where the contenders used, or run with (``threads``), several cores while other processes
    were busy.)"""
    return verdicts.guard(verdicts.ratio(times(table, slow), times(table, fast), threshold, paired=True),
                          *raw.load_of(table[table.implementation.isin([slow, fast])], threads=threads))


def peak_facts(peak: dict, sysinfo: dict) -> dict:
    """The measured peak of one core, beside the data-sheet figure it replaces."""
    p = peak["peak"]
    base = (sysinfo.get("cpu_mhz") or 0.0) / 1000.0
    return {**p, "base_ghz": base, "cores": sysinfo.get("usable_cores") or 1,
            "micro_kernel": peak["micro_kernel"]}


def cache_hypothesis(ladder, caches: list) -> dict:
    """H2: beyond the largest cache the sweep crosses, i-k-j slows per operation and blocking helps."""
    sizes = sorted(ladder[ladder.status == "ok"].N.unique())
    crossed = [c for c in caches if sizes and ops.operand_bytes("matmul", sizes[0], 8) <= c["bytes"] / 2
               and ops.operand_bytes("matmul", sizes[-1], 8) >= 2 * c["bytes"]]
    if not crossed:
        return {"cache": None, "verdict": verdicts.Verdict(verdicts.UNKNOWN, "no_boundary_in_range", {}).to_dict()}
    c = max(crossed, key=lambda c: c["bytes"])
    small = max(n for n in sizes if ops.operand_bytes("matmul", n, 8) <= c["bytes"] / 2)
    big = sizes[-1]
    per_op = {n: times(ladder, "c_ikj", n) / float(ops.matmul_flops(n)) for n in (small, big)}
    slows = verdicts.ratio(per_op[big], per_op[small], CACHE_SLOWDOWN, estimator="min").to_dict()
    helps = verdicts.ratio(times(ladder, "c_ikj", big), times(ladder, "c_blocked", big), verdicts.SPEEDUP,
                           estimator="min").to_dict()
    both = [slows["outcome"], helps["outcome"]]
    outcome = verdicts.YES if both == [verdicts.YES] * 2 else (verdicts.NO if verdicts.NO in both else verdicts.UNKNOWN)
    return {"cache": {"level": c["level"], "bytes": c["bytes"]}, "n_small": int(small), "n_big": int(big),
            "slows": slows, "helps": helps,
            "verdict": verdicts.Verdict(outcome, "both" if outcome != verdicts.UNKNOWN else "undecided",
                                        {"slows": slows["outcome"], "helps": helps["outcome"]}).to_dict()}


SIMD_WIDTHS = {"avx512f": "avx512", "avx2+fma": "avx2"}  # the O3 build's micro-kernel → its FMA width in peak.json


def gap_hypothesis(simd, peak: dict, simd_o3: str) -> dict:
    """H6, the SIMD width: the micro-kernel written for 512-bit vectors (the O3 build, where the
    CPU has AVX-512) beats the one for 256-bit vectors (the avx2 build), round by round. Beside
    it, three measured facts on what remains, each from ``peak`` (peak.json), whose rounds hold
    the FMA loops, the micro-kernel alone, the whole C product and NumPy's moments apart, so each
    is a ratio round by round: does the micro-kernel alone reach the peak of its own width; is
    time lost around it (the whole product slower than the micro-kernel: packing, blocking); and
    does NumPy run beyond the AVX2 peak (then its BLAS kernel uses wider vectors)."""
    pk, micro, whole, numpy = peak["peak"], peak["micro_kernel"], peak["c_packed"], peak["numpy"]
    avx2 = pk["avx2"]
    numpy_beyond = (verdicts.ratio(numpy["gflops_samples"], avx2["gflops_samples"], 1.0, paired=True).to_dict()
                    if avx2.get("supported") else verdicts.Verdict(verdicts.UNKNOWN, "no_avx2", {}).to_dict())
    width = SIMD_WIDTHS.get(simd_o3)
    own = pk.get(width) or {}  # {} where the O3 build has no SIMD path (width None)
    micro_near = (verdicts.ratio(micro["gflops_samples"], own["gflops_samples"], MICRO_SHARE, paired=True).to_dict()
                  if own.get("gflops_samples") else verdicts.Verdict(verdicts.UNKNOWN, "no_simd_path", {}).to_dict())
    # micro-kernel / whole product ≥ 1: time is spent outside the micro-kernel; share = 1 − whole/micro
    outside = verdicts.ratio(micro["gflops_samples"], whole["gflops_samples"], 1.0, paired=True).to_dict()
    share = {k: 1.0 - 1.0 / outside["numbers"][k] for k in ("ratio", "lo", "hi")
             if outside["numbers"].get(k) and math.isfinite(outside["numbers"][k])}
    wider = (faster(simd, "c_packed@avx2", "c_packed@O3", WIDTH_SPEEDUP) if width == "avx512"
             else verdicts.Verdict(verdicts.UNKNOWN, "no_avx512", {"simd": simd_o3}).to_dict())
    return {"width": width, "numpy_beyond_avx2": numpy_beyond, "micro_near_peak": micro_near,
            "micro_gflops": micro["gflops"], "c_gflops": whole["gflops"], "numpy_gflops": numpy["gflops"],
            "n": whole["n"], "kc": micro["kc"], "rounds": len(micro["gflops_samples"]),
            "micro_share": micro["gflops"] / own["peak_gflops"] if own.get("peak_gflops") else None,
            "outside": outside, "outside_share": share, "verdict": wider}


def hypotheses(tables: dict, caches: list, peak: dict, simd_o3: str) -> dict:
    cores = max(int(label.split("@")[1]) for label in tables["threads"].implementation.unique()
                if label.startswith("c_packed_omp@"))
    return {
        "order": faster(tables["order"], "c_ijk", "c_ikj", ORDER_SPEEDUP),
        "cache": cache_hypothesis(tables["ladder"], caches),
        "simd": faster(tables["simd"], "c_packed@portable", "c_packed@avx2", SIMD_SPEEDUP),
        "simd_ikj": faster(tables["simd"], "c_ikj@O3novec", "c_ikj@O3", SIMD_SPEEDUP),
        "opt": faster(tables["opt"], "c_ikj@O0", "c_ikj@O3", OPT_SPEEDUP),
        "opt_ijk": faster(tables["opt"], "c_ijk@O0", "c_ijk@O3", OPT_SPEEDUP),
        # more threads can only help with idle cores: decided only while no other process is busy
        "threads": (faster(tables["threads"], "c_packed_omp@1", f"c_packed_omp@{cores}", THREAD_SPEEDUP, cores)
                    if cores > 1 else verdicts.Verdict(verdicts.UNKNOWN, "one_core", {}).to_dict()),
        "threads_numpy": (faster(tables["threads"], "numpy@1", f"numpy@{cores}", THREAD_SPEEDUP, cores)
                          if cores > 1 else verdicts.Verdict(verdicts.UNKNOWN, "one_core", {}).to_dict()),
        "gap": gap_hypothesis(tables["simd"], peak, simd_o3),
        "thresholds": {"order": ORDER_SPEEDUP, "cache": CACHE_SLOWDOWN, "simd": SIMD_SPEEDUP, "opt": OPT_SPEEDUP,
                       "threads": THREAD_SPEEDUP, "micro": MICRO_SHARE, "width": WIDTH_SPEEDUP,
                       "speedup": verdicts.SPEEDUP},
    }


def contender_gflops(table) -> dict:
    """GFLOPS (fastest run) of every contender of a fixed-size experiment."""
    out = {}
    for label, g in table[table.status == "ok"].groupby("implementation"):
        out[label] = float(ops.matmul_flops(int(g.N.iloc[0])) / g.seconds.min() / 1e9)
    return out


def records(h: dict, bench: dict) -> list[dict]:
    out = [verdicts.record(f"nini1/{k}", f"hypothesis {k}", verdicts.of(h[k]))
           for k in ("order", "cache", "simd", "simd_ikj", "opt", "opt_ijk", "threads", "threads_numpy")]
    out.append(verdicts.record("nini1/gap", "hypothesis gap (SIMD width)", h["gap"]["verdict"]))
    out.append(verdicts.record("nini1/gap/numpy_beyond_avx2", "NumPy exceeds the AVX2 peak",
                               h["gap"]["numpy_beyond_avx2"]))
    out.append(verdicts.record("nini1/gap/micro_near_peak", "the micro-kernel alone nears the peak of its SIMD width",
                               h["gap"]["micro_near_peak"]))
    out.append(verdicts.record("nini1/gap/time_outside_micro", "the whole C product is slower than its micro-kernel",
                               h["gap"]["outside"]))
    out.append(verdicts.record("nini1/bench/c_not_slower", "C at least as fast as NumPy", bench["c_not_slower"]))
    return out


GPU_STEP = 1.5   # GPU: each step (shared-memory tiles, register tiles) at least this much faster
GPU_GOAL = 0.9   # GPU: the register-tiled kernel reaches at least this share of cuBLAS's speed


def gpu_facts(gpu: dict) -> dict:
    """The GPU part: speeds of cuBLAS and our kernels, and a verdict per step (paired rounds)."""
    if not gpu.get("available"):
        return {"available": False, "reason": gpu.get("reason", "")}
    s = {k: np.asarray(v, float) for k, v in gpu["samples"].items()}
    flops = ops.matmul_flops(gpu["N"])
    wrong = verdicts.Verdict(verdicts.UNKNOWN, "wrong_result", {}).to_dict()

    def step(slow, fast, threshold):
        return (verdicts.ratio(s[slow], s[fast], threshold, paired=True).to_dict()
                if slow in s and fast in s else wrong)

    return {"available": True, "device": gpu["device"], "N": gpu["N"], "rounds": gpu["rounds"],
            "correct": gpu["correct"], "gflops": {k: flops / float(np.median(v)) / 1e9 for k, v in s.items()},
            "steps": {"shared": step("mm_naive", "mm_shared", GPU_STEP),
                      "regtile": step("mm_shared", "mm_regtile", GPU_STEP),
                      "goal": step("cublas", "mm_regtile", GPU_GOAL)},
            "thresholds": {"step": GPU_STEP, "goal": GPU_GOAL}}


def run(inputs: dict, settings: dict, out_json) -> dict:
    cfg = settings["nini1"]
    n, bn = cfg["ladder_n"], cfg["bench_n"]
    tables = {e: raw.load_raw([p]) for e, p in raw.by_stem(inputs["raw"]).items()}
    ladder = raw.summarise(tables["ladder"])
    sysinfo = read_json(inputs["sysinfo"])
    caches = [c for c in sysinfo.get("caches", []) if c.get("type") != "Instruction" and c.get("bytes")]
    peak = read_json(inputs["peak"])
    bench_g = contender_gflops(tables["bench"])
    bench = {"N": bn, "c": bench_g["c_packed"], "numpy": bench_g["numpy_1thread"],
             "pairs": int(tables["bench"].repeat.nunique()),
             "c_vs_numpy": verdicts.ratio(times(tables["bench"], "numpy_1thread"), times(tables["bench"], "c_packed"),
                                          verdicts.SPEEDUP, paired=True).to_dict(),
             "c_not_slower": verdicts.ratio(times(tables["bench"], "numpy_1thread"),
                                            times(tables["bench"], "c_packed"), 1.0, paired=True).to_dict()}
    bench["ratio"] = bench["c"] / bench["numpy"]
    builds = {b["variant"]: b for b in map(read_json, inputs["builds"])}
    h = hypotheses(tables, caches, peak, builds["O3"]["simd"])
    findings = {
        "peak": peak_facts(peak, sysinfo), "builds": builds,
        "cachegrind": read_json(inputs["cache"]), "ladder_n": n, "caches": caches,
        "ladder_values": {k: gflops(ladder, k, n) for k in LADDER_STEPS + ["numpy_1thread", "numpy_all"]},
        "stops": {impl: raw.stop_reason(tables["ladder"][tables["ladder"].implementation == impl])
                  for impl in tables["ladder"].implementation.unique()},
        "bench": bench, "hypotheses": h,
        "simd": contender_gflops(tables["simd"]), "opt": contender_gflops(tables["opt"]),
        "order": contender_gflops(tables["order"]), "threads": contender_gflops(tables["threads"]),
    }
    findings["gpu"] = gpu_facts(read_json(inputs["gpu"]))
    findings["verdicts"] = records(h, bench)
    if findings["gpu"]["available"]:
        for key, claim in (("shared", "GPU: shared-memory tiles beat the naive kernel"),
                           ("regtile", "GPU: register tiles beat shared-memory tiles"),
                           ("goal", "GPU: the register-tiled kernel reaches 0.9 of cuBLAS")):
            findings["verdicts"].append(verdicts.record(f"nini1/gpu/{key}", claim, findings["gpu"]["steps"][key]))
    findings["supported"] = [k for k in ("order", "cache", "simd", "opt", "threads", "gap")
                             if verdicts.of(h[k])["outcome"] == verdicts.YES]
    write_json(out_json, findings)
    return findings
