"""課題2 measurement: one series = one operation × one implementation, timed by the harness.

The implementation's registry entry (library, device, transfer, kernel module) arrives as a
parameter of the job; the kernels come from that module. GPU series are skipped with the reason
where no GPU is usable, and stop with ``oom`` where memory runs out.
"""

from __future__ import annotations

import importlib

import numpy as np

from .. import checks, measure
from ..backends.availability import availability
from ..io import write_csv
from ..rows import RAW


def host_memory_cap(fraction: float) -> float:
    try:
        import psutil
        return fraction * psutil.virtual_memory().available
    except Exception:  # noqa: BLE001
        return float("inf")


def gpu_memory_cap(cap_gb, lib: str) -> float:
    """Configured cap, else 90 % of the device's free memory."""
    if cap_gb is not None:
        return float(cap_gb) * 2**30
    if lib == "cupy":
        import cupy
        free, _ = cupy.cuda.runtime.memGetInfo()
    else:
        import torch
        free, _ = torch.cuda.mem_get_info()
    return 0.9 * free


def bytes_needed(op: str, itemsize: int, python: bool = False):
    """Memory one run needs on its device: inputs, output and the float64 check on the host."""
    per = 32 if python else itemsize  # a Python float in a list costs ~32 bytes
    arrays = 3 if op == "matmul" else 2
    return lambda n: arrays * per * float(n) ** 2 + 8.0 * float(n) ** 2


def reference_and_check(op: str, padding: str, dtype: str):
    tol = checks.tolerance(dtype)
    if op == "matmul":
        return checks.freivalds(tol)
    return checks.conv_projection(tol, padding)


def host_inputs(op: str, np_dtype):
    def make(n, rng):
        if op == "matmul":
            return rng.random((n, n)).astype(np_dtype), rng.random((n, n)).astype(np_dtype)
        return rng.random((n, n)).astype(np_dtype), rng.standard_normal((3, 3)).astype(np_dtype)
    return make


def library_glue(op: str, entry: dict, kernels, padding: str, make_host) -> dict:
    """Inputs, kernel, sync and OOM handling of one library (the timed call is ``kernel``)."""
    lib, device, transfer = entry["library"], entry["device"], entry["transfer"]
    call = kernels.matmul if op == "matmul" else (lambda *a: kernels.conv2d(*a, padding=padding))
    glue = {"make_inputs": make_host, "sync": lambda: None, "cleanup": lambda: None, "oom_errors": (MemoryError,)}
    if lib == "python":
        glue["make_inputs"] = lambda n, rng: tuple(x.tolist() for x in make_host(n, rng))
        glue["kernel"] = call
    elif lib == "numpy":
        glue["kernel"] = lambda *a: call(np, *a)
    elif lib == "cupy":
        import cupy
        glue.update(sync=cupy.cuda.Device().synchronize, cleanup=cupy.get_default_memory_pool().free_all_blocks,
                    oom_errors=(MemoryError, cupy.cuda.memory.OutOfMemoryError), device_errors=device_errors(lib))
        if transfer:
            glue["kernel"] = lambda *a: call(cupy, *(cupy.asarray(x) for x in a)).get()
        else:
            glue["make_inputs"] = lambda n, rng: tuple(cupy.asarray(x) for x in make_host(n, rng))
            glue["kernel"] = lambda *a: call(cupy, *a)
    else:  # torch
        import torch
        dev = torch.device(device)
        if device == "cuda":
            glue.update(sync=torch.cuda.synchronize, cleanup=torch.cuda.empty_cache,
                        oom_errors=(MemoryError, torch.cuda.OutOfMemoryError), device_errors=device_errors(lib))
        if transfer:
            glue["kernel"] = lambda *a: call(*(torch.from_numpy(x).to(dev) for x in a)).cpu().numpy()
        else:
            glue["make_inputs"] = lambda n, rng: tuple(torch.from_numpy(x).to(dev) for x in make_host(n, rng))
            glue["kernel"] = call
    return glue


def make_series(op: str, impl: str, entry: dict, settings: dict) -> measure.Series:
    """The measure.Series of one operation × implementation (the implementation must be available)."""
    lib = entry["library"]
    dtype = "float64" if lib == "python" else settings["dtype"]
    np_dtype = np.dtype(dtype)
    reference, check = reference_and_check(op, settings["padding"], dtype)
    glue = library_glue(op, entry, importlib.import_module(entry["kernels"]), settings["padding"],
                        host_inputs(op, np_dtype))
    if entry["device"] == "cuda":
        cap = gpu_memory_cap(settings["gpu_memory_cap_gb"], lib)
    else:
        cap = host_memory_cap(settings["host_memory_fraction"])
    return measure.Series(implementation=impl, op=op, reference=reference, check=check, dtype=dtype,
                          device=entry["device"], bytes_needed=bytes_needed(op, np_dtype.itemsize, lib == "python"),
                          memory_cap_bytes=cap, **glue)


def device_errors(lib: str) -> tuple:
    """What a GPU series may raise besides running out of memory: the driver too old for the
    CUDA runtime, a CUDA library that cannot be loaded (NVRTC, cuBLAS, cuDNN), a kernel that does
    not compile or launch. Each ends its series with an ``error`` row and the reason, never the
    build (CUDA errors of CuPy and PyTorch are RuntimeErrors; a missing library an OSError or
    ImportError)."""
    errors = [RuntimeError, OSError, ImportError]
    if lib == "cupy":
        import cupy
        errors.append(cupy.cuda.compiler.CompileException)
    return tuple(errors)


def run(op: str, impl: str, entry: dict, settings: dict, out_csv) -> None:
    avail = availability(entry)
    reason = None if avail.ok else avail.reason
    if avail.ok:
        failures = device_errors(entry["library"]) if entry["device"] == "cuda" else ()
        try:
            series = make_series(op, impl, entry, settings)
        except failures as exc:
            reason = f"GPU の準備に失敗した（{type(exc).__name__}: {str(exc).splitlines()[0][:160]}）"
        else:
            sweep = measure.SweepConfig.from_config(settings["sweep"], settings["timing"])
            table = measure.run_series(series, sweep, progress=measure.Progress(f"kadai2/{op}/{impl}"))
    if reason is not None:
        print(f"[kadai2/{op}/{impl}] skipped: {reason}")
        table = measure.skipped(impl, op, reason, settings["dtype"], entry["device"])
    write_csv(out_csv, table, RAW)
