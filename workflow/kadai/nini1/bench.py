"""Benchmark: single-thread GFLOPS of the best C kernel and of NumPy at size N, and their ratio.

``python -m kadai.nini1 [N] [pairs]`` compiles matmul.c with the O3 flags into a temporary
folder and times C and NumPy alternately (:func:`kadai.nini1.measure.compare`). It prints the
C micro-kernel's SIMD path and block, and the BLAS kernel NumPy ran (threadpoolctl): run it once
as is and once with ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`` to compare with the kernel
OpenBLAS picks for this CPU by itself.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import threadpoolctl

from .. import ops
from .build import compile_library
from .measure import compare, contenders, load
from .plan import BUILDS


def measure(n: int = 2048, pairs: int = 9) -> dict:
    """C (O3 build, packed micro-kernel) and NumPy at size ``n``, ``pairs`` alternated pairs."""
    so = Path(tempfile.mkdtemp()) / "libmm.so"
    compile_library(BUILDS["O3"], so)
    lib = load(so)
    blas = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}"
            for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    table = compare({"O3": so}, contenders("bench", ["O3"]), n, pairs, 0, "bench")
    t = table.groupby("implementation").seconds
    flops = float(ops.matmul_flops(n))
    pair = table.pivot(index="repeat", columns="implementation", values="seconds")
    per_pair = pair.numpy_1thread / pair.c_packed
    return {"n": n, "pairs": pairs, "simd": lib.mm_simd().decode(), "tile": (lib.mm_tile(0), lib.mm_tile(1)),
            "blas": ", ".join(blas) or "unknown", "c_gflops": flops / t.median()["c_packed"] / 1e9,
            "numpy_gflops": flops / t.median()["numpy_1thread"] / 1e9, "ratio": float(np.median(per_pair)),
            "ratio_min": float(per_pair.min()), "ratio_max": float(per_pair.max())}


def describe(r: dict) -> str:
    return (f"C micro-kernel: {r['simd']}, {r['tile'][0]}×{r['tile'][1]} register block; NumPy BLAS: {r['blas']}\n"
            f"N={r['n']} float64, 1 thread, {r['pairs']} interleaved pairs (medians): C packed "
            f"{r['c_gflops']:.1f} GFLOPS, NumPy {r['numpy_gflops']:.1f} GFLOPS, C/NumPy = {r['ratio']:.3f} "
            f"(pairs {r['ratio_min']:.3f}–{r['ratio_max']:.3f})")


def main(argv) -> int:
    print(describe(measure(int(argv[0]) if argv else 2048, int(argv[1]) if len(argv) > 1 else 9)))
    return 0
