"""The tidy raw-table format every measurement writes: one row per sample.

Both sides use it: measurement code writes these columns and statuses, analysis code reads them.

A row with status ``stop`` marks the size that was *not* run: its ``seconds`` is the predicted
time of that run (NaN where nothing was predicted) and its note starts with the reason's kind:
budget_run, budget_total, measured_over or n_max. ``oom`` rows start with memory_cap when the
estimate (not an allocation) exceeded the cap.
"""

from __future__ import annotations

COLUMNS = ["implementation", "op", "N", "dtype", "device", "repeat", "seconds", "status", "note", "faults", "busy",
           "cores"]
# ``faults``: minor page faults during the run (NaN where the OS does not report them)
# ``busy``: cores that other processes kept busy while the series ran (NaN where unknown)
# ``cores``: cores the measuring process itself used meanwhile (above 1: a multi-threaded kernel)
#: statuses of one row of a raw table
OK, WARMUP, WRONG, OOM, ERROR, STOP = "ok", "warmup", "wrong", "oom", "error", "stop"
OUTLIER = "outlier"  # a timed sample far slower than its siblings: kept, not used, re-measured
SKIPPED = "skipped"  # the implementation cannot run on this machine (note says why)
ENDS = (STOP, OOM, WRONG, ERROR, SKIPPED)  # statuses that end a series
