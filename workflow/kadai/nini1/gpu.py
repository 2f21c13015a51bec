"""任意課題1, GPU part: our own FP32 matmul kernels (``native/matmul_gpu.cu``) against cuBLAS.

The kernels run through ``cupy.RawModule``; each result is first compared with a float64
reference, then every contender (cuBLAS through CuPy's ``@`` and each kernel) runs once per
round, alternately, timed with CUDA events. Without a usable GPU, or when the GPU stack fails
(driver too old, NVRTC or cuBLAS missing, a kernel that does not compile or launch), the result
says so with the reason: never an exception. :func:`compile_ptx` compiles the source with NVRTC
without a GPU, so a syntax or type error is caught by the tests, not by a student.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import checks
from ..io import write_json

DEPENDS_ON_FILES = ("workflow/kadai/native/matmul_gpu.cu",)
SOURCE = Path(__file__).resolve().parents[3] / DEPENDS_ON_FILES[0]
KERNELS = ("mm_naive", "mm_shared", "mm_regtile", "mm_vec")
CONTENDERS = ("cublas",) + KERNELS
RELATIVE_ERROR = 1e-4  # ‖C − C_ref‖ / ‖C_ref‖ allowed for FP32 against the float64 reference


def check_sizes(check_n: int) -> tuple[int, int]:
    """The correctness check's sizes: an odd one (``check_n``, or the next odd number: the scalar
    guards of every tile) and a multiple of 4 that neither 32 nor 128 divides (mm_vec's aligned
    float4 path, with partial 32- and 128-wide tiles)."""
    aligned = 4 * (check_n // 4 + 1)
    return check_n | 1, aligned + 4 if aligned % 32 == 0 else aligned


def launch(kernel: str, n: int) -> tuple[tuple, tuple]:
    """(grid, block) of each kernel at size n (see the source for the tiles)."""
    if kernel == "mm_naive":
        return ((n + 15) // 16, (n + 15) // 16), (16, 16)
    if kernel == "mm_shared":
        return ((n + 31) // 32, (n + 31) // 32), (32, 32)
    if kernel in ("mm_regtile", "mm_vec"):
        return ((n + 127) // 128, (n + 127) // 128), (256,)
    raise KeyError(kernel)


def compile_ptx(arch: str = "compute_90") -> str:
    """The PTX of the source compiled by NVRTC for ``arch`` (no GPU needed); RuntimeError with
    NVRTC's log when it does not compile."""
    from cuda.bindings import nvrtc

    err, prog = nvrtc.nvrtcCreateProgram(SOURCE.read_bytes(), b"matmul_gpu.cu", 0, [], [])
    _ok(nvrtc, err, prog)
    err, = nvrtc.nvrtcCompileProgram(prog, 2, [f"--gpu-architecture={arch}".encode(), b"-std=c++17"])
    _ok(nvrtc, err, prog)
    err, size = nvrtc.nvrtcGetPTXSize(prog)
    ptx = b" " * size
    err, = nvrtc.nvrtcGetPTX(prog, ptx)
    return ptx.decode(errors="replace")


def _ok(nvrtc, err, prog) -> None:
    if err != nvrtc.nvrtcResult.NVRTC_SUCCESS:
        _, size = nvrtc.nvrtcGetProgramLogSize(prog)
        log = b" " * size
        nvrtc.nvrtcGetProgramLog(prog, log)
        raise RuntimeError(f"NVRTC: {err}: {log.decode(errors='replace').strip()}")


def measure(n: int, rounds: int, check_n: int, out_json) -> dict:
    """The whole GPU part: availability, correctness, alternated timings → ``out_json``."""
    from ..backends.availability import cupy_status
    from ..kadai2.measure import device_errors

    status = cupy_status()
    if not status.ok:
        result = {"available": False, "reason": status.reason}
    else:
        try:
            result = {"available": True, **_run(n, rounds, check_n)}
        except device_errors("cupy") as exc:
            result = {"available": False,
                      "reason": f"GPU の計測中に失敗した（{type(exc).__name__}: {str(exc).splitlines()[0][:160]}）"}
    write_json(out_json, result)
    return result


def _run(n: int, rounds: int, check_n: int) -> dict:
    import cupy

    module = cupy.RawModule(code=SOURCE.read_text(encoding="utf-8"), options=("-std=c++17",))
    kernels = {k: module.get_function(k) for k in KERNELS}

    def call(name, a, b, c, size):
        if name == "cublas":
            cupy.matmul(a, b, out=c)
        else:
            grid, block = launch(name, size)
            kernels[name](grid, block, (a, b, c, np.int32(size)))

    rng = np.random.default_rng(0)
    correct = {k: {"relative_error": 0.0, "ok": True} for k in CONTENDERS}
    for size in check_sizes(check_n):  # every guard of the tiles, and mm_vec's float4 path
        a, b = (rng.random((size, size), dtype=np.float32) for _ in range(2))
        ref = a.astype(np.float64) @ b.astype(np.float64)
        da, db = cupy.asarray(a), cupy.asarray(b)
        for name in CONTENDERS:
            # a fresh NaN-filled output: an element a kernel leaves unwritten fails the check
            # (an empty buffer may be the pool's block that still holds another contender's product)
            c = cupy.full((size, size), np.nan, dtype=cupy.float32)
            call(name, da, db, c, size)
            err = float(np.linalg.norm(c.get() - ref) / np.linalg.norm(ref))
            err = err if math.isfinite(err) else math.inf
            worst = max(err, correct[name]["relative_error"])
            correct[name] = {"relative_error": worst, "ok": worst <= RELATIVE_ERROR}
    a, b = (cupy.asarray(rng.random((n, n), dtype=np.float32)) for _ in range(2))
    c = cupy.empty((n, n), dtype=cupy.float32)
    reference, check = checks.freivalds(checks.tolerance("float32"))
    expected = reference(a, b)
    for name in [k for k in CONTENDERS if correct[k]["ok"]]:  # a kernel wrong at the small sizes never runs big
        c.fill(np.nan)
        call(name, a, b, c, n)  # also the warm-up: module load, cuBLAS handle, clocks up
        correct[name]["timed_size_ok"] = check(c, expected)
        correct[name]["ok"] = correct[name]["timed_size_ok"]
    timed = [k for k in CONTENDERS if correct[k]["ok"]]
    cupy.cuda.Device().synchronize()
    samples = {k: [] for k in timed}
    start, stop = cupy.cuda.Event(), cupy.cuda.Event()
    for r in range(rounds):
        for name in timed[r % len(timed):] + timed[:r % len(timed)]:
            start.record()
            call(name, a, b, c, n)
            stop.record()
            stop.synchronize()
            samples[name].append(cupy.cuda.get_elapsed_time(start, stop) / 1e3)
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    return {"device": name, "N": n, "check_n": list(check_sizes(check_n)), "rounds": rounds, "correct": correct,
            "samples": samples}
