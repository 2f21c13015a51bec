"""Size sweeps that time a kernel honestly, defend their numbers against a noisy machine, and
stop themselves.

One series = one implementation of one operation, run over geometric sizes N.

1. **Scout** the sizes in ascending order. Before each size, predict one run's time from the
   growth of the sizes measured so far (``prior_exponent`` before two exist) and stop the series
   *before* a run predicted over ``per_run_budget_s``, or one whose own runs plus the repeats
   still owed to the sizes already scouted would overrun ``total_budget_s``; check an estimated
   memory need against a cap (``oom`` without allocating). Before stopping on a prediction, time
   the last size once more and predict again from its faster run (one disturbed run must not end
   the series). Warm up (untimed; skipped for runs
   predicted over ``warmup_max_s``), time one run and check its result against a reference: a
   wrong result marks the size ``wrong`` and stops the series, so its time never counts.
2. **Refine**: while the log–log slope of the scouting runs over the sizes past the smallest ones
   has a 95 % interval wider than ±``target_halfwidth`` and the budget allows (the repeats still
   owed included), add the geometric midpoints between the largest neighbouring sizes and scout
   them the same way. They are added *before* the repeats, so that they join the same rounds as
   the other sizes: a midpoint timed after the other sizes' rounds would carry any change of the
   machine's speed between the two periods (a sawtooth of fast and slow sizes, read as regimes).
3. **Interleave** the repeats: each size is owed ``clamp(min_time_s / t, min_repeats,
   max_repeats)`` runs; they are spread over ``min_repeats − 1`` rounds that visit the sizes in
   alternating order (descending, ascending, …), so a slow phase of the machine touches a few
   samples of many sizes instead of every sample of one size. A visit to a size whose run is
   short starts with an untimed warm-up (its caches went cold while other sizes ran).
4. **Defend** every size: a sample slower than ``outlier_factor`` × its size's median is marked
   ``outlier`` (kept, never deleted) and replaced by a new run; a size whose two fastest samples
   differ by more than ``agreement`` gets another run. Up to ``DEFEND_ROUNDS`` rounds, within
   ``max_repeats`` and the total budget.
5. Record every sample (warm-ups and outliers too) as one tidy row (:mod:`kadai.rows`), in the
   order it was taken, with the minor page faults the run caused where the OS reports them and
   the cores other processes kept busy during the series (``busy``) and the cores it used itself
   (``cores``): a verdict on work that used several cores is not decided from a busy machine.

Out-of-memory errors raised by the kernel (CuPy, PyTorch, MemoryError) are recorded as ``oom``
and stop that series; other series go on.

The per-size estimate the analysis uses is the minimum of the ``ok`` samples (see
:mod:`kadai.raw`): for a deterministic kernel, noise from other processes only ever adds time.
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

from .rows import COLUMNS, ERROR, NO_WARMUP, OK, OOM, OUTLIER, SKIPPED, STOP, WARMUP, WRONG
from .threads import ForeignLoad

DEFEND_ROUNDS = 3  # rounds of replacing outliers and settling disagreements, at most
RETIMED = "re-timed before stopping"  # note of the extra run that checks a prediction to stop on


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
    outlier_factor: float = 1.5     # a sample slower than this × its size's median is re-measured
    agreement: float = 0.05         # the two fastest samples of a size must agree within this share
    target_halfwidth: float = 0.1   # refine the sizes while the slope interval is wider than this
    cache_mib: float = 1024.0       # inputs of at most this many MiB are kept between visits

    @classmethod
    def from_config(cls, *sections: dict) -> SweepConfig:
        """From config sections (later ones win), e.g. a sweep and the shared ``timing`` section."""
        names = cls.__dataclass_fields__.keys()
        merged = {k: v for s in sections for k, v in s.items() if k in names}
        return cls(**merged)

    def sizes(self) -> list[int]:
        return geometric_sizes(self.n_min, self.n_max, self.points_per_octave)

    def planned(self, seconds: float) -> int:
        """Timed runs a size owes: enough for ``min_time_s``, within the repeat limits."""
        want = math.ceil(self.min_time_s / seconds) if seconds > 0 else self.max_repeats
        return int(min(self.max_repeats, max(self.min_repeats, want)))


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


def slope_halfwidth(sizes: Sequence[int], seconds: Sequence[float]) -> float:
    """95 % half-width of the least-squares log–log slope over the sizes whose time is at least
    10 × the fastest (a rough cut of the call-overhead region); inf with fewer than 4 such sizes."""
    n, t = np.asarray(sizes, float), np.asarray(seconds, float)
    n, t = n[t > 0], t[t > 0]
    keep = t >= 10 * t.min() if len(t) else t > 0
    if keep.sum() < 4:
        return math.inf
    x, y = np.log(n[keep]), np.log(t[keep])
    xm = x.mean()
    sxx = float(((x - xm) ** 2).sum())
    b = float(((x - xm) * (y - y.mean())).sum() / sxx)
    resid = y - y.mean() - b * (x - xm)
    from scipy import stats
    return float(stats.t.ppf(0.975, len(x) - 2) * math.sqrt(float((resid**2).sum()) / (len(x) - 2) / sxx))


class Progress:
    """One line per size on stderr (Snakemake shows it; rules also tee it into their log)."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr

    def __call__(self, msg: str) -> None:
        print(f"[{self.label}] {msg}", file=self.stream, flush=True)


def minor_faults() -> float:
    """Minor page faults of this process so far (NaN where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)


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
    # what else ends the series instead of the build (a GPU's driver, library or kernel failing):
    # recorded as an ``error`` row with its reason
    device_errors: tuple[type[BaseException], ...] = ()
    cleanup: Callable[[], None] = lambda: None
    rows: list[dict] = field(default_factory=list)

    def _row(self, n, repeat, seconds, status, note="", faults=float("nan")) -> dict:
        row = dict(implementation=self.implementation, op=self.op, N=n, dtype=self.dtype, device=self.device,
                   repeat=repeat, seconds=seconds, status=status, note=note, faults=faults, busy=float("nan"),
                   cores=float("nan"))
        self.rows.append(row)
        return row

    def _timed(self, inputs, clock=time.perf_counter):
        self.sync()
        f0 = minor_faults()
        t0 = clock()
        out = self.kernel(*inputs)
        self.sync()
        t1 = clock()
        return out, t1 - t0, minor_faults() - f0


class _Sweep:
    """The state of one running series (see the module docstring for the procedure)."""

    def __init__(self, series: Series, cfg: SweepConfig, clock, progress):
        self.s, self.cfg, self.clock, self.progress = series, cfg, clock, progress
        self.current = cfg.n_min  # the size being run (where a device error is recorded)
        self.start = clock()
        self.first: dict[int, float] = {}            # size → time of its scouting run
        self.samples: dict[int, list[dict]] = {}     # size → its timed rows
        self.cache: dict[int, tuple] = {}            # size → (inputs, reference)
        self.cached_bytes = 0.0

    def spent(self) -> float:
        return self.clock() - self.start

    def cost(self, t: float, runs: int) -> float:
        """Seconds of ``runs`` more runs of a size whose run takes ``t``, spread over the rounds
        (each visit of a short run starts with a warm-up)."""
        warm = t <= self.cfg.warmup_max_s and self.cfg.warmup > 0
        return t * (runs + (min(runs, max(1, self.cfg.min_repeats - 1)) if warm else 0))

    def owed(self) -> float:
        """Seconds of the repeats still owed to the sizes scouted so far."""
        return sum(self.cost(t, max(0, self.cfg.planned(t) - len(self.samples[n]))) for n, t in self.first.items())

    def inputs(self, n: int):
        """Inputs and reference of size n, drawn from a seed of their own (identical on every visit)."""
        if n in self.cache:
            return self.cache[n]
        inputs = self.s.make_inputs(n, np.random.default_rng([self.cfg.seed, n]))
        pair = (inputs, self.s.reference(*inputs))
        size = self.s.bytes_needed(n) if self.s.bytes_needed else 0.0
        if self.cached_bytes + size <= self.cfg.cache_mib * 2**20:
            self.cache[n] = pair
            self.cached_bytes += size
        return pair

    def sample(self, n: int, inputs, note: str) -> dict:
        self.current = n
        _, dt, faults = self.s._timed(inputs, self.clock)
        row = self.s._row(n, len(self.samples[n]), dt, OK, note, faults)
        self.samples[n].append(row)
        return row

    def stop(self, n: int, predicted: float, reason: str) -> None:
        self.s._row(n, 0, predicted, STOP, reason)
        self.progress(f"stop before N={n}: {reason}")

    def scout(self, sizes: list[int]) -> list[int]:
        """Step 1: the sizes of the series, each with one checked run. Returns them."""
        cfg, done = self.cfg, []
        for idx, n in enumerate(sizes):
            predicted = predict_seconds(done, [self.first[m] for m in done], n, cfg.prior_exponent)
            if self.would_stop(predicted) and done and self.retime(done[-1]):
                predicted = predict_seconds(done, [self.first[m] for m in done], n, cfg.prior_exponent)
            if predicted > cfg.per_run_budget_s:
                self.stop(n, predicted, f"budget_run: predicted {predicted:.3g} s per run > per-run budget "
                                        f"{cfg.per_run_budget_s:g} s")
                break
            need = self.need(predicted)
            if self.spent() + self.owed() + need > cfg.total_budget_s:
                self.stop(n, predicted, f"budget_total: total budget {cfg.total_budget_s:g} s, spent "
                                        f"{self.spent():.3g} s, N={n} and the repeats still owed need about "
                                        f"{self.owed() + need:.3g} s more")
                break
            status = self.scout_size(n, predicted)
            if status != OK:
                break
            done.append(n)
            self.progress(f"N={n} ({idx + 1}/{len(sizes)}): {self.first[n]:.4g} s")
            if self.first[n] > cfg.per_run_budget_s:
                nxt = sizes[idx + 1] if idx + 1 < len(sizes) else n
                self.stop(nxt, float("nan"), f"measured_over: {self.first[n]:.3g} s per run > per-run budget "
                                             f"{cfg.per_run_budget_s:g} s")
                break
        else:
            self.s._row(sizes[-1], 0, float("nan"), STOP, f"n_max: reached n_max={cfg.n_max}")
            self.progress(f"scouted every size up to n_max={cfg.n_max}")
        return done

    def need(self, predicted: float) -> float:
        """Seconds a new size predicted at ``predicted`` per run costs: its scouting run (with its
        warm-up) and the repeats it will owe."""
        cfg = self.cfg
        return predicted * (1 + (cfg.warmup if predicted <= cfg.warmup_max_s else 0)) \
            + self.cost(predicted, cfg.planned(predicted) - 1)

    def would_stop(self, predicted: float) -> bool:
        return predicted > self.cfg.per_run_budget_s or \
            self.spent() + self.owed() + self.need(predicted) > self.cfg.total_budget_s

    def retime(self, n: int) -> bool:
        """One more timed run of the last scouted size before the series stops on a prediction made
        from its single run: a run slowed by another process must not end the series (PyTorch conv2d
        on this project's machine: a first run of 2.98 s at N = 4096 whose later runs took
        0.51–0.57 s predicted 22.9 s for N = 4871). The faster run then is the size's scouting time.
        False where that run would not fit the budgets."""
        t = self.first[n]
        if t > self.cfg.per_run_budget_s or self.spent() + self.owed() + t > self.cfg.total_budget_s:
            return False
        inputs, _ = self.inputs(n)
        row = self.sample(n, inputs, RETIMED)
        self.first[n] = min(t, row["seconds"])
        return True

    def scout_size(self, n: int, predicted: float) -> str:
        """Warm-up, one timed run and its check at size n; ``ok`` or why the series ends here."""
        s, cfg = self.s, self.cfg
        self.current = n
        if s.bytes_needed and s.memory_cap_bytes is not None and s.bytes_needed(n) > s.memory_cap_bytes:
            reason = (f"memory_cap: estimated {s.bytes_needed(n) / 2**20:.4g} MiB > memory cap "
                      f"{s.memory_cap_bytes / 2**20:.4g} MiB")
            s._row(n, 0, float("nan"), OOM, reason)
            self.progress(f"stop at N={n}: {reason}")
            return OOM
        try:
            inputs, ref = self.inputs(n)
            for w in range(cfg.warmup if predicted <= cfg.warmup_max_s else 0):
                s._row(n, w, s._timed(inputs, self.clock)[1], WARMUP, "untimed warm-up")
            out, dt, faults = s._timed(inputs, self.clock)
        except s.oom_errors as exc:
            s._row(n, 0, float("nan"), OOM, _one_line(exc))
            self.cache.pop(n, None)
            s.cleanup()
            self.progress(f"out of memory at N={n}: {_one_line(exc)}")
            return OOM
        if not s.check(out, ref):
            s._row(n, 0, dt, WRONG, "result differs from the reference")
            self.progress(f"N={n}: wrong result; series stopped")
            return WRONG
        note = "" if predicted <= cfg.warmup_max_s or cfg.warmup == 0 else NO_WARMUP
        self.samples[n] = [s._row(n, 0, dt, OK, note, faults)]
        self.first[n] = dt
        return OK

    def visit(self, n: int, runs: int, note: str) -> bool:
        """``runs`` more timed runs of size n (after a warm-up if they are short); False if the
        budget does not allow them."""
        t = self.first[n]
        self.current = n
        warm = t <= self.cfg.warmup_max_s and self.cfg.warmup > 0
        if self.spent() + t * (runs + warm) > self.cfg.total_budget_s:
            return False
        inputs, _ = self.inputs(n)
        if warm:
            self.s._row(n, len(self.samples[n]), self.s._timed(inputs, self.clock)[1], WARMUP, "untimed warm-up")
        for _ in range(runs):
            self.sample(n, inputs, note)
        return True

    def rounds(self, sizes: list[int]) -> None:
        """Step 3: the owed repeats, spread over rounds in alternating order."""
        count = max(1, self.cfg.min_repeats - 1)
        for r in range(count):
            for n in (sorted(sizes, reverse=True) if r % 2 == 0 else sorted(sizes)):
                owed = self.cfg.planned(self.first[n]) - len(self.samples[n])
                if owed > 0 and not self.visit(n, math.ceil(owed / (count - r)), f"round {r + 1}"):
                    self.progress(f"N={n}: round {r + 1} skipped, the total budget is spent")

    def defend(self, sizes: list[int]) -> None:
        """Step 4: replace outliers and settle sizes whose fastest samples disagree."""
        cfg = self.cfg
        for r in range(DEFEND_ROUNDS):
            todo = {}
            for n in sizes:
                ok = [row for row in self.samples[n] if row["status"] == OK]
                med = float(np.median([row["seconds"] for row in ok]))
                for row in ok:
                    if row["seconds"] > cfg.outlier_factor * med:
                        row["status"] = OUTLIER
                        row["note"] = f"over {cfg.outlier_factor:g} × the median of its size; re-measured"
                fastest = sorted(row["seconds"] for row in ok if row["status"] == OK)
                need = len(ok) - len(fastest)
                if len(fastest) < 2 or fastest[1] > (1 + cfg.agreement) * fastest[0]:
                    need = max(need, 1)
                need = min(need, cfg.max_repeats - len(self.samples[n]))
                if need > 0:
                    todo[n] = need
            if not todo:
                return
            for n in sorted(todo, reverse=True):
                if not self.visit(n, todo[n], f"re-measured (defence round {r + 1})"):
                    return

    def refine(self, sizes: list[int]) -> list[int]:
        """Step 2: midpoints between the largest sizes while the slope interval of the scouting runs
        is too wide, each scouted (one checked run); returns them."""
        best = {n: min(row["seconds"] for row in self.samples[n] if row["status"] == OK) for n in sizes}
        if slope_halfwidth(sorted(best), [best[n] for n in sorted(best)]) <= self.cfg.target_halfwidth:
            return []
        order = sorted(sizes)
        added = []
        for lo, hi in reversed(list(zip(order[:-1], order[1:]))):
            mid = int(round(math.sqrt(lo * hi)))
            s = self.s
            too_big = s.bytes_needed and s.memory_cap_bytes is not None and s.bytes_needed(mid) > s.memory_cap_bytes
            if mid in (lo, hi) or mid in self.first or too_big:
                continue
            guess = math.sqrt(best[lo] * best[hi])
            cost = guess * (1 + self.cfg.warmup) + self.cost(guess, self.cfg.planned(guess) - 1)
            if self.spent() + self.owed() + cost > self.cfg.total_budget_s:
                break
            if self.scout_size(mid, guess) != OK:
                break
            added.append(mid)
            self.progress(f"refine: N={mid}: {self.first[mid]:.4g} s")
        return added


def run_series(series: Series, cfg: SweepConfig, clock=time.perf_counter,
               progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run the sweep described by ``cfg`` and return its tidy table (one row per sample)."""
    sweep = _Sweep(series, cfg, clock, progress or Progress(f"{series.op}/{series.implementation}"))
    load = ForeignLoad()
    try:
        sizes = sweep.scout(cfg.sizes())
        if sizes:
            sizes = sorted(sizes + sweep.refine(sizes))  # midpoints first: they join the same rounds
            sweep.rounds(sizes)
            sweep.defend(sizes)
    except series.device_errors as exc:
        # the samples so far stay; the series ends at the size it was running, with the reason
        n = sweep.current
        series._row(n, 0, float("nan"), ERROR, f"{type(exc).__name__}: {_one_line(exc)}")
        sweep.progress(f"device error at N={n}: {type(exc).__name__}: {_one_line(exc)}; series stopped")
    busy, cores = load.cores()
    for row in series.rows:
        row.update(busy=busy, cores=cores)
    return pd.DataFrame(series.rows, columns=COLUMNS)


def interleave(cases: dict, rounds: int, clock=time.perf_counter, warmup: int = 1, progress=None,
               first: int = 0) -> list[dict]:
    """Time competing cases alternately: ``cases`` maps a name to a zero-argument callable.

    1. every case runs ``warmup`` times untimed;
    2. round r runs every case once, the order rotated by r (no case is always first), so the
       i-th samples of all cases were taken moments apart and a slow phase of the machine hits
       them alike: compare them pairwise, round by round.
    A case may time itself: if it returns ``{"seconds": …}``, that is its time (e.g. a training
    run without its evaluation); otherwise the wall time of the call counts.
    Returns one dict per timed run: name, round, seconds, faults (minor page faults), status,
    busy and cores (cores used by other processes and by this one, over all rounds).
    """
    names = list(cases)
    for name in names:
        for _ in range(warmup):
            cases[name]()
    load = ForeignLoad()
    out = []
    for r in range(first, first + rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            f0, t0 = minor_faults(), clock()
            own = cases[name]()
            t1 = clock()
            seconds = float(own["seconds"]) if isinstance(own, dict) and "seconds" in own else t1 - t0
            out.append({"name": name, "round": r, "seconds": seconds, "faults": minor_faults() - f0, "status": OK})
        if progress:
            progress(f"round {r + 1}/{first + rounds}")
    busy, cores = load.cores()
    for s in out:
        s.update(busy=busy, cores=cores)
    return out


def flag_outliers(samples: list[dict], factor: float) -> int:
    """Mark (status ``outlier``, kept) every sample slower than ``factor`` × the median of its case;
    returns how many rounds hold one."""
    by_case: dict = {}
    for s in samples:
        by_case.setdefault(s["name"], []).append(s)
    for group in by_case.values():
        med = float(np.median([s["seconds"] for s in group]))
        for s in group:
            s["status"] = OUTLIER if s["seconds"] > factor * med else OK
    return len({s["round"] for s in samples if s["status"] == OUTLIER})


def interleave_defended(cases: dict, rounds: int, outlier_factor: float, max_extra: int = DEFEND_ROUNDS,
                        clock=time.perf_counter, progress=None) -> list[dict]:
    """:func:`interleave`, then one more round for every round that holds a disturbed sample
    (slower than ``outlier_factor`` × its case's median; kept, marked ``outlier``), at most
    ``max_extra``, so that comparisons round by round keep enough undisturbed rounds."""
    samples = interleave(cases, rounds, clock, progress=progress)
    extra = min(flag_outliers(samples, outlier_factor), max_extra)
    if extra:
        samples += interleave(cases, extra, clock, warmup=0, progress=progress, first=rounds)
        flag_outliers(samples, outlier_factor)
    return samples


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text[:200]


def skipped(implementation: str, op: str, reason: str, dtype: str = "", device: str = "") -> pd.DataFrame:
    """The table of a series that cannot run here: one row saying why."""
    return pd.DataFrame([dict(implementation=implementation, op=op, N=0, dtype=dtype, device=device, repeat=0,
                              seconds=float("nan"), status=SKIPPED, note=reason, faults=float("nan"),
                              busy=float("nan"), cores=float("nan"))], columns=COLUMNS)
