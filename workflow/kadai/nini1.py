"""任意課題1: why plain C is slower than NumPy — builds, experiments and their analysis.

The C ladder lives in ``native/matmul.c``; each build variant is one shared library compiled
with recorded gcc flags and called through ctypes on NumPy buffers, so the same harness,
inputs and correctness check serve C and NumPy. One experiment per hypothesis:

=========  ==========================================================  =====================
name       hypothesis                                                  experiment
=========  ==========================================================  =====================
order      the i-j-k loop reads B down a column and misses the cache   ijk vs ikj, cachegrind
cache      a working set larger than a cache level slows the loop      GFLOPS vs N, blocked
simd       one scalar FMA per instruction wastes the vector units      vectorised vs not, FMA count
opt        without optimisation the compiler keeps values in memory    -O0 vs -O2 vs -O3
threads    NumPy uses every core                                       1…all threads, C and NumPy
=========  ==========================================================  =====================
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np

from . import figures, measure
from .figures import NO_UNIT, Axis
from .io import read_json, write_csv, write_json

NATIVE = Path(__file__).resolve().parent / "native"
SOURCE = NATIVE / "matmul.c"
DRIVER = NATIVE / "driver.c"
KERNELS = ["ijk", "ikj", "blocked", "packed", "packed_omp"]
KERNEL_NAMES = {"ijk": "C: i-j-k", "ikj": "C: i-k-j", "blocked": "C: ブロック化",
                "packed": "C: パック＋SIMD", "packed_omp": "C: パック＋SIMD＋OpenMP"}
# build variant → gcc flags (besides -shared -fPIC); the report prints them as they are
BUILDS = {
    "O3": ["-O3", "-march=native", "-fopenmp"],
    "O3novec": ["-O3", "-march=native", "-fno-tree-vectorize", "-fno-tree-slp-vectorize", "-fopenmp"],
    "O2": ["-O2", "-march=native", "-fopenmp"],
    "O0": ["-O0", "-march=native", "-fopenmp"],
    "portable": ["-O3", "-mno-avx2", "-mno-fma", "-fopenmp"],
}
MEASURE_CODE = ("load", "c_series", "numpy_series", "run_measure", "interleaved")


# ---------------------------------------------------------------- build


def compiler() -> str:
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if not cc:
        raise RuntimeError("任意課題1 needs a C compiler: install gcc (Debian/Ubuntu: apt install gcc; "
                           "macOS: xcode-select --install) or set CC")
    return cc


def build(variant: str, out_so, info_json) -> dict:
    """Compile matmul.c with the variant's flags; record the exact command and the SIMD path."""
    cc = compiler()
    flags = BUILDS[variant]
    cmd = [cc, *flags, "-shared", "-fPIC", "-o", str(out_so), str(SOURCE)]
    Path(out_so).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(cmd, check=True)
    version = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    lib = ctypes.CDLL(str(Path(out_so).resolve()))
    lib.mm_simd.restype = ctypes.c_char_p
    info = {"variant": variant, "flags": flags, "command": " ".join(["gcc" if c == cc else c for c in cmd]),
            "compiler": version, "simd": lib.mm_simd().decode(), "fma": fma_counts(out_so)}
    write_json(info_json, info)
    return info


def build_driver(out_exe) -> None:
    cc = compiler()
    subprocess.run([cc, *BUILDS["O3"], "-o", str(out_exe), str(DRIVER), str(SOURCE)], check=True)


def fma_counts(so_path) -> dict:
    """Vector FMA / scalar FMA / packed-vector instructions per function, from objdump."""
    exe = shutil.which("objdump")
    if not exe:
        return {}
    text = subprocess.run([exe, "-d", "--no-show-raw-insn", str(so_path)], capture_output=True,
                          text=True).stdout
    out, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+ <(\w+)>:", line)
        if m:
            current = m.group(1)
            continue
        if current and "\t" in line:
            ins = line.split("\t")[-1].split()[0] if line.split("\t")[-1].split() else ""
            d = out.setdefault(current, {"fma_vector": 0, "fma_scalar": 0, "instructions": 0})
            d["instructions"] += 1
            if ins.startswith("vfmadd") or ins.startswith("vfnmadd"):
                d["fma_scalar" if ins.endswith("sd") else "fma_vector"] += 1
    return {k: v for k, v in out.items() if k.startswith(("mm_", "micro_kernel", "panel"))}


# ---------------------------------------------------------------- measurement


def load(so_path):
    lib = ctypes.CDLL(str(Path(so_path).resolve()))
    ptr = np.ctypeslib.ndpointer(dtype=np.float64, flags="C_CONTIGUOUS")
    for k in KERNELS:
        fn = getattr(lib, f"mm_{k}")
        fn.argtypes = [ctypes.c_int, ptr, ptr, ptr]
        fn.restype = None if k in ("ijk", "ikj", "blocked") else ctypes.c_int
    lib.mm_set_threads.argtypes = [ctypes.c_int]
    lib.mm_max_threads.restype = ctypes.c_int
    return lib


def _inputs(n, rng):
    return rng.random((n, n)), rng.random((n, n))


def _reference_check():
    from .kadai2 import _reference_and_check
    return _reference_and_check("matmul", "valid", 1e-10, 12345)


def c_series(lib, kernel: str, label: str, threads: int | None = None) -> measure.Series:
    fn = getattr(lib, f"mm_{kernel}")
    if threads is not None:
        lib.mm_set_threads(threads)

    def run(a, b):
        c = np.empty_like(a)
        rc = fn(a.shape[0], a, b, c)
        if rc not in (None, 0):
            raise MemoryError(f"mm_{kernel} could not allocate its panels")
        return c

    reference, check = _reference_check()
    return measure.Series(implementation=label, op="matmul", make_inputs=_inputs, kernel=run,
                          reference=reference, check=check, dtype="float64", device="cpu")


def numpy_series(label: str) -> measure.Series:
    reference, check = _reference_check()
    return measure.Series(implementation=label, op="matmul", make_inputs=_inputs,
                          kernel=lambda a, b: a @ b, reference=reference, check=check,
                          dtype="float64", device="cpu")


def run_measure(experiment: str, libs: dict, cfg: dict, out_csv) -> None:
    """One experiment's series, all into one tidy table (``implementation`` names the series)."""
    from threadpoolctl import threadpool_limits

    sweep = measure.SweepConfig.from_config(cfg["sweep"])
    fixed = measure.SweepConfig.from_config({**cfg["sweep"], "n_min": cfg["ladder_n"],
                                             "n_max": cfg["ladder_n"]})
    frames = []

    def go(series, sw, threads_numpy=1):
        # limit only BLAS: a plain limit would also cap the OpenMP threads of our C library
        with threadpool_limits(limits=threads_numpy, user_api="blas"):
            frames.append(measure.run_series(series, sw, progress=measure.Progress(
                f"nini1/{experiment}/{series.implementation}")))

    if experiment == "ladder":
        lib = load(libs["O3"])
        for k in KERNELS:
            threads = None if k == "packed_omp" else 1
            lib.mm_set_threads(os.cpu_count() or 1)
            go(c_series(lib, k, f"c_{k}", threads), sweep)
        go(numpy_series("numpy_1thread"), sweep, 1)
        go(numpy_series("numpy_all"), sweep, None)
    elif experiment == "simd":
        for build_name in ("O3", "O3novec", "portable"):
            lib = load(libs[build_name])
            for k in ("ikj", "packed"):
                go(c_series(lib, k, f"c_{k}@{build_name}", 1), fixed)
    elif experiment == "opt":
        for build_name in ("O0", "O2", "O3"):
            lib = load(libs[build_name])
            for k in ("ijk", "ikj"):
                go(c_series(lib, k, f"c_{k}@{build_name}", 1), fixed)
    elif experiment == "bench":
        frames.append(interleaved(load(libs["O3"]), cfg["bench_n"], cfg.get("bench_pairs", 9), cfg["sweep"]["seed"]))
    elif experiment == "threads":
        lib = load(libs["O3"])
        big = measure.SweepConfig.from_config({**cfg["sweep"], "n_min": cfg["bench_n"],
                                               "n_max": cfg["bench_n"]})
        for t in range(1, (os.cpu_count() or 1) + 1):
            go(c_series(lib, "packed_omp", f"c_packed_omp@{t}", t), big)
            go(numpy_series(f"numpy@{t}"), big, t)
    else:
        raise ValueError(f"unknown experiment {experiment!r}")
    write_csv(out_csv, measure.pd.concat(frames, ignore_index=True))


def interleaved(lib, n: int, pairs: int, seed: int = 0):
    """C (packed, 1 thread) and NumPy (1 BLAS thread) timed alternately on the same inputs.

    The machine's speed drifts (other tenants, clocks); alternating the two and comparing
    medians keeps a drift from landing on one side only. Both results are checked first.
    """
    import time

    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    a, b = _inputs(n, rng)
    reference, check = _reference_check()
    ref = reference(a, b)
    c = np.empty_like(a)
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        lib.mm_set_threads(1)
        runs = {"c_packed": lambda: lib.mm_packed(n, a, b, c) or c, "numpy_1thread": lambda: a @ b}
        for impl, f in runs.items():
            if not check(f(), ref):  # the warm-up run is also the correctness check
                raise AssertionError(f"{impl} gives a wrong product at N={n}")
        for i in range(pairs):
            for impl, f in runs.items():
                t0 = time.perf_counter()
                f()
                rows.append(dict(implementation=impl, op="matmul", N=n, dtype="float64", device="cpu",
                                 repeat=i, seconds=time.perf_counter() - t0, status=measure.OK,
                                 note="interleaved with the other implementation"))
            print(f"[nini1/bench] pair {i + 1}/{pairs}", flush=True)
    return measure.pd.DataFrame(rows, columns=measure.COLUMNS)


def cachegrind(driver, kernel: str, n: int) -> dict:
    """Deterministic cache statistics of one run (valgrind's cachegrind simulates the caches)."""
    exe = shutil.which("valgrind")
    if not exe:
        return {"available": False, "reason": "valgrind がない（apt install valgrind）"}
    proc = subprocess.run([exe, "--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=/dev/null",
                           str(driver), kernel, str(n)], capture_output=True, text=True)
    stats = {"available": True, "kernel": kernel, "N": n}
    for key, pat in (("refs", r"D\s+refs:\s+([\d,]+)"), ("d1_misses", r"D1\s+misses:\s+([\d,]+)"),
                     ("ll_misses", r"LLd\s+misses:\s+([\d,]+)"), ("instructions", r"I\s+refs:\s+([\d,]+)")):
        m = re.search(pat, proc.stderr)
        stats[key] = int(m.group(1).replace(",", "")) if m else None
    if stats["refs"] is None:
        return {"available": False, "reason": f"cachegrind failed: {proc.stderr[-200:]}"}
    return stats


def run_cachegrind(driver, cfg: dict, out_json) -> dict:
    n = cfg["cachegrind_n"]
    out = {k: cachegrind(driver, k, n) for k in ("ijk", "ikj", "blocked", "packed")}
    write_json(out_json, out)
    return out


# ---------------------------------------------------------------- analysis

LADDER_STEPS = ["c_ijk", "c_ikj", "c_blocked", "c_packed", "c_packed_omp"]


def peak_gflops(sysinfo: dict) -> dict:
    """Theoretical double-precision peak: FLOPs/cycle × clock × cores (assumptions recorded)."""
    flags = set(sysinfo.get("cpu_flags", []))
    if {"avx2", "fma"} <= flags:
        per_cycle, why = 16, "AVX2 の 256 ビット FMA 演算器 2 基（4 要素 × 2 演算 × 2 基）"
    elif "avx" in flags:
        per_cycle, why = 8, "AVX の 256 ビット加算器と乗算器各 1 基"
    else:
        per_cycle, why = 4, "SSE2 の 128 ビット加算器と乗算器各 1 基"
    ghz = sysinfo.get("cpu_mhz") or 0.0
    ghz = ghz / 1000.0
    cores = sysinfo.get("usable_cores") or 1
    return {"flops_per_cycle": per_cycle, "assumption": why, "ghz": ghz, "cores": cores,
            "one_core": per_cycle * ghz, "all_cores": per_cycle * ghz * cores}


def _gflops(summary, impl, n=None):
    g = summary[summary.implementation == impl]
    if n is not None:
        g = g[g.N == n]
    return g.assign(gflops=2.0 * g.N.astype(float) ** 3 / g["median"] / 1e9)


def draw_figures(raw_dir, sysinfo_json, ladder_n: int, out_dir) -> None:
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    sysinfo = read_json(sysinfo_json)
    peak = peak_gflops(sysinfo)
    lad = measure.summarise(measure.load_raw([raw_dir / "ladder.csv"]))
    n_axis = Axis("行列サイズ N", NO_UNIT, "log")
    colors = {"c_ijk": "#c7c7c7", "c_ikj": "#9edae5", "c_blocked": "#17becf", "c_packed": "#9467bd",
              "c_packed_omp": "#8c564b"}

    fig, ax = figures.new_figure(Axis("実装", NO_UNIT), Axis("計算速度", "GFLOPS"), width=6.4, height=4.2)
    vals = []
    for k in LADDER_STEPS:
        g = _gflops(lad, k, ladder_n)
        vals.append(float(g.gflops.iloc[0]) if len(g) else 0.0)
    names = [KERNEL_NAMES[k[2:]].removeprefix("C: ") for k in LADDER_STEPS]
    ax.bar(range(len(vals)), vals, color=[colors[k] for k in LADDER_STEPS])
    ax.set_xticks(range(len(vals)))
    ax.set_xticklabels(names, rotation=15, fontsize=8)
    for i, v in enumerate(vals):
        ax.text(i, v, f"{v:.3g}", ha="center", va="bottom", fontsize=8)
    for impl, label, ls in (("numpy_1thread", "NumPy（1 スレッド）", "--"), ("numpy_all", "NumPy（全コア）", "-")):
        g = _gflops(lad, impl, ladder_n)
        if len(g):
            ax.axhline(float(g.gflops.iloc[0]), color=figures.impl_color("numpy"), ls=ls, lw=1.2, label=label)
    if peak["one_core"]:
        ax.axhline(peak["one_core"], color="k", ls=":", lw=1, label="理論ピーク（1 コア）")
        ax.axhline(peak["all_cores"], color="k", ls="-.", lw=1, label="理論ピーク（全コア）")
    ax.grid(axis="x", visible=False)
    figures.legend_below(ax)
    figures.save(fig, out_dir / "ladder.svg", caption="段階ごとの計算速度")

    fig, ax = figures.new_figure(n_axis, Axis("計算速度", "GFLOPS", "log"), width=6.4, height=4.6)
    for k in LADDER_STEPS[:4] + ["numpy_1thread"]:
        g = _gflops(lad, k)
        color = figures.impl_color("numpy") if k == "numpy_1thread" else colors[k]
        label = "NumPy（1 スレッド）" if k == "numpy_1thread" else KERNEL_NAMES[k[2:]]
        ax.plot(g.N, g.gflops, "o-", ms=3, color=color, label=label)
    for c in sysinfo.get("caches", []):
        if c.get("type") == "Instruction" or not c.get("bytes"):
            continue
        n_cross = (c["bytes"] / (3 * 8)) ** 0.5  # 3 matrices of N² doubles
        ax.axvline(n_cross, color="0.5", ls=":", lw=1)
        ax.text(n_cross, ax.get_ylim()[1], f" L{c['level']}", fontsize=8, va="top", color="0.3")
    figures.size_ticks(ax, lad.N)
    figures.legend_below(ax, ncol=3)
    figures.save(fig, out_dir / "gflops_n.svg", caption="行列サイズと計算速度、キャッシュ容量の境界")

    thr = measure.summarise(measure.load_raw([raw_dir / "threads.csv"]))
    fig, ax = figures.new_figure(Axis("スレッド数", NO_UNIT), Axis("計算速度", "GFLOPS"))
    for prefix, label, color in (("c_packed_omp@", "C: パック＋SIMD＋OpenMP", colors["c_packed_omp"]),
                                 ("numpy@", "NumPy", figures.impl_color("numpy"))):
        g = thr[thr.implementation.str.startswith(prefix)].copy()
        g["threads"] = g.implementation.str.split("@").str[1].astype(int)
        g = g.sort_values("threads")
        ax.plot(g.threads, 2.0 * g.N.astype(float) ** 3 / g["median"] / 1e9, "o-", color=color, label=label)
    if peak["one_core"]:
        t = np.arange(1, peak["cores"] + 1)
        ax.plot(t, peak["one_core"] * t, "k:", label="理論ピーク")
    ax.set_xticks(range(1, peak["cores"] + 1))
    ax.set_ylim(bottom=0)
    figures.legend_below(ax, ncol=3)
    figures.save(fig, out_dir / "threads.svg", caption="スレッド数と計算速度")


def build_context(raw_dir, builds: dict, cache_json, sysinfo_json, cfg: dict, out_json) -> dict:
    raw_dir = Path(raw_dir)
    sysinfo = read_json(sysinfo_json)
    peak = peak_gflops(sysinfo)
    n = cfg["ladder_n"]
    bn = cfg["bench_n"]
    raw = {e: measure.load_raw([raw_dir / f"{e}.csv"]) for e in ("ladder", "simd", "opt", "threads", "bench")}
    summ = {e: measure.summarise(r) for e, r in raw.items()}

    def gf(exp, impl, size):
        g = _gflops(summ[exp], impl, size)
        return float(g.gflops.iloc[0]) if len(g) else None

    naive = gf("ladder", "c_ijk", n)
    np1 = gf("ladder", "numpy_1thread", n)
    ladder_rows = []
    for k in LADDER_STEPS + ["numpy_1thread", "numpy_all"]:
        v = gf("ladder", k, n)
        name = KERNEL_NAMES.get(k[2:], {"numpy_1thread": "NumPy（1 スレッド）", "numpy_all": "NumPy（全コア）"}.get(k))
        ladder_rows.append([name, v, v / naive if v and naive else None, v / np1 if v and np1 else None])
    stops = {impl: measure.stop_reason(raw["ladder"][raw["ladder"].implementation == impl])
             for impl in raw["ladder"].implementation.unique()}
    pairs = raw["bench"].pivot(index="repeat", columns="implementation", values="seconds")
    bench = {"N": bn, "c": gf("bench", "c_packed", bn), "numpy": gf("bench", "numpy_1thread", bn),
             "pairs": int(len(pairs)),
             "ratio_lo": float((pairs.numpy_1thread / pairs.c_packed).min()),
             "ratio_hi": float((pairs.numpy_1thread / pairs.c_packed).max())}
    bench["ratio"] = bench["c"] / bench["numpy"] if bench["c"] and bench["numpy"] else None
    lad = summ["ladder"]

    def curve(impl):
        g = _gflops(lad, impl)
        return {int(a): float(b) for a, b in zip(g.N, g.gflops)}

    caches = [c for c in sysinfo.get("caches", []) if c.get("type") != "Instruction" and c.get("bytes")]
    l_last = max((c["bytes"] for c in caches), default=None)
    ikj = curve("c_ikj")
    blk = curve("c_blocked")
    small = [m for m in ikj if 3 * 8 * m * m <= min((c["bytes"] for c in caches), default=0) * 16]
    big = [m for m in ikj if l_last and 3 * 8 * m * m > l_last]
    cache_exp = {"l_last_mib": l_last / 2**20 if l_last else None,
                 "n_small": max(small) if small else min(ikj, default=None),
                 "n_big": max(big) if big else None}
    for key, c in (("ikj", ikj), ("blocked", blk)):
        cache_exp[f"{key}_small"] = c.get(cache_exp["n_small"]) if cache_exp["n_small"] else None
        cache_exp[f"{key}_big"] = c.get(cache_exp["n_big"]) if cache_exp["n_big"] else None

    simd = {f"{k}@{b}": gf("simd", f"c_{k}@{b}", n) for b in ("O3", "O3novec", "portable") for k in ("ikj", "packed")}
    opt = {f"{k}@{b}": gf("opt", f"c_{k}@{b}", n) for b in ("O0", "O2", "O3") for k in ("ijk", "ikj")}
    thr = summ["threads"]
    threads = {}
    for impl in thr.implementation.unique():
        g = _gflops(thr, impl, bn)
        name, t = impl.split("@")
        threads.setdefault(name, {})[int(t)] = float(g.gflops.iloc[0]) if len(g) else None
    build_rows = [[name, " ".join(b["flags"]), b["simd"]] for name, b in builds.items()]
    ctx = {
        "cfg": cfg, "peak": peak, "builds": builds, "build_rows": build_rows,
        "cachegrind": read_json(cache_json),
        "ladder_n": n, "ladder": {"columns": [
            {"name": "実装", "kind": "text"}, {"name": "計算速度", "unit": "GFLOPS", "kind": "sig"},
            {"name": "i-j-k に対する速度比", "unit": "倍", "kind": "sig"},
            {"name": "NumPy（1 スレッド）に対する比", "unit": "倍", "kind": "sig"}], "rows": ladder_rows},
        "ladder_values": {k: gf("ladder", k, n) for k in LADDER_STEPS + ["numpy_1thread", "numpy_all"]},
        "stops": stops, "bench": bench, "cache": cache_exp, "simd": simd, "opt": opt,
        "threads": threads, "caches": caches,
    }
    write_json(out_json, ctx)
    return ctx


def bench(n: int = 2048, repeats: int = 9, so_path=None) -> float:
    """Print and return single-thread GFLOPS of the best C kernel and NumPy at size n."""
    import tempfile
    import time

    from threadpoolctl import threadpool_limits

    if so_path is None:
        so_path = Path(tempfile.mkdtemp()) / "libmm.so"
        subprocess.run([compiler(), *BUILDS["O3"], "-shared", "-fPIC", "-o", str(so_path), str(SOURCE)],
                       check=True)
    lib = load(so_path)
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n)), rng.random((n, n))
    c = np.empty_like(a)

    def once(f):
        t0 = time.perf_counter()
        f()
        return time.perf_counter() - t0

    ts_np, ts_c = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        lib.mm_set_threads(1)
        once(lambda: a @ b)
        once(lambda: lib.mm_packed(n, a, b, c))
        for _ in range(repeats):  # alternate, so that a drift of the machine hits both alike
            ts_np.append(once(lambda: a @ b))
            ts_c.append(once(lambda: lib.mm_packed(n, a, b, c)))
    t_np, t_c = float(np.median(ts_np)), float(np.median(ts_c))
    assert np.allclose(c, a @ b), "C result differs from NumPy"
    flops = 2.0 * n**3
    ratio = t_np / t_c
    print(f"N={n} float64, 1 thread: C packed {flops / t_c / 1e9:.1f} GFLOPS, "
          f"NumPy {flops / t_np / 1e9:.1f} GFLOPS, C/NumPy = {ratio:.3f}")
    return ratio


if __name__ == "__main__":
    import sys

    bench(int(sys.argv[1]) if len(sys.argv) > 1 else 2048)
