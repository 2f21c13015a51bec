"""任意課題1 measurement: one experiment per hypothesis, C (through ctypes) and NumPy on the same
inputs, timed by the shared harness and checked by Freivalds' test (float64)."""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .. import checks, measure, threads
from ..io import write_csv
from ..rows import COLUMNS, OK

KERNELS = ["ijk", "ikj", "blocked", "packed", "packed_omp"]  # the functions mm_<kernel> of matmul.c


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


def inputs(n, rng):
    return rng.random((n, n)), rng.random((n, n))


def c_kernel(lib, kernel: str):
    """``C = A·B`` through ``mm_<kernel>``; a failed panel allocation is a MemoryError."""
    fn = getattr(lib, f"mm_{kernel}")

    def run(a, b):
        c = np.empty_like(a)
        rc = fn(a.shape[0], a, b, c)
        if rc not in (None, 0):
            raise MemoryError(f"mm_{kernel} could not allocate its panels")
        return c
    return run


def c_series(lib, kernel: str, label: str, threads_c: int | None = None) -> measure.Series:
    if threads_c is not None:
        lib.mm_set_threads(threads_c)
    reference, check = checks.freivalds(checks.tolerance("float64"))
    return measure.Series(implementation=label, op="matmul", make_inputs=inputs, kernel=c_kernel(lib, kernel),
                          reference=reference, check=check, dtype="float64", device="cpu")


def numpy_series(label: str) -> measure.Series:
    reference, check = checks.freivalds(checks.tolerance("float64"))
    return measure.Series(implementation=label, op="matmul", make_inputs=inputs, kernel=lambda a, b: a @ b,
                          reference=reference, check=check, dtype="float64", device="cpu")


def sweep_at(sweep: dict, n: int) -> measure.SweepConfig:
    return measure.SweepConfig.from_config({**sweep, "n_min": n, "n_max": n})


def timed(series: measure.Series, sweep: measure.SweepConfig, blas_threads: int | None, name: str):
    # limit only BLAS: a plain limit would also cap the OpenMP threads of our C library
    with threads.limited(blas_threads, torch=False):
        return measure.run_series(series, sweep, progress=measure.Progress(f"nini1/{name}/{series.implementation}"))


def experiment_ladder(libs: dict, cfg: dict) -> list[pd.DataFrame]:
    lib, sweep = load(libs["O3"]), measure.SweepConfig.from_config(cfg["sweep"])
    frames = []
    for k in KERNELS:
        lib.mm_set_threads(os.cpu_count() or 1)
        frames.append(timed(c_series(lib, k, f"c_{k}", None if k == "packed_omp" else 1), sweep, 1, "ladder"))
    frames.append(timed(numpy_series("numpy_1thread"), sweep, 1, "ladder"))
    frames.append(timed(numpy_series("numpy_all"), sweep, None, "ladder"))
    return frames


def experiment_builds(libs: dict, cfg: dict, kernels, name: str) -> list[pd.DataFrame]:
    """The same kernels from every build in ``libs``, at N = ladder_n, one thread."""
    sweep = sweep_at(cfg["sweep"], cfg["ladder_n"])
    return [timed(c_series(load(path), k, f"c_{k}@{build}", 1), sweep, 1, name)
            for build, path in libs.items() for k in kernels]


def experiment_threads(libs: dict, cfg: dict) -> list[pd.DataFrame]:
    lib, sweep = load(libs["O3"]), sweep_at(cfg["sweep"], cfg["bench_n"])
    frames = []
    for t in range(1, (os.cpu_count() or 1) + 1):
        frames.append(timed(c_series(lib, "packed_omp", f"c_packed_omp@{t}", t), sweep, t, "threads"))
        frames.append(timed(numpy_series(f"numpy@{t}"), sweep, t, "threads"))
    return frames


def interleaved(lib, n: int, pairs: int, seed: int = 0) -> pd.DataFrame:
    """C (packed, 1 thread) and NumPy (1 BLAS thread) timed alternately on the same inputs.

    The machine's speed drifts (other tenants, clocks); alternating the two keeps a drift from
    landing on one side only. Each result is checked first (the warm-up run is the check).
    """
    a, b = inputs(n, np.random.default_rng(seed))
    reference, check = checks.freivalds(checks.tolerance("float64"))
    ref = reference(a, b)
    c = np.empty_like(a)
    rows = []
    with threads.limited(1, torch=False):
        lib.mm_set_threads(1)
        runs = {"c_packed": lambda: lib.mm_packed(n, a, b, c) or c, "numpy_1thread": lambda: a @ b}
        for impl, f in runs.items():
            if not check(f(), ref):
                raise AssertionError(f"{impl} gives a wrong product at N={n}")
        for i in range(pairs):
            for impl, f in runs.items():
                t0 = time.perf_counter()
                f()
                rows.append(dict(implementation=impl, op="matmul", N=n, dtype="float64", device="cpu",
                                 repeat=i, seconds=time.perf_counter() - t0, status=OK,
                                 note="interleaved with the other implementation"))
            print(f"[nini1/bench] pair {i + 1}/{pairs}", flush=True)
    return pd.DataFrame(rows, columns=COLUMNS)


def run(experiment: str, libs: dict, cfg: dict, out_csv) -> None:
    """One experiment's series, all in one tidy table (``implementation`` names the series)."""
    if experiment == "ladder":
        frames = experiment_ladder(libs, cfg)
    elif experiment == "simd":
        frames = experiment_builds(libs, cfg, ("ikj", "packed"), "simd")
    elif experiment == "opt":
        frames = experiment_builds(libs, cfg, ("ijk", "ikj"), "opt")
    elif experiment == "threads":
        frames = experiment_threads(libs, cfg)
    elif experiment == "bench":
        frames = [interleaved(load(libs["O3"]), cfg["bench_n"], cfg["bench_pairs"], cfg["sweep"]["seed"])]
    else:
        raise ValueError(f"unknown experiment {experiment!r}")
    write_csv(out_csv, pd.concat(frames, ignore_index=True))
