"""任意課題1, GPU part: which tiles suit this GPU's last kernel (mm_vec) best.

``python -m kadai.nini1.gputune [--configfile config/fashion.yaml …] [--n 4096] [--rounds 20]``

Each setting of :data:`SHAPES` × :data:`DEPTHS` × :data:`PADS` that fits (:mod:`kadai.nini1.tiles`:
48 KiB of static shared memory, whole float4 pieces per thread) is checked against the float64
reference and cuBLAS like the rule's kernels (:func:`kadai.nini1.gpu._run`), then timed
alternately with cuBLAS; the line per setting gives its share of cuBLAS (median of the paired
rounds, 95 % interval), or why it failed (an error the GPU recovers from, such as a launch its
resources refuse, ends that setting only). The configured setting runs first and last, so drift
over the sweep shows. The last line is the fastest setting as ``config.yaml``'s ``nini1.gpu.vec``;
copying it there reruns the rule ``nini1_gpu`` alone. Without a usable GPU it says why and exits 1.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .tiles import fits

# (VBM, VBN, RM, RN): the block's tile of C and the float4 pieces per thread (RM·4 × RN·4 elements)
SHAPES = ((128, 128, 2, 2), (128, 128, 2, 4), (128, 128, 4, 2), (128, 256, 2, 4), (256, 128, 4, 2),
          (64, 128, 2, 2), (64, 256, 2, 4))
DEPTHS = (8, 16)
PADS = (0, 4)


def settings(base: dict) -> list[dict]:
    """The configured setting, every fitting one of the grid, the configured one again."""
    grid = [{**base, "VBM": m, "VBN": n, "RM": rm, "RN": rn, "VBK": k, "APAD": pad}
            for m, n, rm, rn in SHAPES for k in DEPTHS for pad in PADS]
    return [base, *(v for v in grid if fits(v) and v != base), base]


def share(result: dict) -> dict | None:
    """mm_vec's share of cuBLAS: median of the per-round ratios and its 95 % interval; None where
    mm_vec was not timed (wrong result)."""
    from ..ops import matmul_flops
    from ..verdicts import median_interval

    s = result["samples"]
    if "mm_vec" not in s or "cublas" not in s:
        return None
    ratio, lo, hi, _ = median_interval(np.asarray(s["cublas"]) / np.asarray(s["mm_vec"]))
    tflops = float(matmul_flops(result["N"])) / float(np.median(s["mm_vec"])) / 1e12
    return {"ratio": ratio, "lo": lo, "hi": hi, "tflops": tflops}


def main(argv=None) -> int:
    from ..backends.availability import cupy_status
    from ..gpucheck import merged
    from . import gpu

    p = argparse.ArgumentParser(prog="python -m kadai.nini1.gputune", description=__doc__.split("\n")[0])
    p.add_argument("--configfile", nargs="+", default=[])
    p.add_argument("--n", type=int, default=None, help="N (default: nini1.gpu.n)")
    p.add_argument("--rounds", type=int, default=20)
    a = p.parse_args(sys.argv[1:] if argv is None else argv)
    g = merged(a.configfile)["nini1"]["gpu"]
    status = cupy_status()
    if not status.ok:
        print(f"skipped: {status.reason}")
        return 1
    from ..kadai2.measure import device_errors

    n, found = a.n or g["n"], {}
    for vec in settings(g["vec"]):
        try:
            r = share(gpu._run(n, a.rounds, g["check_n"], vec, contenders=("cublas", "mm_vec"), alone=False))
        except device_errors("cupy") as exc:  # e.g. more registers than a block may have: the next one
            print(f"{vec}: failed ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})", flush=True)
            continue
        shown = "wrong result, not timed" if r is None else (
            f"{r['ratio']:.3f} of cuBLAS (95 % {r['lo']:.3f}–{r['hi']:.3f}), {r['tflops']:.1f} TFLOPS")
        print(f"{vec}: {shown}", flush=True)
        if r is not None:  # keyed by its items: the grid keeps the configured order of the keys
            found.setdefault(tuple(vec.items()), []).append(r["ratio"])
    if not found:
        return 1
    best = max(found, key=lambda k: float(np.median(found[k])))
    print("fastest: vec: {" + ", ".join(f"{k}: {v}" for k, v in dict(best).items()) + "}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
