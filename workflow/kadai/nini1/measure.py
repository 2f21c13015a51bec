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
from ..rows import COLUMNS, OK, RAW
from .plan import C_VS_NUMPY

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
    lib.mm_simd.restype = ctypes.c_char_p
    lib.mm_tile.argtypes = [ctypes.c_int]
    lib.mm_tile.restype = ctypes.c_int
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


def timed(series: measure.Series, sweep: measure.SweepConfig, blas_threads: int | None, name: str):
    # limit only BLAS: a plain limit would also cap the OpenMP threads of our C library
    with threads.limited(blas_threads, torch=False):
        return measure.run_series(series, sweep, progress=measure.Progress(f"nini1/{name}/{series.implementation}"))


def experiment_ladder(libs: dict, cfg: dict, timing: dict) -> pd.DataFrame:
    """Every step of the ladder and NumPy over the size sweep (GFLOPS against N)."""
    lib, sweep = load(libs["O3"]), measure.SweepConfig.from_config(cfg["sweep"], timing)
    frames = []
    for k in KERNELS:
        lib.mm_set_threads(os.cpu_count() or 1)
        frames.append(timed(c_series(lib, k, f"c_{k}", None if k == "packed_omp" else 1), sweep, 1, "ladder"))
    frames.append(timed(numpy_series("numpy_1thread"), sweep, 1, "ladder"))
    frames.append(timed(numpy_series("numpy_all"), sweep, None, "ladder"))
    return pd.concat(frames, ignore_index=True)


def contender(lib, kernel: str | None, n_threads: int, a, b, clock=time.perf_counter):
    """One zero-argument run: ``mm_<kernel>`` of ``lib`` (None: NumPy's ``a @ b``) with that many
    threads (OpenMP for C, BLAS for NumPy), set on every call since contenders alternate. It
    times the product alone (``{"seconds", "product"}``, :func:`kadai.measure.interleave`): setting
    the threads (threadpoolctl scans the loaded libraries, about a millisecond) is not counted,
    which at small N would otherwise make NumPy look slower than it is."""
    if kernel is None:
        def run():
            with threads.limited(n_threads, torch=False):
                t0 = clock()
                c = a @ b
                return {"seconds": clock() - t0, "product": c}
        return run
    fn = c_kernel(lib, kernel)

    def run_c():
        lib.mm_set_threads(n_threads)
        t0 = clock()
        c = fn(a, b)
        return {"seconds": clock() - t0, "product": c}
    return run_c


def checked_rounds(cases: dict, rounds: int, name: str, note: str) -> pd.DataFrame:
    """``cases``: label → (N, zero-argument run, reference product). Each is checked against its
    reference (Freivalds), then all are timed alternately for ``rounds`` rounds, on one BLAS thread
    (:func:`kadai.measure.interleave`); one row per timed run."""
    _, check = checks.freivalds(checks.tolerance("float64"))
    with threads.limited(1, torch=False):
        for label, (n, run, ref) in cases.items():
            if not check(run()["product"], ref):
                raise AssertionError(f"{label} gives a wrong product at N={n}")
        samples = measure.interleave({label: run for label, (_, run, _) in cases.items()}, rounds,
                                     progress=measure.Progress(f"nini1/{name}"))
    rows = [dict(implementation=s["name"], op="matmul", N=cases[s["name"]][0], dtype="float64", device="cpu",
                 repeat=s["round"], seconds=s["seconds"], status=OK, note=note, faults=s["faults"],
                 busy=s["busy"], cores=s["cores"])
            for s in samples]
    return pd.DataFrame(rows, columns=COLUMNS)


def compare(libs: dict, entries: list[tuple], n: int, rounds: int, seed: int, name: str) -> pd.DataFrame:
    """Contenders ``(label, build or None for NumPy, kernel, threads)`` at one size: each checked,
    then timed alternately for ``rounds`` rounds (:func:`checked_rounds`)."""
    a, b = inputs(n, np.random.default_rng([seed, n]))
    reference, _ = checks.freivalds(checks.tolerance("float64"))
    ref = reference(a, b)
    loaded = {build: load(path) for build, path in libs.items()}
    cases = {label: (n, contender(loaded.get(build), kernel, t, a, b), ref) for label, build, kernel, t in entries}
    return checked_rounds(cases, rounds, name, "interleaved with the other contenders")


def compare_sizes(libs: dict, kernel: str, sizes, rounds: int, seed: int, name: str) -> pd.DataFrame:
    """One O3 kernel at several sizes (``alias``: the ladder's N and N ± 1), each checked, then timed
    alternately for ``rounds`` rounds, so that a size slower than its neighbours is not a moment
    slower than the others (:func:`checked_rounds`)."""
    reference, _ = checks.freivalds(checks.tolerance("float64"))
    lib = load(libs["O3"])
    cases = {}
    for m in sizes:
        a, b = inputs(m, np.random.default_rng([seed, m]))
        cases[f"c_{kernel}@{m}"] = (m, contender(lib, kernel, 1, a, b), reference(a, b))
    return checked_rounds(cases, rounds, name, "interleaved with the neighbouring sizes")


def contenders(experiment: str, builds) -> list[tuple]:
    """(label, build, kernel, threads) of one fixed-size experiment; build None is NumPy."""
    cores = os.cpu_count() or 1
    if experiment == "order":
        return [("c_ijk", "O3", "ijk", 1), ("c_ikj", "O3", "ikj", 1)]
    if experiment in ("simd", "opt"):
        kernels = ("ikj", "packed") if experiment == "simd" else ("ijk", "ikj")
        return [(f"c_{k}@{b}", b, k, 1) for b in builds for k in kernels]
    if experiment == "threads":
        return [c for t in range(1, cores + 1)
                for c in ((f"c_packed_omp@{t}", "O3", "packed_omp", t), (f"numpy@{t}", None, None, t))]
    if experiment in C_VS_NUMPY:
        return [("c_packed", "O3", "packed", 1), ("numpy_1thread", None, None, 1)]
    raise ValueError(f"unknown experiment {experiment!r}")


def run(experiment: str, libs: dict, cfg: dict, timing: dict, out_csv) -> None:
    """One experiment in one tidy table (``implementation`` names each contender or series)."""
    if experiment == "ladder":
        table = experiment_ladder(libs, cfg, timing)
    elif experiment == "alias":
        n = cfg["ladder_n"]
        table = compare_sizes(libs, "ijk", (n - 1, n, n + 1), cfg["rounds"], cfg["sweep"]["seed"], experiment)
    else:
        n = cfg["bench_n"] if experiment in ("threads", "bench") else cfg["ladder_n"]
        rounds = cfg["bench_pairs"] if experiment in C_VS_NUMPY else cfg["rounds"]
        table = compare(libs, contenders(experiment, list(libs)), n, rounds, cfg["sweep"]["seed"], experiment)
    write_csv(out_csv, table, RAW)
