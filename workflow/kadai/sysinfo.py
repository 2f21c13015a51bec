"""Machine fingerprint: what the measurements were made on.

CPU model, cores, cache sizes, memory, OS, Python and library versions, BLAS backend and its
thread count, GPU and driver. Every probe is optional: a missing tool gives ``None``, never an
exception, so the fingerprint works on any machine (Linux, macOS, Windows; with or without GPU).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

LIBRARIES = ["numpy", "scipy", "pandas", "matplotlib", "torch", "torchvision", "cupy-cuda13x", "cupy-cuda12x",
             "snakemake", "jinja2", "typst", "pypandoc-binary", "threadpoolctl"]


def _read(path) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def cpu_model() -> str:
    text = _read("/proc/cpuinfo") or ""
    for line in text.splitlines():
        if line.lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    text = _read("/proc/cpuinfo") or ""
    for line in text.splitlines():
        if line.lower().startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return sorted(f for f in flags if f in {"sse2", "avx", "avx2", "fma", "avx512f"})
    return []


def cpu_mhz() -> float | None:
    """Nominal clock: the highest frequency cpufreq reports, else /proc/cpuinfo's current MHz."""
    fmax = _read("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
    if fmax:
        return int(fmax) / 1000.0
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        if line.lower().startswith("cpu mhz"):
            return float(line.split(":", 1)[1])
    return None


def caches() -> list[dict]:
    """Per level cache sizes of CPU 0 from sysfs (Linux); empty elsewhere."""
    out = []
    base = Path("/sys/devices/system/cpu/cpu0/cache")
    for idx in sorted(base.glob("index*")):
        size = _read(idx / "size")
        level = _read(idx / "level")
        kind = _read(idx / "type")
        if size and level:
            out.append({"level": int(level), "type": kind, "size": size,
                        "bytes": _size_bytes(size),
                        "shared_by": _read(idx / "shared_cpu_list")})
    return out


def _size_bytes(text: str) -> int | None:
    mult = {"K": 2**10, "M": 2**20, "G": 2**30}
    text = text.strip()
    try:
        if text[-1] in mult:
            return int(text[:-1]) * mult[text[-1]]
        return int(text)
    except (ValueError, IndexError):
        return None


def page_bytes() -> int:
    """The virtual-memory page size (4096 on most machines)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return 4096


def memory_bytes() -> int | None:
    try:
        import psutil
        return int(psutil.virtual_memory().total)
    except Exception:  # noqa: BLE001 - a fingerprint never fails
        return None


def library_versions() -> dict:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def blas() -> list[dict]:
    """BLAS/OpenMP libraries loaded by NumPy (and torch if importable), with thread counts."""
    try:
        import numpy  # noqa: F401
        from threadpoolctl import threadpool_info
        return [{k: d.get(k) for k in ("user_api", "internal_api", "version", "num_threads",
                                        "architecture", "filepath")}
                for d in threadpool_info()]
    except Exception:  # noqa: BLE001
        return []


def torch_info() -> dict:
    try:
        import torch
    except Exception as exc:  # noqa: BLE001
        return {"available": False, "reason": f"torch import failed: {exc}"}
    info = {"version": torch.__version__, "threads": torch.get_num_threads(),
            "cuda_available": bool(torch.cuda.is_available()),
            "cuda_version": torch.version.cuda}
    if info["cuda_available"]:
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_memory_bytes"] = torch.cuda.get_device_properties(0).total_memory
    return info


def nvidia_smi() -> dict | None:
    exe = shutil.which("nvidia-smi")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--query-gpu=name,driver_version,memory.total",
                              "--format=csv,noheader"], capture_output=True, text=True,
                             timeout=20, check=True).stdout.strip().splitlines()
    except (subprocess.SubprocessError, OSError):
        return None
    if not out:
        return None
    name, driver, mem = (s.strip() for s in out[0].split(",", 2))
    return {"name": name, "driver": driver, "memory": mem}


def collect() -> dict:
    return {
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cpu_mhz": cpu_mhz(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "caches": caches(),
        "page_bytes": page_bytes(),
        "memory_bytes": memory_bytes(),
        "os": f"{platform.system()} {platform.release()}",
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_impl": platform.python_implementation(),
        "libraries": library_versions(),
        "blas": blas(),
        "torch": torch_info(),
        "nvidia_smi": nvidia_smi(),
    }
