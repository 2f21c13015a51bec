"""Size sweeps that time a kernel honestly and stop themselves.

One series = one implementation of one operation, run over geometric sizes N.
For every size the harness

1. predicts the time of one run from the growth fitted to the sizes measured so far
   (``prior_exponent`` before two sizes exist) and stops the series *before* a run whose
   prediction exceeds the per-run budget, or that would overrun the series' total budget;
2. optionally checks an estimated memory need against a cap (``oom`` without allocating);
3. warms up (untimed; skipped for long runs where start-up effects are negligible);
4. repeats the timed run until ``min_repeats`` runs and ``min_time_s`` seconds are reached;
5. checks the result of the first timed run against a reference: a wrong result marks the
   size ``wrong`` and stops the series, so its time never counts;
6. records every sample (warm-ups too) as one tidy row.

Out-of-memory errors raised by the kernel (CuPy, PyTorch, MemoryError) are recorded as
``oom`` and stop that series; other series go on.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .rows import COLUMNS, OK, OOM, SKIPPED, STOP, WARMUP, WRONG


@dataclass(frozen=True)
class SweepConfig:
    n_min: int
    n_max: int
    points_per_octave: int = 2
    per_run_budget_s: float = 10.0
    total_budget_s: float = 300.0
    min_repeats: int = 3
    min_time_s: float = 0.2
    max_repeats: int = 25
    warmup: int = 1
    warmup_max_s: float = 0.5
    prior_exponent: float = 3.0
    seed: int = 0

    @classmethod
    def from_config(cls, section: dict) -> SweepConfig:
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in section.items() if k in names})

    def sizes(self) -> list[int]:
        return geometric_sizes(self.n_min, self.n_max, self.points_per_octave)


def geometric_sizes(n_min: int, n_max: int, per_octave: int) -> list[int]:
    """N = n_min · 2^(i/per_octave), rounded, unique, up to n_max inclusive."""
    if n_min < 1 or n_max < n_min:
        raise ValueError(f"need 1 <= n_min <= n_max, got n_min={n_min}, n_max={n_max}")
    out: list[int] = []
    i = 0
    while True:
        n = int(round(n_min * 2.0 ** (i / per_octave)))
        if n > n_max:
            break
        if not out or n > out[-1]:
            out.append(n)
        i += 1
    return out


def predict_seconds(sizes: Sequence[int], seconds: Sequence[float], n: int, prior: float) -> float:
    """Time of one run at size n, extrapolated along t = a·N^k from the measured sizes.

    k comes from the last two sizes (log–log slope), never below ``prior`` when the series is
    still in its flat small-N region, since a flat start would otherwise predict far too little.
    """
    if not sizes:
        return 0.0
    if len(sizes) == 1:
        k = prior
    else:
        (n1, t1), (n2, t2) = (sizes[-2], seconds[-2]), (sizes[-1], seconds[-1])
        k = max(prior, math.log(max(t2, 1e-12) / max(t1, 1e-12)) / math.log(n2 / n1))
    return seconds[-1] * (n / sizes[-1]) ** k


class Progress:
    """One line per size on stderr (Snakemake shows it; rules also tee it into their log)."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr

    def __call__(self, msg: str) -> None:
        print(f"[{self.label}] {msg}", file=self.stream, flush=True)


@dataclass
class Series:
    """What to run. ``kernel(*inputs)`` returns the result; ``reference`` computes the truth."""

    implementation: str
    op: str
    make_inputs: Callable[[int, np.random.Generator], tuple]
    kernel: Callable[..., Any]
    reference: Callable[..., Any]
    check: Callable[[Any, Any], bool]
    dtype: str = "float64"
    device: str = "cpu"
    sync: Callable[[], None] = lambda: None
    bytes_needed: Callable[[int], float] | None = None
    memory_cap_bytes: float | None = None
    oom_errors: tuple[type[BaseException], ...] = (MemoryError,)
    cleanup: Callable[[], None] = lambda: None
    rows: list[dict] = field(default_factory=list)

    def _row(self, n, repeat, seconds, status, note=""):
        self.rows.append(dict(implementation=self.implementation, op=self.op, N=n,
                              dtype=self.dtype, device=self.device, repeat=repeat,
                              seconds=seconds, status=status, note=note))

    def _timed(self, inputs, clock=time.perf_counter):
        self.sync()
        t0 = clock()
        out = self.kernel(*inputs)
        self.sync()
        return out, clock() - t0


def run_series(series: Series, cfg: SweepConfig, clock=time.perf_counter,
               progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run the sweep described by ``cfg`` and return its tidy table (one row per sample)."""
    progress = progress or Progress(f"{series.op}/{series.implementation}")
    rng = np.random.default_rng(cfg.seed)
    start = clock()
    done_n: list[int] = []
    done_t: list[float] = []
    sizes = cfg.sizes()
    for idx, n in enumerate(sizes):
        predicted = predict_seconds(done_n, done_t, n, cfg.prior_exponent)
        spent = clock() - start
        if predicted > cfg.per_run_budget_s:
            reason = (f"budget_run: predicted {predicted:.3g} s per run > per-run budget "
                      f"{cfg.per_run_budget_s:g} s")
            series._row(n, 0, predicted, STOP, reason)
            progress(f"stop before N={n}: {reason}")
            break
        needed_total = predicted * (cfg.min_repeats + (cfg.warmup if predicted <= cfg.warmup_max_s else 0))
        if spent + needed_total > cfg.total_budget_s:
            reason = (f"budget_total: total budget {cfg.total_budget_s:g} s, spent {spent:.3g} s, "
                      f"N={n} needs about {needed_total:.3g} s more")
            series._row(n, 0, predicted, STOP, reason)
            progress(f"stop before N={n}: {reason}")
            break
        if series.bytes_needed and series.memory_cap_bytes is not None:
            need = series.bytes_needed(n)
            if need > series.memory_cap_bytes:
                reason = (f"memory_cap: estimated {need / 2**20:.4g} MiB > memory cap "
                          f"{series.memory_cap_bytes / 2**20:.4g} MiB")
                series._row(n, 0, float("nan"), OOM, reason)
                progress(f"stop at N={n}: {reason}")
                break
        try:
            inputs = series.make_inputs(n, rng)
            ref = series.reference(*inputs)
            status, times = _measure_size(series, cfg, n, inputs, ref, predicted, clock)
        except series.oom_errors as exc:  # noqa: PERF203 - one size at a time
            series._row(n, 0, float("nan"), OOM, _one_line(exc))
            inputs = ref = None
            series.cleanup()
            progress(f"out of memory at N={n}: {_one_line(exc)}")
            break
        if status != OK:
            progress(f"N={n}: {status}; series stopped")
            break
        med = float(np.median(times))
        done_n.append(n)
        done_t.append(med)
        progress(f"N={n} ({idx + 1}/{len(sizes)}): median {med:.4g} s over {len(times)} runs")
        if med > cfg.per_run_budget_s:
            reason = f"measured_over: {med:.3g} s per run > per-run budget {cfg.per_run_budget_s:g} s"
            nxt = sizes[idx + 1] if idx + 1 < len(sizes) else n
            series._row(nxt, 0, float("nan"), STOP, reason)
            progress(f"stop: {reason}")
            break
    else:
        reason = f"n_max: reached n_max={cfg.n_max}"
        series._row(sizes[-1], 0, float("nan"), STOP, reason)
        progress(f"done: {reason}")
    return pd.DataFrame(series.rows, columns=COLUMNS)


def _measure_size(series: Series, cfg: SweepConfig, n: int, inputs, ref, predicted: float,
                  clock=time.perf_counter):
    do_warmup = predicted <= cfg.warmup_max_s
    for w in range(cfg.warmup if do_warmup else 0):
        _, dt = series._timed(inputs, clock)
        series._row(n, w, dt, WARMUP, "untimed warm-up")
    times: list[float] = []
    note = "" if do_warmup or cfg.warmup == 0 else "warm-up skipped (long run)"
    while len(times) < cfg.max_repeats and (len(times) < cfg.min_repeats or sum(times) < cfg.min_time_s):
        out, dt = series._timed(inputs, clock)
        if not times and not series.check(out, ref):
            series._row(n, 0, dt, WRONG, "result differs from the reference")
            return WRONG, times
        series._row(n, len(times), dt, OK, note)
        times.append(dt)
        del out
    return OK, times


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text[:200]


def skipped(implementation: str, op: str, reason: str, dtype: str = "", device: str = "") -> pd.DataFrame:
    """The table of a series that cannot run here: one row saying why."""
    return pd.DataFrame([dict(implementation=implementation, op=op, N=0, dtype=dtype, device=device,
                              repeat=0, seconds=float("nan"), status=SKIPPED, note=reason)],
                        columns=COLUMNS)
