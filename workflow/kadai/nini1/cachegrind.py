"""Deterministic cache-miss counts: the ladder's kernels run once under valgrind's cachegrind.

valgrind prints its counts even when the simulated program dies (a SIGILL on an instruction it
cannot decode, e.g. AVX-512 in valgrind 3.19): those counts stop mid-kernel and are never used.
A run counts only when valgrind exits with status 0; otherwise it is recorded as failed, with the
exit status or signal, the function it died in and whether valgrind could not decode an
instruction, and the analysis decides nothing from it.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from pathlib import Path

from ..io import write_json
from .build import SOURCE, compiler

DEPENDS_ON_FILES = ("workflow/kadai/native/driver.c",)
DRIVER = Path(__file__).resolve().parents[3] / DEPENDS_ON_FILES[0]
COUNTS = (("refs", r"D\s+refs:\s+([\d,]+)"), ("d1_misses", r"D1\s+misses:\s+([\d,]+)"),
          ("ll_misses", r"LLd\s+misses:\s+([\d,]+)"), ("instructions", r"I\s+refs:\s+([\d,]+)"))


def build_driver(flags: list[str], out_exe) -> None:
    subprocess.run([compiler(), *flags, "-o", str(out_exe), str(DRIVER), str(SOURCE)], check=True)


def failure(returncode: int, stderr: str) -> dict:
    """Why a valgrind run failed, as facts: ``signal`` (SIGILL …) or ``exit_status``, the
    function it died in, and whether valgrind met an instruction it cannot decode."""
    sig = None
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode).name
        except ValueError:
            sig = f"signal {-returncode}"
    m = re.search(r"Process terminating with default action of signal \d+ \((\w+)\)", stderr)
    sig = sig or (m.group(1) if m else None)
    where = re.search(r"at 0x[0-9A-Fa-f]+: (\w+)", stderr)
    return {"status": "failed", "signal": sig, "exit_status": None if returncode < 0 else returncode,
            "function": where.group(1) if where else None,
            "unhandled_instruction": "unhandled instruction" in stderr,
            "detail": detail(stderr)}


def detail(stderr: str) -> str:
    """valgrind's own lines on why the program stopped, else the end of its output."""
    keys = ("unhandled instruction", "Process terminating", "Illegal opcode", "Error", "error")
    lines = [" ".join(line.split("==", 2)[-1].split()) for line in stderr.splitlines() if any(k in line for k in keys)]
    return " / ".join(lines)[:300] if lines else " ".join(stderr.split())[-300:]


def cachegrind(driver, kernel: str, n: int, runner=subprocess.run, valgrind: str | None = None) -> dict:
    """Cache statistics of one run (cachegrind simulates the caches: no timing noise).

    ``status`` is ``ok`` (exit status 0: the counts cover the whole kernel), ``failed`` (a non-zero
    exit status or a signal: no counts) or ``missing`` (no valgrind)."""
    exe = valgrind or shutil.which("valgrind")
    base = {"kernel": kernel, "N": n}
    if not exe:
        return {**base, "available": False, "status": "missing"}
    proc = runner([exe, "--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=/dev/null",
                   str(Path(driver).resolve()), kernel, str(n)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {**base, "available": False, **failure(proc.returncode, proc.stderr)}
    stats = {**base, "available": True, "status": "ok"}
    for key, pat in COUNTS:
        m = re.search(pat, proc.stderr)
        stats[key] = int(m.group(1).replace(",", "")) if m else None
    if None in (stats[k] for k, _ in COUNTS):  # exit 0 but no summary: not a cachegrind run
        return {**base, "available": False, "status": "failed", "signal": None, "exit_status": 0, "function": None,
                "unhandled_instruction": False, "detail": detail(proc.stderr)}
    return stats


def run(driver, kernels, n: int, out_json, build: str | None = None, flags=()) -> dict:
    """Every kernel once; the JSON names the build whose flags compiled the simulated driver."""
    out = {"build": build, "flags": list(flags), "N": n, "runs": {k: cachegrind(driver, k, n) for k in kernels}}
    write_json(out_json, out)
    return out
