"""課題2 experiments that explain surprises, measured in the same run as the series.

* ``torch_conv`` — why PyTorch's CPU convolution is slower than NumPy's: at a few sizes, time
  NumPy's 9 shifted adds, ``torch.nn.functional.conv2d`` with all threads and with one, the same
  9 shifted adds written with torch, and the convolution as unfold + matrix product, alternately.
* ``numpy_conv`` — why NumPy's convolution grows faster than N² over some stretches: across
  sizes, time the kernel as written (each tap allocates a temporary array) and the same taps
  into preallocated arrays, alternately, with the page faults of every run.

Every formulation is checked against the reference first (Freivalds' row check).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import checks, measure, threads
from ..backends import torch_ops, xp
from ..io import write_csv
from ..rows import COLUMNS, OK, RAW, WRONG

FLOAT = np.float32


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


def run(experiment: str, settings: dict, out_csv) -> None:
    rows = []
    if experiment == "torch_conv":
        for n in settings["torch_sizes"]:
            x, k = inputs(n, 0)
            rows += rows_at(n, torch_cases(x, k), settings["rounds"], experiment)
    elif experiment == "numpy_conv":
        sizes = measure.geometric_sizes(settings["n_min"], settings["n_max"], settings["points_per_octave"])
        for n in reversed(sizes):
            x, k = inputs(n, 0)
            rows += rows_at(n, numpy_cases(x, k), settings["rounds"], experiment)
    else:
        raise ValueError(f"unknown experiment {experiment!r}")
    write_csv(out_csv, pd.DataFrame(rows, columns=COLUMNS), RAW)
