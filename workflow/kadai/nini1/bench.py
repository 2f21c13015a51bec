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


def main(argv) -> int:
    n = int(argv[0]) if argv else 2048
    pairs = int(argv[1]) if len(argv) > 1 else 9
    so = Path(tempfile.mkdtemp()) / "libmm.so"
    compile_library(BUILDS["O3"], so)
    lib = load(so)
    blas = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')}"
            for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    print(f"C micro-kernel: {lib.mm_simd().decode()}, {lib.mm_tile(0)}×{lib.mm_tile(1)} register block; "
          f"NumPy BLAS: {', '.join(blas) or 'unknown'}", flush=True)
    table = compare({"O3": so}, contenders("bench", ["O3"]), n, pairs, 0, "bench")
    t = table.groupby("implementation").seconds
    flops = float(ops.matmul_flops(n))
    c, numpy = flops / t.median()["c_packed"] / 1e9, flops / t.median()["numpy_1thread"] / 1e9
    pair = table.pivot(index="repeat", columns="implementation", values="seconds")
    per_pair = pair.numpy_1thread / pair.c_packed
    print(f"N={n} float64, 1 thread, {pairs} interleaved pairs (medians): C packed {c:.1f} GFLOPS, "
          f"NumPy {numpy:.1f} GFLOPS, C/NumPy = {np.median(per_pair):.3f} "
          f"(pairs {per_pair.min():.3f}–{per_pair.max():.3f})")
    return 0
