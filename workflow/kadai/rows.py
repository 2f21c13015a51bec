"""The tables the measurement and training jobs write, and the analysis reads.

Both sides use these definitions: a job writes a table through :func:`kadai.io.write_csv` with
its schema below, and the analysis reads it back through :func:`kadai.io.read_csv` with the same
schema, which refuses a file that is cut short, lacks a column or holds a cell of the wrong kind.

The raw timing table of kadai1, kadai2 and 任意課題1 has one row per sample (``RAW``).

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
NO_WARMUP = "warm-up skipped (long run)"  # note of a first sample taken without an untimed run before it
ENDS = (STOP, OOM, WRONG, ERROR, SKIPPED)  # statuses that end a series
STATUSES = (OK, WARMUP, WRONG, OOM, ERROR, STOP, OUTLIER, SKIPPED)

# Schemas: column → "int" (an integer in every row), "number" (a number, or empty where unknown),
# "text", or a tuple of the allowed values.
RAW = {"implementation": "text", "op": "text", "N": "int", "dtype": "text", "device": "text", "repeat": "int",
       "seconds": "number", "status": STATUSES, "note": "text", "faults": "number", "busy": "number",
       "cores": "number"}
_EPOCHS = {"epoch": "int", "loss": "number", "accuracy": "number", "train_s": "number", "data_s": "number",
           "compute_s": "number", "eval_s": "number", "seed": "int", "params": "int"}
LOOPS = ("fast", "dataloader")
#: 課題3 training records: one row per model × seed × epoch
RUNS3 = {**_EPOCHS, "model": "text", "loop": LOOPS, "device": "text", "threads": "int"}
#: 課題4 training records: one row per setting × seed × epoch
RUNS4 = {**_EPOCHS, "param": "text", "value": "text", "run_s": "number"}
_ROUNDS = {"round": "int", "seconds": "number", "status": STATUSES, "faults": "number", "busy": "number",
           "cores": "number"}
#: 課題3 timing rounds (every model and the DataLoader loop, interleaved)
TIMING3 = {"name": "text", "loop": LOOPS, "steps": "int", "batch_size": "int", "train_size": "int",
           "device": "text", **_ROUNDS}
#: 課題4 timing rounds (the settings of one parameter, interleaved)
TIMING4 = {"param": "text", "value": "text", "updates": "int", **_ROUNDS}  # updates: optimiser steps of the run
