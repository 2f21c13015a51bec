"""任意課題1: the peak of one core, measured (clock and FMA throughput), and the micro-kernel alone.

A data-sheet peak (FLOP per cycle × base clock) is wrong twice on a modern CPU: the clock boosts
above the base clock, and the SIMD width and number of FMA units are not known from the clock.
This module measures both with ``native/peak.c`` and times the C ladder's micro-kernel with its
operands in L1, which separates "the micro-kernel is slow" from "time is lost around it".

1. Compile ``peak.c`` (``-O2``; the SIMD functions carry their own target attributes) and ask
   the CPU which FMA widths it supports; only those functions are ever called.
2. Calibrate each test: double ``iters`` until one call takes a tenth of ``seconds_per_test``
   (these calls also warm the core up), then scale ``iters`` to ``seconds_per_test``.
3. Time ``repeats`` rounds; each round runs every test once, in turn (interleaved, so a slow
   phase of the machine hits all tests alike). Every sample is kept.
4. Rates use the fastest sample (noise only adds time); the median is kept beside it.
   Clock GHz = cycles of the dependent-add chain / seconds.
5. Per FMA width: GFLOPS = FLOPs / seconds, FLOP per cycle = GFLOPS / GHz, and the number of
   FMA units = FLOP per cycle / (2 × lanes), rounded; the peak of one core at that width is
   GHz × 2 × lanes × units. The widest supported width gives the core's peak.
6. The micro-kernel (``mm_micro_bench`` of the matmul library), the library's whole product
   (``mm_packed``) and NumPy's (one BLAS thread), both at the comparison's N, are timed in the
   same rounds as the FMA loops. So every round holds, moments apart, the peak, the micro-kernel,
   the whole C product and NumPy: on a machine whose speed drifts, their ratios are taken round
   by round (kadai.nini1.analyse), never between numbers measured minutes apart.
"""

from __future__ import annotations

import ctypes
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import measure as harness
from ..io import write_json
from .build import compiler

DEPENDS_ON_FILES = ("workflow/kadai/native/peak.c",)
SOURCE = Path(__file__).resolve().parents[3] / DEPENDS_ON_FILES[0]
WIDTHS = {"avx2": 4, "avx512": 8}  # FMA test → double-precision lanes per vector


def build(out_so, flags: Sequence[str] = ("-O2",)) -> list[str]:
    """gcc ``flags`` -shared -fPIC -o ``out_so`` peak.c; returns the command."""
    cmd = [compiler(), *flags, "-shared", "-fPIC", "-o", str(out_so), str(SOURCE)]
    Path(out_so).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(cmd, check=True)
    return cmd


def load(so_path):
    """The peak library with its ctypes signatures."""
    lib = ctypes.CDLL(str(Path(so_path).resolve()))
    for name in ("peak_add_chain", "peak_fma_avx2", "peak_fma_avx512"):
        getattr(lib, name).argtypes = [ctypes.c_long]
        getattr(lib, name).restype = ctypes.c_double
    for name in ("peak_has_avx2", "peak_has_avx512"):
        getattr(lib, name).argtypes = []
        getattr(lib, name).restype = ctypes.c_int
    return lib


def _timed(fn: Callable[[int], float], iters: int) -> tuple[float, float]:
    """(work returned by ``fn(iters)``, seconds it took)."""
    t0 = time.perf_counter()
    work = fn(iters)
    return work, time.perf_counter() - t0


def calibrate(fn: Callable[[int], float], seconds: float) -> int:
    """``iters`` such that one call of ``fn`` takes about ``seconds`` (step 2)."""
    iters = 1
    while True:
        _, dt = _timed(fn, iters)
        if dt >= seconds / 10 or iters >= 1 << 40:
            return max(1, round(iters * seconds / max(dt, 1e-9)))
        iters *= 2


def interleaved(tests: dict[str, Callable[[int], float]], seconds: float, repeats: int) -> dict[str, list[float]]:
    """Rates (work per second / 1e9) of every test, ``repeats`` rounds, tests alternating (step 3,
    kadai.measure.interleave)."""
    iters = {name: calibrate(fn, seconds) for name, fn in tests.items()}
    work = {name: fn(iters[name]) for name, fn in tests.items()}  # the work of one call (a fixed count)
    bad = [name for name, w in work.items() if w < 0]
    if bad:
        raise RuntimeError(f"{', '.join(bad)} report that they cannot run on this machine")
    runs = harness.interleave({name: (lambda fn=fn, i=iters[name]: fn(i)) for name, fn in tests.items()}, repeats,
                              warmup=0)
    samples: dict[str, list[float]] = {name: [] for name in tests}
    for r in runs:
        samples[r["name"]].append(work[r["name"]] / r["seconds"] / 1e9)
    return samples


def width_result(lanes: int, supported: bool, samples: list[float] | None, ghz: float) -> dict:
    """GFLOPS, FLOP per cycle, FMA units and peak of one FMA width (step 5)."""
    out = {"supported": supported, "lanes": lanes, "gflops": None, "gflops_median": None, "gflops_samples": [],
           "flop_per_cycle": None, "units_exact": None, "units": None, "peak_gflops": None}
    if not samples:
        return out
    gflops = max(samples)
    per_cycle = gflops / ghz
    units = max(1, round(per_cycle / (2 * lanes)))  # a width the CPU runs has a unit, however disturbed the loop
    return {**out, "gflops": gflops, "gflops_median": statistics.median(samples), "gflops_samples": samples,
            "flop_per_cycle": per_cycle, "units_exact": per_cycle / (2 * lanes), "units": units,
            "peak_gflops": ghz * 2 * lanes * units}


def measure(so_path, seconds_per_test: float = 0.2, repeats: int = 5, also: dict | None = None) -> dict:
    """Clock and FMA throughput of one core, on the calling thread (steps 1-5); JSON-ready.
    ``also`` (name → test, as for :func:`interleaved`) runs in the same rounds; its GFLOPS
    samples, in round order, come back under ``"also"``."""
    lib = load(so_path)
    also = also or {}
    empty = {name: width_result(lanes, False, None, 0.0) for name, lanes in WIDTHS.items()}
    base = {"threads": 1, "widest": None, "peak_gflops": None, "ghz": None, "ghz_median": None, "ghz_samples": [],
            **empty}
    if lib.peak_add_chain(1) < 0:
        return {**base, "available": False, "reason": "peak.c measures x86 CPUs only (not this architecture)",
                "also": interleaved(also, seconds_per_test, repeats) if also else {}}
    supported = {"avx2": bool(lib.peak_has_avx2()), "avx512": bool(lib.peak_has_avx512())}
    tests = {"clock": lib.peak_add_chain}
    tests.update({name: getattr(lib, f"peak_fma_{name}") for name in WIDTHS if supported[name]})
    samples = interleaved({**tests, **also}, seconds_per_test, repeats)
    base["also"] = {name: samples[name] for name in also}
    ghz = max(samples["clock"])
    widths = {name: width_result(lanes, supported[name], samples.get(name), ghz) for name, lanes in WIDTHS.items()}
    widest = next((name for name in ("avx512", "avx2") if supported[name]), None)
    return {**base, **widths, "available": True, "ghz": ghz, "ghz_median": statistics.median(samples["clock"]),
            "ghz_samples": samples["clock"], "widest": widest,
            "peak_gflops": widths[widest]["peak_gflops"] if widest else None}


MICRO_L1_BYTES = 28 * 1024  # the micro-kernel bench's two slivers, (MR + NR)·kc doubles, fit in this much of L1


def rates(samples: list[float]) -> dict:
    """GFLOPS samples as the fastest (noise only slows), their median, and all of them in round order."""
    return {"gflops": max(samples), "gflops_median": statistics.median(samples), "gflops_samples": samples}


def micro_test(lib, kc: int | None = None) -> tuple[Callable[[int], float], dict]:
    """The C ladder's micro-kernel alone, operands in L1 (step 6), as a test of :func:`interleaved`,
    and its tile; ``lib`` is a loaded matmul.c. ``kc`` (default: the largest multiple of 64
    whose slivers fit ``MICRO_L1_BYTES``)."""
    lib.mm_micro_bench.argtypes = [ctypes.c_int, ctypes.c_long]
    lib.mm_micro_bench.restype = ctypes.c_double
    lib.mm_tile.argtypes = [ctypes.c_int]
    lib.mm_tile.restype = ctypes.c_int
    mr, nr = lib.mm_tile(0), lib.mm_tile(1)
    if kc is None:
        kc = max(64, MICRO_L1_BYTES // ((mr + nr) * 8) // 64 * 64)

    def call(reps: int) -> float:
        flops = lib.mm_micro_bench(kc, reps)
        if flops < 0:
            raise MemoryError(f"mm_micro_bench could not allocate its panels (kc={kc})")
        return flops

    return call, {"kc": kc, "mr": mr, "nr": nr, "prefetch_steps": lib.mm_tile(5)}


def micro_bench(lib, kc: int | None = None, seconds: float = 0.2, repeats: int = 5) -> dict:
    """GFLOPS of the micro-kernel alone (:func:`micro_test`), timed on its own."""
    call, tile = micro_test(lib, kc)
    return {**tile, **rates(interleaved({"micro_kernel": call}, seconds, repeats)["micro_kernel"])}


def product_tests(lib, n: int) -> dict[str, Callable[[int], float]]:
    """The whole n×n product as tests of :func:`interleaved`: the library's ``mm_packed`` and
    NumPy's ``matmul`` (with as many BLAS threads as the caller allows), on the same matrices."""
    import numpy as np

    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((n, n)), rng.standard_normal((n, n)), np.empty((n, n))
    lib.mm_packed.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.mm_packed.restype = ctypes.c_int
    flops = 2.0 * n ** 3

    def c_packed(reps: int) -> float:
        for _ in range(reps):
            if lib.mm_packed(n, a.ctypes.data, b.ctypes.data, c.ctypes.data) != 0:
                raise MemoryError(f"mm_packed could not allocate its panels (N={n})")
        return flops * reps

    def numpy(reps: int) -> float:
        for _ in range(reps):
            np.matmul(a, b, out=c)
        return flops * reps

    return {"c_packed": c_packed, "numpy": numpy}


def run(peak_so, matmul_so, out_json, n: int, seconds_per_test: float = 0.2, repeats: int = 9) -> dict:
    """Measure the peak, the micro-kernel and the whole product at ``n`` (C and NumPy, one thread
    each) in the same rounds; write them to ``out_json``."""
    from ..threads import limited

    matmul = ctypes.CDLL(str(Path(matmul_so).resolve()))
    micro, tile = micro_test(matmul)
    with limited(1, torch=False):
        found = measure(peak_so, seconds_per_test, repeats, also={"micro_kernel": micro, **product_tests(matmul, n)})
    also = found.pop("also")
    result = {"peak": found, "micro_kernel": {**tile, **rates(also["micro_kernel"])},
              "c_packed": {"n": n, **rates(also["c_packed"])}, "numpy": {"n": n, **rates(also["numpy"])},
              "rounds": repeats}
    write_json(out_json, result)
    return result
