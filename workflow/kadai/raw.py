"""Reading raw tables (analysis side): per-size summaries, why a series stopped, value at N.

The per-size estimate is the **reproduced minimum** of the ``ok`` samples: the fastest time that
another sample matched within ``agreement`` (:func:`reproduced`). The kernels are deterministic:
the same work on the same data, so every other process, interrupt or frequency dip can only add
time, never remove it, and the fastest runs are the least disturbed (the choice of timeit and of
most kernel benchmarks). But a shared machine also has fast moments: a run that caught one is
faster than anything the size showed again (1.4–1.6× on this project's machines), and where one
size caught it and its neighbours did not, the plain minimum draws a dip or a sawtooth that a fit
reads as a change of growth. A minimum seen twice is the machine's state, not a moment of it.
Where the two fastest samples agree, the estimate *is* the minimum (:func:`confirmed`). The
median and quartiles are kept beside it as the spread.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .io import read_csv
from .rows import ENDS, OK, OUTLIER, RAW, SKIPPED, STOP, WARMUP

KEYS = ["implementation", "op", "N", "dtype", "device"]


def load_raw(paths) -> pd.DataFrame:
    """All raw tables of a report in one frame."""
    frames = [read_csv(p, RAW) for p in paths]
    return pd.concat(frames, ignore_index=True)


FIT_LEAST = 3  # a series with fewer confirmed sizes is fitted on all of them (raw.fit_rows)


def _first_pair(seconds, agreement: float) -> float | None:
    """The smaller of the fastest two neighbouring samples (sorted) that agree within ``agreement``
    (a share); None where no two agree."""
    s = sorted(float(v) for v in seconds)
    return next((a for a, b in zip(s, s[1:]) if b <= (1 + agreement) * a), None)


def reproduced(seconds, agreement: float) -> float:
    """The fastest time that another sample matched within ``agreement`` (:func:`_first_pair`); the
    minimum where no two agree. Never above the median: where the fast samples come in a pair just
    wider than ``agreement`` and the slow ones agree, the typical run is the better summary than a
    slow pair."""
    s = [float(v) for v in seconds]
    if not s:
        return float("nan")
    pair = _first_pair(s, agreement)
    return min(min(s) if pair is None else pair, float(np.median(s)))


def agree(seconds, agreement: float) -> bool:
    """Do the two fastest samples agree within ``agreement`` (a share)? Then the minimum was seen
    twice, not once in a fast moment that no other run saw again, and the estimate
    (:func:`reproduced`) is the minimum itself."""
    two = sorted(float(v) for v in seconds)[:2]
    return len(two) == 2 and two[1] <= (1 + agreement) * two[0]


def summarise(raw: pd.DataFrame, agreement: float) -> pd.DataFrame:
    """Per implementation × op × N: ``time`` (the estimate: :func:`reproduced`), ``fastest`` (the
    minimum), ``confirmed`` (:func:`agree`: the minimum was seen twice; the sizes a fit uses), the
    median, quartiles and count of the ok samples, the outliers, and the minor page faults per run."""
    ok = raw[raw.status == OK]
    g = ok.groupby(KEYS, sort=True)["seconds"]
    out = g.agg(time=lambda s: reproduced(s, agreement), fastest="min", confirmed=lambda s: agree(s, agreement),
                median="median", q1=lambda s: s.quantile(0.25), q3=lambda s: s.quantile(0.75),
                runs="count").reset_index()
    out["confirmed"] = out["confirmed"].astype(bool)
    out["iqr"] = out.q3 - out.q1
    out["spread"] = out["median"] / out["time"] - 1.0  # how far the typical run lies above the estimate
    outliers = raw[raw.status == OUTLIER].groupby(KEYS).size().rename("outliers")
    out = out.join(outliers, on=KEYS).fillna({"outliers": 0})
    if "faults" in ok:
        out = out.join(ok.groupby(KEYS)["faults"].median().rename("faults"), on=KEYS)
    return out


def stop_reason(raw: pd.DataFrame) -> dict:
    """Why the series ended: status, kind, the N that was not run, predicted seconds, note.

    A run measured over the per-run budget (``measured_over``) also gives the size that ran it and
    that run's seconds (``over_N``, ``over_s``: the size's first ok sample). Where that size was the
    last of the series (the stop row then names it, not a size left out), the series reached its
    largest size: the kind is ``n_max``, with ``over_N`` and ``over_s`` saying its run was over."""
    ends = raw[raw.status.isin(ENDS)]
    if ends.empty:
        return {"status": "incomplete", "kind": "incomplete", "N": None, "predicted_s": None,
                "note": "no stop recorded"}
    last = ends.iloc[-1]
    note = str(last.note)
    kind = note.split(":", 1)[0] if last.status == STOP else str(last.status)
    pred = float(last.seconds) if last.status == STOP and pd.notna(last.seconds) else None
    out = {"status": str(last.status), "kind": kind, "N": int(last.N), "predicted_s": pred, "note": note,
           "over_N": None, "over_s": None}
    ok = raw[(raw.status == OK) & (raw.N <= last.N)] if kind == "measured_over" else raw.iloc[:0]
    if not ok.empty:
        over = ok[ok.N == ok.N.max()].sort_values("repeat")
        out.update(over_N=int(over.N.iloc[0]), over_s=float(over.seconds.iloc[0]))
        if out["over_N"] == out["N"]:
            out["kind"] = "n_max"
    return out


def fit_rows(summary: pd.DataFrame, least: int = FIT_LEAST) -> pd.DataFrame:
    """The summary rows a growth law is fitted to: the ``confirmed`` sizes of every series (whose
    minimum was seen twice: an exponent then rests on no time that a slow or fast period of the
    machine alone produced), or all of its sizes where fewer than ``least`` are confirmed (too few
    to fit without them)."""
    keep = summary.groupby(["implementation", "op"])["confirmed"].transform(lambda c: c if c.sum() >= least else True)
    return summary[keep.astype(bool)]


def confirmed(raw: pd.DataFrame, agreement: float) -> set:
    """(implementation, op, N) of the sizes whose two fastest ok samples agree within
    ``agreement`` (a share): their minimum was seen twice, not once in a fast moment that the
    other samples never saw again, so the estimate (:func:`summarise`) is the minimum itself. A
    comparison between series uses these sizes."""
    ok = raw[raw.status == OK]
    return {(impl, op, int(n)) for (impl, op, n), s in ok.groupby(["implementation", "op", "N"]).seconds
            if agree(s, agreement)}


def common_sizes(raw: pd.DataFrame, op: str, a: str, b: str, sure: set | None = None) -> list[int]:
    """The sizes N, ascending, at which both series ``a`` and ``b`` of ``op`` have an ok sample;
    given ``sure`` (:func:`confirmed`), only those confirmed in both, where there are any."""
    ok = raw[(raw.status == OK) & (raw.op == op)]
    both = sorted(set(ok[ok.implementation == a].N.astype(int)) & set(ok[ok.implementation == b].N.astype(int)))
    if sure is None:
        return both
    return [n for n in both if {(a, op, n), (b, op, n)} <= sure] or both


def sweep_facts(raw: pd.DataFrame, sweeps: dict, sure: set | None = None,
                summary: pd.DataFrame | None = None) -> dict:
    """How the sizes were actually measured, for the method's sentences (``sweeps``: op →
    :class:`kadai.measure.SweepConfig`): ``sizes`` (series × N with an ok sample); ``no_warmup``,
    those whose first run had no untimed run before it (predicted over ``warmup_max_s``, the
    largest of the ops' values); ``added``, sizes off the op's geometric grid (midpoints that the
    refinement added); ``unconfirmed`` (given ``sure``, the sizes :func:`confirmed` found), how
    many still have two fastest samples that disagree, and ``unconfirmed_sizes``, which
    ([implementation, op, N]); given ``summary`` (:func:`summarise` of ``raw``), ``lift_max``, the
    largest factor by which a size's estimate (:func:`reproduced`) lies above its single fastest
    sample (None where no estimate does), and ``unfitted``, how many sizes the growth-law fits
    left out (:func:`fit_rows`: their minimum was not seen twice) and ``fit_least``, the fewest
    confirmed sizes a series is fitted on alone; ``short``, how many sizes kept fewer timed runs
    than their op's ``min_repeats`` (a round skipped when the series' total budget ran out), and
    ``fewest``, the fewest runs of one size."""
    ok = raw[raw.status == OK]
    runs = ok.groupby(["implementation", "op", "N"]).size()
    short = sum(1 for (_, op, _), count in runs.items() if op in sweeps and count < sweeps[op].min_repeats)
    lift = unfitted = None
    if summary is not None and len(summary):
        ratio = float((summary["time"] / summary["fastest"]).max())
        lift = ratio if ratio > 1 else None
        unfitted = int(len(summary) - len(fit_rows(summary)))
    measured = set(zip(ok.implementation, ok.op, ok.N.astype(int)))
    cold = cold_sizes(raw) & measured
    grids = {op: set(cfg.sizes()) for op, cfg in sweeps.items()}
    unsure = None if sure is None else sorted(measured - sure)
    return {"sizes": len(measured), "no_warmup": len(cold),
            "unconfirmed": None if unsure is None else len(unsure),
            "unconfirmed_sizes": None if unsure is None else [[i, o, int(n)] for i, o, n in unsure],
            "warmup_max_s": max((cfg.warmup_max_s for cfg in sweeps.values()), default=None),
            "added": sum(1 for _, op, n in measured if op in grids and n not in grids[op]), "lift_max": lift,
            "short": short, "fewest": int(runs.min()) if len(runs) else None, "unfitted": unfitted,
            "fit_least": FIT_LEAST}


def cold_sizes(raw: pd.DataFrame) -> set:
    """(implementation, op, N) whose first timed run had no untimed run before it (rows in the order
    they were written): the size's ``NO_WARMUP`` note names it too, unless that run was later marked
    an outlier, which rewrites its note."""
    out = set()
    for (impl, op, n), rows in raw.groupby(["implementation", "op", "N"], sort=False):
        status = list(rows.status)
        first = next((i for i, s in enumerate(status) if s in (OK, OUTLIER)), None)
        if first is not None and WARMUP not in status[:first]:
            out.add((impl, op, int(n)))
    return out


def inversions(times: dict, agreement: float, n_from: int = 0, summary: pd.DataFrame | None = None) -> list[dict]:
    """Neighbouring sizes (from ``n_from`` up: past the call-overhead region, where the time hardly
    depends on N) at which the larger N took less time by more than ``agreement`` (``times``: the
    estimate by N): the work grows with N, so such a pair is something the operation count cannot
    explain. Each as ``{"n_small", "n_large", "ratio", "n_from"}`` (the smaller N's time over the
    larger's; ``n_from``: where the search began);
    given the series' ``summary`` rows (:func:`summarise`), also ``confirmed`` (both sizes' minima
    reproduced) and ``min_ratio`` (the same ratio from the minima: an unconfirmed estimate can be
    slow by chance)."""
    ns = sorted(n for n in times if n >= n_from)
    pairs = [{"n_small": int(a), "n_large": int(b), "ratio": float(times[a] / times[b]), "n_from": int(ns[0])}
             for a, b in zip(ns, ns[1:]) if times[a] > (1 + agreement) * times[b]]
    if summary is not None:
        rows = summary.set_index(summary.N.astype(int))
        for p in pairs:
            a, b = rows.loc[p["n_small"]], rows.loc[p["n_large"]]
            p.update(confirmed=bool(a.confirmed and b.confirmed), min_ratio=float(a.fastest / b.fastest),
                     # the estimates are the minima themselves (no agreeing pair to lift them)
                     min_same=bool(math.isclose(a.fastest / b.fastest, p["ratio"], rel_tol=1e-9)),
                     unconfirmed=[n for n, r in ((p["n_small"], a), (p["n_large"], b)) if not r.confirmed],
                     min_inverted=bool(a.fastest > (1 + agreement) * b.fastest))
    return pairs


def skipped(raw: pd.DataFrame) -> bool:
    return bool((raw.status == SKIPPED).any())


def runs_at(raw: pd.DataFrame, n: int, **match) -> np.ndarray:
    """The seconds of the ok runs at size ``n`` whose columns equal ``match`` (e.g. implementation,
    op), in the order they were taken."""
    rows = raw[(raw.status == OK) & (raw.N == n)]
    for key, value in match.items():
        rows = rows[rows[key] == value]
    return rows.seconds.to_numpy()


def value_at(summary: pd.DataFrame, n: int, column: str = "time", **match) -> float | None:
    """``column`` of the summary row at size ``n`` whose columns equal ``match`` (None if absent)."""
    rows = summary[summary.N == n]
    for key, value in match.items():
        rows = rows[rows[key] == value]
    return float(rows[column].iloc[0]) if len(rows) else None


def series_of(summary: pd.DataFrame, column: str = "time", **match) -> pd.Series:
    """``column`` indexed by N for the rows whose columns equal ``match``."""
    rows = summary
    for key, value in match.items():
        rows = rows[rows[key] == value]
    return rows.set_index("N")[column].sort_index()


def by_stem(paths) -> dict:
    """``{file stem: path}``, e.g. the experiments of 任意課題1 keyed ``ladder``, ``simd`` …"""
    from pathlib import Path

    return {Path(p).stem: p for p in paths}


def defence(*tables, rounds: int) -> dict:
    """How alternated rounds were defended (:func:`kadai.measure.interleave_defended`) over the
    rows of ``tables`` (one experiment each, planned with ``rounds`` rounds): the samples marked
    disturbed (``outliers``) and the rounds added for them, summed over the experiments."""
    return {"outliers": int(sum((t.status == OUTLIER).sum() for t in tables)),
            "extra_rounds": int(sum(max(0, t["round"].nunique() - rounds) for t in tables))}


def load_of(*tables, threads: int | None = None) -> tuple[float, float]:
    """(most cores other processes kept busy, most cores the measurement used) over the rows of
    ``tables`` (the ``busy`` and ``cores`` columns; NaN where not recorded). ``threads``: the
    threads the measured code runs with; it counts as using that many cores even where a busy
    machine let it use fewer (two threads squeezed onto one idle core are not a one-core timing)."""
    busy = [t["busy"].max() for t in tables if "busy" in t and t["busy"].notna().any()]
    cores = [t["cores"].max() for t in tables if "cores" in t and t["cores"].notna().any()]
    used = float(max(cores)) if cores else float("nan")
    if threads is not None and used == used:
        used = max(used, float(threads))
    return (float(max(busy)) if busy else float("nan"), used)
