"""任意課題1, GPU part: our own FP32 matmul kernels (``native/matmul_gpu.cu``) against cuBLAS.

The kernels run through ``cupy.RawModule`` (the last one with the tiles of ``nini1.gpu.vec``); each
result is first compared with a float64 reference, then every contender (cuBLAS through CuPy's
``@`` and each kernel) runs once per round, alternately, timed with CUDA events, and cuBLAS and the
last kernel once more, each run :data:`BURST` times in a row. Without a usable GPU, or when the GPU stack fails
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
from . import tiles

DEPENDS_ON_FILES = ("workflow/kadai/native/matmul_gpu.cu",)
SOURCE = Path(__file__).resolve().parents[3] / DEPENDS_ON_FILES[0]
KERNELS = ("mm_naive", "mm_shared", "mm_regtile", "mm_vec")
CONTENDERS = ("cublas",) + KERNELS
RELATIVE_ERROR = 1e-4  # ‖C − C_ref‖ / ‖C_ref‖ allowed for FP32 against the float64 reference
# Runs in a row of one contender in the rounds that time cuBLAS and the last kernel each alone; the
# first of them, which follows the other contender, is not kept. In a probe on an H200 (2026-11-28)
# cuBLAS took 49.3 TFLOPS run back to back, 48.1 alternating with mm_vec and 46.4 among all five
# contenders (the SM clock at 1980 MHz throughout), while mm_vec took 44.9, 44.9 and 44.3: its
# share of cuBLAS depends on what runs around them, so both are measured.
BURST = 4


def check_sizes(check_n: int) -> tuple[int, int]:
    """The correctness check's sizes: an odd one (``check_n``, or the next odd number: the scalar
    guards of every tile) and the next multiple of 4 that 8 does not divide (mm_vec's aligned
    float4 path; it leaves a partial tile of every size and depth that 8 divides)."""
    aligned = 4 * (check_n // 4 + 1)
    return check_n | 1, aligned + 4 if aligned % 8 == 0 else aligned


def options(vec: dict) -> tuple[str, ...]:
    """The compiler's options: C++17 and mm_vec's settings as -D macros."""
    return ("-std=c++17", *(f"-D{k}={v}" for k, v in vec.items()))


def launch(kernel: str, n: int, vec: dict) -> tuple[tuple, tuple]:
    """(grid, block) of each kernel at size n (see the source for the tiles)."""
    if kernel == "mm_naive":
        return ((n + 15) // 16, (n + 15) // 16), (16, 16)
    if kernel == "mm_shared":
        return ((n + 31) // 32, (n + 31) // 32), (32, 32)
    if kernel == "mm_regtile":
        return ((n + 127) // 128, (n + 127) // 128), (256,)
    if kernel == "mm_vec":
        return ((n + vec["VBN"] - 1) // vec["VBN"], (n + vec["VBM"] - 1) // vec["VBM"]), (tiles.threads(vec),)
    raise KeyError(kernel)


def compile_ptx(vec: dict, arch: str = "compute_90") -> str:
    """The PTX of the source compiled by NVRTC for ``arch`` with mm_vec's settings ``vec`` (no GPU
    needed); RuntimeError with NVRTC's log when it does not compile."""
    from cuda.bindings import nvrtc

    err, prog = nvrtc.nvrtcCreateProgram(SOURCE.read_bytes(), b"matmul_gpu.cu", 0, [], [])
    _ok(nvrtc, err, prog)
    opts = [f"--gpu-architecture={arch}".encode(), *(o.encode() for o in options(vec))]
    err, = nvrtc.nvrtcCompileProgram(prog, len(opts), opts)
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


def measure(n: int, rounds: int, check_n: int, vec: dict, out_json) -> dict:
    """The whole GPU part (mm_vec with the settings ``vec``): availability, correctness, alternated
    timings → ``out_json``."""
    from ..backends.availability import cupy_status
    from ..kadai2.measure import device_errors

    status, misfit = cupy_status(), tiles.problem(vec)
    if not status.ok:
        result = {"available": False, "reason": status.reason}
    elif misfit:  # the config check stops the build first; python -m kadai.gpucheck gets here
        result = {"available": False, "reason": f"nini1.gpu.vec のタイルがカーネルに合わない（{misfit}）"}
    else:
        try:
            result = {"available": True, **_run(n, rounds, check_n, vec)}
        except device_errors("cupy") as exc:
            result = {"available": False,
                      "reason": f"GPU の計測中に失敗した（{type(exc).__name__}: {str(exc).splitlines()[0][:160]}）"}
    write_json(out_json, result)
    return result


def _run(n: int, rounds: int, check_n: int, vec: dict, contenders=CONTENDERS, alone: bool = True) -> dict:
    """Check and time ``contenders`` (cuBLAS and kernels, mm_vec with the settings ``vec``); with
    ``alone``, cuBLAS and the last kernel also in runs of :data:`BURST`."""
    import cupy

    module = cupy.RawModule(code=SOURCE.read_text(encoding="utf-8"), options=options(vec))
    kernels = {k: module.get_function(k) for k in contenders if k != "cublas"}

    def call(name, a, b, c, size):
        if name == "cublas":
            cupy.matmul(a, b, out=c)
        else:
            grid, block = launch(name, size, vec)
            kernels[name](grid, block, (a, b, c, np.int32(size)))

    rng = np.random.default_rng(0)
    correct = {k: {"relative_error": 0.0, "ok": True} for k in contenders}
    for size in check_sizes(check_n):  # every guard of the tiles, and mm_vec's float4 path
        a, b = (rng.random((size, size), dtype=np.float32) for _ in range(2))
        ref = a.astype(np.float64) @ b.astype(np.float64)
        da, db = cupy.asarray(a), cupy.asarray(b)
        for name in contenders:
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
    for name in [k for k in contenders if correct[k]["ok"]]:  # a kernel wrong at the small sizes never runs big
        c.fill(np.nan)
        call(name, a, b, c, n)  # also the warm-up: module load, cuBLAS handle, clocks up
        correct[name]["timed_size_ok"] = check(c, expected)
        correct[name]["ok"] = correct[name]["timed_size_ok"]
    timed = [k for k in contenders if correct[k]["ok"]]
    cupy.cuda.Device().synchronize()
    start, stop = cupy.cuda.Event(), cupy.cuda.Event()

    def seconds(name):
        start.record()
        call(name, a, b, c, n)
        stop.record()
        stop.synchronize()
        return cupy.cuda.get_elapsed_time(start, stop) / 1e3

    samples = {k: [] for k in timed}
    for r in range(rounds):
        for name in timed[r % len(timed):] + timed[:r % len(timed)]:
            samples[name].append(seconds(name))
    # cuBLAS and the last kernel once more, each run BURST times in a row: the speed of each with
    # no other kernel between its runs (cuBLAS is slower amid the slow kernels, see BURST)
    pair = [k for k in ("cublas", KERNELS[-1]) if k in timed]
    runs = {k: [] for k in pair} if alone and len(pair) == 2 else {}
    for r in range(rounds if runs else 0):
        for name in pair if r % 2 == 0 else pair[::-1]:
            runs[name].append(float(np.median([seconds(name) for _ in range(BURST)][1:])))
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    return {"device": name, "N": n, "check_n": list(check_sizes(check_n)), "rounds": rounds, "correct": correct,
            "samples": samples, "alone": {"burst": BURST, "samples": runs}, "vec": dict(vec)}
