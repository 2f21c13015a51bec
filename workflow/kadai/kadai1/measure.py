"""課題1 measurement: the submission's own functions, timed by the shared harness.

The kernels are *not* defined here: they are loaded from the submission file
``workflow/submission/kadai1.py`` (which may import only ``time`` and ``matplotlib``), so the
pipeline measures exactly the program the student hands in.
"""

from __future__ import annotations

from .. import checks, measure, rows, submission
from ..io import write_csv

VARIANTS = {"naive": ("matmul_naive", "python_naive"), "fast": ("matmul_fast", "python_fast")}


def make_series(variant: str) -> measure.Series:
    func_name, impl = VARIANTS[variant]
    reference, check = checks.freivalds(checks.tolerance("float64"))

    def make_inputs(n, rng):
        return rng.random((n, n)).tolist(), rng.random((n, n)).tolist()

    return measure.Series(implementation=impl, op="matmul", make_inputs=make_inputs,
                          kernel=getattr(submission.load(), func_name), reference=reference, check=check,
                          dtype="float64 (Python float)", device="cpu",
                          bytes_needed=lambda n: 3.0 * 32 * n * n)  # three N×N lists of Python floats


def run(variant: str, sweep: dict, timing: dict, out_csv) -> None:
    cfg = measure.SweepConfig.from_config(sweep, timing)
    raw = measure.run_series(make_series(variant), cfg, progress=measure.Progress(f"kadai1/{variant}"))
    write_csv(out_csv, raw, rows.RAW)
