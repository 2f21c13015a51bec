"""Deterministic cache-miss counts: the ladder's kernels run once under valgrind's cachegrind."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from ..io import write_json
from .build import SOURCE, compiler

DEPENDS_ON_FILES = ("workflow/kadai/native/driver.c",)
DRIVER = Path(__file__).resolve().parents[3] / DEPENDS_ON_FILES[0]


def build_driver(flags: list[str], out_exe) -> None:
    subprocess.run([compiler(), *flags, "-o", str(out_exe), str(DRIVER), str(SOURCE)], check=True)


def cachegrind(driver, kernel: str, n: int) -> dict:
    """Cache statistics of one run (cachegrind simulates the caches: no timing noise)."""
    exe = shutil.which("valgrind")
    if not exe:
        return {"available": False, "reason": "valgrind がない（apt install valgrind）"}
    proc = subprocess.run([exe, "--tool=cachegrind", "--cache-sim=yes", "--cachegrind-out-file=/dev/null",
                           str(driver), kernel, str(n)], capture_output=True, text=True)
    stats = {"available": True, "kernel": kernel, "N": n}
    for key, pat in (("refs", r"D\s+refs:\s+([\d,]+)"), ("d1_misses", r"D1\s+misses:\s+([\d,]+)"),
                     ("ll_misses", r"LLd\s+misses:\s+([\d,]+)"), ("instructions", r"I\s+refs:\s+([\d,]+)")):
        m = re.search(pat, proc.stderr)
        stats[key] = int(m.group(1).replace(",", "")) if m else None
    if stats["refs"] is None:
        last = " ".join(proc.stderr.split())[-200:] or f"exit status {proc.returncode}"
        return {"available": False, "reason": f"valgrind が終了コード {proc.returncode} で失敗した: {last}"}
    return stats


def run(driver, kernels, n: int, out_json) -> dict:
    out = {k: cachegrind(driver, k, n) for k in kernels}
    write_json(out_json, out)
    return out
