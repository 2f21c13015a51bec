"""The programs and devices outside Python that some jobs need, as a fingerprint.

The fingerprint of each tool (its path and version, or None where it is missing) is a parameter
of exactly the jobs that use it. Snakemake reruns a job whose parameters changed, so installing
valgrind after a build without it reruns the cache simulation (and what follows from it), a new
compiler rebuilds the C libraries, and a GPU that appears brings the GPU series back; nothing
else reruns. The Snakefile computes it once per run: a few ``--version`` calls, about 50 ms.
"""

from __future__ import annotations

import os
import shutil
import subprocess


def _first_line(cmd: list[str]) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if proc.returncode == 0 and text else None


def program(name: str, version_flag: str = "--version") -> str | None:
    """``/usr/bin/valgrind: valgrind-3.19.0``, or None when ``name`` is not on the PATH."""
    path = shutil.which(name)
    if not path:
        return None
    return f"{path}: {_first_line([path, version_flag]) or 'version unknown'}"


def gpus() -> str | None:
    """The NVIDIA GPUs the driver lists (``nvidia-smi -L``), or None without a driver."""
    exe = shutil.which("nvidia-smi")
    return _first_line([exe, "-L"]) if exe else None


def fingerprint() -> dict:
    """Every tool a job of this pipeline may use, keyed as the rules name them."""
    cc = os.environ.get("CC") or ("gcc" if shutil.which("gcc") else "cc")
    return {"cc": program(cc), "objdump": program("objdump"), "valgrind": program("valgrind"), "gpu": gpus()}
