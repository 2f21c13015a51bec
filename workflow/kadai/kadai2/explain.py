"""課題2 experiments that explain surprises, measured in the same run as the series.

* ``torch_conv`` — why PyTorch's CPU convolution is slower than NumPy's: at a few sizes, time
  NumPy's 9 shifted adds, ``torch.nn.functional.conv2d`` with all threads and with one, the same
  9 shifted adds written with torch, and the convolution as unfold + matrix product, alternately.
* ``torch_onednn`` — what ``conv2d`` does inside: at a few sizes (``onednn_sizes``), one call per
  round under oneDNN's verbose mode, which names every primitive it runs (the convolution and the
  reorders between PyTorch's layout and oneDNN's blocked one), the implementation chosen for each
  and its own time; the call's time as a whole, and the same call timed plainly just before (does
  the trace change the time?); then each size once at another thread count (the reorder's
  implementation depends on it).
* ``numpy_conv`` — why NumPy's convolution grows faster than N² over some stretches: across
  sizes, time the kernel as written (each tap allocates a temporary array) and the same taps
  into preallocated arrays, alternately, with the page faults of every run.

Every formulation is checked against the reference first (Freivalds' row check).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .. import checks, measure, onednn, threads
from ..backends import torch_ops, xp
from ..io import write_csv
from ..rows import COLUMNS, OK, RAW, WRONG

FLOAT = np.float32
#: ``torch_onednn`` rows: one per primitive oneDNN ran in a round's ``conv2d`` call (``call_s``: the
#: whole call, the same in every row of the call; ``ms``: oneDNN's own time of the primitive)
# one row per primitive a traced call ran; ``threads``: PyTorch's threads in that call; ``plain_s``:
# the same call timed just before without the trace (round −1: the probe at PROBE_THREADS, untimed)
ONEDNN = {"N": "int", "round": "int", "threads": "int", "call_s": "number", "plain_s": "number",
          "primitive": "text", "implementation": "text", "src": "text", "dst": "text", "dims": "text",
          "ms": "number"}
PROBE_THREADS = 1  # which reorder oneDNN picks depends on the thread count: each size once more at this


def inputs(n: int, seed: int):
    rng = np.random.default_rng([seed, n])
    return rng.random((n, n)).astype(FLOAT), rng.standard_normal((3, 3)).astype(FLOAT)


def torch_cases(x, k) -> dict:
    """The formulations of ``torch_conv``, each a (checked) zero-argument callable."""
    import torch

    tx, tk = torch.from_numpy(x), torch.from_numpy(k)

    def one_thread():
        with threads.limited(1, blas=False):
            return torch_ops.conv2d(tx, tk)

    return {"numpy_shift": lambda: xp.conv2d(np, x, k), "torch_conv2d": lambda: torch_ops.conv2d(tx, tk),
            "torch_conv2d_1thread": one_thread, "torch_shift": lambda: torch_ops.conv2d_shifted(tx, tk),
            "torch_unfold": lambda: torch_ops.conv2d_unfold(tx, tk)}


def numpy_cases(x, k) -> dict:
    h = x.shape[0] - 2
    out, tmp = np.empty((h, h), FLOAT), np.empty((h, h), FLOAT)
    return {"numpy_alloc": lambda: xp.conv2d(np, x, k), "numpy_inplace": lambda: xp.conv2d_inplace(np, x, k, out, tmp)}


def rows_at(n: int, cases: dict, rounds: int, experiment: str) -> list[dict]:
    """Check every case at size n, then time them interleaved; tidy rows."""
    x, k = inputs(n, 0)
    reference, check = checks.conv_projection(checks.tolerance("float32"))
    ref = reference(x, k)
    base = dict(op="conv", N=n, dtype="float32", device="cpu")
    bad = [name for name, f in cases.items() if not check(f(), ref)]
    rows = [dict(base, implementation=name, repeat=0, seconds=float("nan"), status=WRONG,
                 note="result differs from the reference", faults=float("nan"), busy=float("nan"),
                 cores=float("nan")) for name in bad]
    good = {name: f for name, f in cases.items() if name not in bad}
    for s in measure.interleave(good, rounds, progress=measure.Progress(f"kadai2/explain/{experiment}/N={n}")):
        rows.append(dict(base, implementation=s["name"], repeat=s["round"], seconds=s["seconds"], status=OK,
                         note="interleaved with the other formulations", faults=s["faults"], busy=s["busy"],
                         cores=s["cores"]))
    return rows


def onednn_rows(sizes, rounds: int) -> list[dict]:
    """``torch_onednn``: every size once per round (sizes in turn, after one untimed call each, so
    that the primitives are created and cached). In a round each size is called untimed (whatever
    the previous, larger size left the memory in is absorbed there), then timed plainly, then traced:
    what oneDNN ran, and whether the trace changes the call's time. Then each size once at
    :data:`PROBE_THREADS` threads (round −1), for the implementations oneDNN picks there."""
    import torch

    threads = torch.get_num_threads()
    cases = {}
    for n in sizes:
        x, k = inputs(n, 0)
        tx, tk = torch.from_numpy(x), torch.from_numpy(k)
        cases[n] = lambda tx=tx, tk=tk: torch_ops.conv2d(tx, tk)
        cases[n]()
    rows = []

    def trace(n, r, call, plain):
        seconds, text = onednn.traced(call)
        prims = onednn.primitives(text) or [{"primitive": "none", "implementation": "", "src": "", "dst": "",
                                             "dims": "", "ms": float("nan")}]
        return [{"N": n, "round": r, "threads": torch.get_num_threads(), "call_s": seconds, "plain_s": plain,
                 **{k: v for k, v in p.items() if k in ONEDNN}} for p in prims]

    for r in range(rounds):
        for n, call in cases.items():
            call()
            t0 = time.perf_counter()
            call()
            rows += trace(n, r, call, time.perf_counter() - t0)
    if threads != PROBE_THREADS:
        torch.set_num_threads(PROBE_THREADS)
        try:
            for n, call in cases.items():
                rows += trace(n, -1, call, float("nan"))
        finally:
            torch.set_num_threads(threads)
    return rows


def run(experiment: str, settings: dict, out_csv) -> None:
    rows = []
    if experiment == "torch_onednn":
        write_csv(out_csv, pd.DataFrame(onednn_rows(settings["onednn_sizes"], settings["onednn_rounds"]),
                                        columns=list(ONEDNN)), ONEDNN)
        return
    if experiment == "torch_conv":
        for n in settings["torch_sizes"]:
            x, k = inputs(n, 0)
            rows += rows_at(n, torch_cases(x, k), settings["torch_rounds"], experiment)
    elif experiment == "numpy_conv":
        sizes = measure.geometric_sizes(settings["n_min"], settings["n_max"], settings["points_per_octave"])
        for n in reversed(sizes):
            x, k = inputs(n, 0)
            rows += rows_at(n, numpy_cases(x, k), settings["rounds"], experiment)
    else:
        raise ValueError(f"unknown experiment {experiment!r}")
    write_csv(out_csv, pd.DataFrame(rows, columns=COLUMNS), RAW)
