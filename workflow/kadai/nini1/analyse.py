"""任意課題1 analysis: raw tables, builds, cache counts, the measured peak and the machine in;
findings out: the speed of every step, and a measured verdict on every hypothesis.

Each hypothesis is decided from contenders timed alternately at one size (pairs of the same
round compared, :func:`kadai.verdicts.ratio`), except the cache one, which needs sizes on both
sides of a cache boundary and uses the size sweep. The access-order one also needs the cache
misses counted by cachegrind: without a completed simulation it is not decided.

What a timed comparison compares is read from the machine code (:mod:`kadai.nini1.isa`,
:func:`simd_contrast`): where the two sides compute with different SIMD widths (O3 vectorises
i-k-j, not i-j-k; -O3 vectorises what -O0 leaves scalar), the access-order and optimisation
hypotheses are decided on the builds where both sides have one width (:func:`same_width_level`,
:func:`opt_comparison`) and the O3 ratio is kept beside them as one that includes vectorisation.
The SIMD hypothesis rests on SIMD against scalar (i-k-j, O3 against O3novec); the packed avx2 ÷
portable ratio differs in width, FMA, flags and code and is only a side result (:func:`simd_packed`).

The size sweep (the ladder) times each implementation in a series of its own, minutes apart from
the others; the comparison of C and NumPy (``bench``) alternates them pair by pair. Over those
minutes this machine's speed changes (``drift``: the slowest over the fastest run of one contender
within the alternated rounds), so a ratio between two series is decided only beyond that drift,
and where the ladder and the alternated pairs disagree on C against NumPy, the pairs are trusted
(:func:`ladder_check`).
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops, raw, verdicts
from ..io import read_json, write_json
from . import isa
from .labels import LADDER_STEPS
from .plan import ALTERNATED

HYPOTHESES = ("order", "cache", "simd", "opt", "threads", "gap")  # H1–H6, as the report numbers them
# a ratio at another size "differs" only where its interval lies farther from both measurements at
# the first size than twice their own distance: one observed difference between two experiments
# is a rough yardstick of how far experiments drift, so a margin, not a knife-edge comparison
SIZE_GAP_FACTOR = 2.0
ORDER_SPEEDUP = 1.5   # H1: the i-k-j order must be at least this much faster than i-j-k
MISS_DROP = 4.0       # H1: i-j-k must miss L1 at least this many times as often as i-k-j (one miss per
#                       element of B's column against one per 8-element line, halved for A's and C's misses)
CACHE_SLOWDOWN = 1.25  # H2: i-k-j's time per operation must grow by this factor beyond the cache
SIMD_SPEEDUP = 1.3    # H3: the AVX2 micro-kernel must be at least this much faster than the portable one
WIDTH_SPEEDUP = 1.3   # H6: the AVX-512 micro-kernel (twice the lanes) at least this much faster than the AVX2 one
OPT_SPEEDUP = 1.5     # H4: -O3 must be at least this much faster than -O0
THREAD_SPEEDUP = 1.4  # H5: all cores must be at least this much faster than one
ALIAS_SLOWDOWN = 1.25  # the ladder's N: each operation at least this much slower than at N − 1 and at N + 1
MICRO_SHARE = 0.9     # H6: the micro-kernel alone reaches this share of the FMA-only loop of its SIMD width
C_VS_NUMPY = 1.0      # C against NumPy: which one is faster, round by round (1 = equal speed). Not SPEEDUP:
#                       the question is whether C caught up, and the pairs share the machine's moment


def gflops(summary, impl: str, n: int | None = None):
    """GFLOPS (from the fastest run) of ``impl`` by N, or at size ``n`` (None where not measured)."""
    rows = summary.assign(gflops=ops.matmul_flops(summary.N) / summary["time"] / 1e9)
    rows = rows[rows.implementation == impl]
    if n is None:
        return {int(a): float(b) for a, b in zip(rows.N, rows.gflops)}
    rows = rows[rows.N == n]
    return float(rows.gflops.iloc[0]) if len(rows) else None


def times(table, label: str, n: int | None = None) -> np.ndarray:
    """The ok samples of one contender (in round order), optionally at one size."""
    rows = table[(table.status == "ok") & (table.implementation == label)]
    if n is not None:
        rows = rows[rows.N == n]
    return rows.sort_values("repeat").seconds.to_numpy()


def faster(table, slow: str, fast: str, threshold: float, threads: int | None = None) -> dict:
    """Is ``fast`` at least ``threshold`` × faster than ``slow``, round by round? (Not decided
    where the contenders used, or run with (``threads``), several cores while other processes
    were busy.)"""
    return verdicts.guard(verdicts.ratio(times(table, slow), times(table, fast), threshold, paired=True),
                          *raw.load_of(table[table.implementation.isin([slow, fast])], threads=threads))


def machine_drift(tables: dict) -> dict:
    """The largest :func:`drift` over every alternated experiment, and which experiment showed it:
    how much this machine's speed may differ between two moments, the bar that a ratio of two
    series timed at different moments must clear."""
    spans = {e: drift(tables[e]) for e in ALTERNATED if e in tables}
    spans = {e: v for e, v in spans.items() if v is not None}
    if not spans:
        return {"value": None, "experiment": None}
    worst = max(spans, key=spans.get)
    return {"value": spans[worst], "experiment": worst}


def drift(table) -> float | None:
    """How much this machine's speed changed within alternated rounds: the largest ratio of the
    slowest to the fastest ok run of one contender (all runs of a contender do the same work)."""
    ok = table[table.status == "ok"]
    spans = [g.seconds.max() / g.seconds.min() for _, g in ok.groupby("implementation") if len(g) > 1]
    return float(max(spans)) if spans else None


def miss_drop(cache_sim: dict) -> dict:
    """H1's mechanism: i-j-k's L1 data misses over i-k-j's, from cachegrind, against MISS_DROP.
    Counts are used only from simulations that completed (exit status 0); a failed or missing
    simulation leaves this UNKNOWN, with its facts (signal, function) in ``numbers``."""
    runs = cache_sim.get("runs", {})
    ijk, ikj = runs.get("ijk", {}), runs.get("ikj", {})
    numbers = {"ratio": None, "lo": None, "hi": None, "threshold": MISS_DROP, "N": cache_sim.get("N"),
               "build": cache_sim.get("build")}
    bad = next((r for r in (ijk, ikj) if r.get("status") != "ok"), None)
    if bad is not None:
        why = {k: bad.get(k) for k in ("kernel", "status", "signal", "exit_status", "function",
                                       "unhandled_instruction")}
        return verdicts.Verdict(verdicts.UNKNOWN, "no_simulation", {**numbers, **why}).to_dict()
    if not ikj["d1_misses"]:
        return verdicts.Verdict(verdicts.UNKNOWN, "no_misses", numbers).to_dict()
    r = ijk["d1_misses"] / ikj["d1_misses"]  # deterministic counts: no interval
    numbers.update(ratio=r, lo=r, hi=r)
    return verdicts.Verdict(verdicts.YES if r >= MISS_DROP else verdicts.NO, "above" if r >= MISS_DROP else "below",
                            numbers).to_dict()


def order_hypothesis(table, cache_sim: dict, opt_table=None, builds: dict | None = None) -> dict:
    """H1: i-k-j is faster (alternated rounds) *and* misses L1 less (cachegrind). YES needs both;
    NO where either is NO; otherwise UNKNOWN ("no_simulation" where cachegrind gave no counts).

    The speed part compares the two orders where both compute with the same SIMD width (machine
    code, :func:`simd_contrast`): at O3 (the ``order`` experiment) where they do, else at the first
    of :data:`SAME_WIDTH_LEVELS` in the ``opt`` experiment where they do (O3 vectorises i-k-j's
    inner loop, not i-j-k's reduction, so the O3 ratio also holds the SIMD effect of H3). The O3
    ratio is kept as ``speed_o3`` either way."""
    o3 = faster(table, "c_ijk", "c_ikj", ORDER_SPEEDUP)
    basis = same_width_level(builds or {}, "mm_ijk", "mm_ikj", ("O3",) + SAME_WIDTH_LEVELS,
                             have=lambda b: b == "O3" or _has(opt_table, f"c_ijk@{b}", f"c_ikj@{b}"))
    speed = o3 if basis in (None, "O3") else faster(opt_table, f"c_ijk@{basis}", f"c_ikj@{basis}", ORDER_SPEEDUP)
    misses = miss_drop(cache_sim)
    both = [speed["outcome"], misses["outcome"]]
    if both == [verdicts.YES] * 2:
        outcome, reason = verdicts.YES, "both"
    elif verdicts.NO in both:
        outcome, reason = verdicts.NO, "both"
    else:
        outcome = verdicts.UNKNOWN
        reason = "no_simulation" if misses["reason"] == "no_simulation" else "undecided"
    return {"speed": speed, "speed_o3": o3, "basis": basis or "O3",
            "o3_isa": simd_contrast(builds or {}, ("O3", "mm_ikj"), ("O3", "mm_ijk")),
            "basis_isa": simd_contrast(builds or {}, (basis or "O3", "mm_ikj"), (basis or "O3", "mm_ijk")),
            "misses": misses,
            "verdict": verdicts.Verdict(outcome, reason, {"speed": speed["outcome"],
                                                          "misses": misses["outcome"]}).to_dict()}


# the optimisation levels, most optimised first, that may stand in for O3 where O3 vectorises one
# side of a comparison and not the other
SAME_WIDTH_LEVELS = ("O2", "O0")


def _has(table, *labels) -> bool:
    return table is not None and all(len(times(table, label)) for label in labels)


def same_width_level(builds: dict, slow_fn: str, fast_fn: str, levels, have=lambda b: True) -> str | None:
    """The first build of ``levels`` whose ``slow_fn`` and ``fast_fn`` compute with the same SIMD
    width (:func:`simd_contrast` ``same_width``) and that was timed (``have``); None where none is
    (or the machine code was not read)."""
    for b in levels:
        if have(b) and simd_contrast(builds, (b, fast_fn), (b, slow_fn))["kind"] == "same_width":
            return b
    return None


def opt_comparison(table, builds: dict, fn: str) -> dict:
    """H4 for one loop order ``fn`` (mm_ikj / mm_ijk): -O0 against the most optimised level whose
    ``fn`` computes with the same SIMD width as -O0's (``verdict``, the mechanism: values kept in
    registers, not vectorised), and -O0 against -O3 (``full``), with the machine code of each."""
    label = fn.removeprefix("mm_")
    same = next((b for b in ("O3", "O2") if _has(table, f"c_{label}@{b}")
                 and simd_contrast(builds, (b, fn), ("O0", fn))["kind"] == "same_width"), None)
    full = faster(table, f"c_{label}@O0", f"c_{label}@O3", OPT_SPEEDUP)
    verdict = full if same in (None, "O3") else faster(table, f"c_{label}@O0", f"c_{label}@{same}", OPT_SPEEDUP)
    return {"verdict": verdict, "level": same or "O3", "full": full,
            "same_isa": simd_contrast(builds, (same or "O3", fn), ("O0", fn)),
            "full_isa": simd_contrast(builds, ("O3", fn), ("O0", fn))}


def bench_facts(table, n: int) -> dict:
    """C against NumPy at ``n``, timed alternately pair by pair: the per-pair ratio (C's speed over
    NumPy's) against C_VS_NUMPY decides which is faster (YES: C; NO: NumPy; UNKNOWN: cannot tell),
    and by how much (:func:`speed_difference`); the GFLOPS of each are given as their range over
    the rounds, with the drift."""
    c, np_ = times(table, "c_packed"), times(table, "numpy_1thread")
    flops = float(ops.matmul_flops(n))
    g = {"c": flops / c / 1e9, "numpy": flops / np_ / 1e9}
    v = verdicts.ratio(np_, c, C_VS_NUMPY, paired=True).to_dict()
    return {"N": n, "pairs": int(min(c.size, np_.size)),
            "c_min": float(g["c"].min()), "c_max": float(g["c"].max()),
            "numpy_min": float(g["numpy"].min()), "numpy_max": float(g["numpy"].max()),
            "drift": drift(table),
            "c_vs_numpy": v, "difference": speed_difference(v)}


def interval_gap(x: dict, y: dict) -> float | None:
    """How far apart two verdicts' intervals (``numbers`` with lo, hi) lie: 0 where they overlap,
    None where either has none."""
    if None in (x.get("lo"), x.get("hi"), y.get("lo"), y.get("hi")):
        return None
    return float(max(0.0, x["lo"] - y["hi"], y["lo"] - x["hi"]))


def bench_repeat(peak: dict, bench: dict) -> dict | None:
    """The C-vs-NumPy comparison made a second time at ``bench``'s N: peak.json's rounds time C's
    whole product and NumPy's one thread round by round (:func:`kadai.nini1.peak.run`). Its verdict
    (the per-round ratio of C's speed over NumPy's), ``gap`` between its interval and the
    bench's (:func:`interval_gap`: 0 where they overlap; above 0, each interval holds its own
    experiment's spread only, and how much C differs changes from one experiment to the next) and
    whether both say the same (``same_outcome``). None where peak.json timed another N or nothing."""
    c, np_ = peak.get("c_packed") or {}, peak.get("numpy") or {}
    if c.get("n") != bench["N"] or not c.get("gflops_samples") or not np_.get("gflops_samples"):
        return None
    v = verdicts.ratio(c["gflops_samples"], np_["gflops_samples"], C_VS_NUMPY, paired=True).to_dict()
    return {"N": bench["N"], "rounds": len(c["gflops_samples"]), "c_vs_numpy": v,
            "gap": interval_gap(v["numbers"], bench["c_vs_numpy"]["numbers"]),
            "same_outcome": v["outcome"] == bench["c_vs_numpy"]["outcome"]}


def sizes_differ(a: dict, b: dict | None, repeat: dict | None = None) -> str | None:
    """Does the C-vs-NumPy ratio change with the size? Two alternated comparisons (:func:`bench_facts`)
    at different sizes, and ``repeat`` (:func:`bench_repeat`), the comparison made again at ``a``'s
    size: "differ" where ``b``'s interval lies apart from both intervals at ``a``'s size by more than
    :data:`SIZE_GAP_FACTOR` times the distance those two lie apart (the experiment-to-experiment
    spread that no interval holds, seen once), "within_repeat" where it lies apart but not by that
    much, "apart_no_repeat" where
    the intervals lie apart and nothing measured ``a``'s size again, "overlap" where they overlap;
    None without both intervals."""
    if not b:
        return None
    gap = interval_gap(a["c_vs_numpy"]["numbers"], b["c_vs_numpy"]["numbers"])
    if gap is None:
        return None
    if gap == 0:
        return "overlap"
    if not repeat or repeat.get("gap") is None:
        return "apart_no_repeat"
    to_repeat = interval_gap(repeat["c_vs_numpy"]["numbers"], b["c_vs_numpy"]["numbers"])
    return "differ" if min(gap, to_repeat or 0.0) > SIZE_GAP_FACTOR * repeat["gap"] else "within_repeat"


def speed_difference(v: dict) -> dict:
    """How much faster or slower C is than NumPy, in percent of NumPy's speed, from the interval of
    the per-pair ratio (C's speed over NumPy's): ``faster`` where it lies above 1, ``slower`` where
    it lies below, else None (the interval straddles 1: cannot tell)."""
    n = v["numbers"]
    if v["outcome"] == verdicts.YES:
        return {"direction": "faster", "lo_pct": (n["lo"] - 1) * 100, "hi_pct": (n["hi"] - 1) * 100}
    if v["outcome"] == verdicts.NO:
        return {"direction": "slower", "lo_pct": (1 - n["hi"]) * 100, "hi_pct": (1 - n["lo"]) * 100}
    return {"direction": None, "lo_pct": None, "hi_pct": None}


def dip_at(ladder_summary, impl: str, n: int, drift_: float | None) -> dict | None:
    """Is ``impl`` at size ``n`` slower than at both neighbouring sizes of the sweep by more than
    the machine's drift (``drift_``, the slowest over the fastest round of the alternated pairs)?
    Then the number at ``n`` is not typical of its neighbourhood (e.g. the power-of-two sizes where a
    column walk maps onto few cache sets). At the sweep's largest size (``edge``) there is only the
    left neighbour, and ``dip`` says only that ``n`` is that much slower than it: a dip, or the start
    of a decline, which the sweep cannot tell apart. None where ``n`` was not measured or is the
    sweep's smallest size."""
    g = gflops(ladder_summary, impl)
    sizes = sorted(g)
    if n not in g or sizes.index(n) == 0:
        return None
    i = sizes.index(n)
    left, right = sizes[i - 1], (sizes[i + 1] if i + 1 < len(sizes) else None)
    factor = (g[left] if right is None else min(g[left], g[right])) / g[n]
    return {"N": n, "gflops": g[n], "left": left, "right": right, "gflops_left": g[left],
            "gflops_right": None if right is None else g[right], "edge": right is None,
            "power_of_two": n & (n - 1) == 0, "factor": factor, "dip": drift_ is not None and factor > drift_}


def alias_test(table, n: int, kernel: str = "ijk") -> dict | None:
    """Is ``kernel`` at the ladder's N slower per operation than at both N − 1 and N + 1, timed
    alternately (``alias``)? Capacity cannot tell sizes 0.2 % apart, so a step there is the
    power-of-two mapping of a column walk onto a few cache sets. Per neighbour, the time per
    operation at N over that at the neighbour, paired by round, against ALIAS_SLOWDOWN
    (:func:`kadai.verdicts.ratio`); ``outcome``: YES where both are, NO where either is not, else
    UNKNOWN. None without the experiment (an older build)."""
    if table is None or table.empty:
        return None

    def per_op(m):
        return times(table, f"c_{kernel}@{m}", m) / float(ops.matmul_flops(m))
    at_n, load = per_op(n), raw.load_of(table, threads=1)
    sides = {side: {"N": m, **verdicts.guard(verdicts.ratio(at_n, per_op(m), ALIAS_SLOWDOWN, paired=True), *load)}
             for side, m in (("left", n - 1), ("right", n + 1))}
    outcomes = {v["outcome"] for v in sides.values()}
    outcome = (verdicts.YES if outcomes == {verdicts.YES} else verdicts.NO if verdicts.NO in outcomes
               else verdicts.UNKNOWN)
    return {"N": n, "power_of_two": n & (n - 1) == 0, "threshold": ALIAS_SLOWDOWN, "outcome": outcome,
            "rounds": int(table.repeat.nunique()), **sides}


def ladder_check(ladder_summary, bench: dict, drift_: float | None = None, repeat: dict | None = None) -> dict:
    """Does the size sweep's C/NumPy ratio (each series' fastest run, series timed minutes apart)
    at the comparison's N lie inside the interval of the alternated pairs? ``agree`` / ``disagree``
    (then the pairs are trusted: they share the machine's moment, the series do not) /
    ``no_common_n`` (the sweep stopped before that N). ``c_above_from``: the smallest N from
    which the sweep draws C above NumPy at every larger size (None if it does not end so).
    ``repeat`` (:func:`bench_repeat`): the comparison made again at that N; a ratio outside the
    first interval but inside the repeat's is ``agree_repeat`` (the two experiments' spread)."""
    n = bench["N"]
    c, np1 = gflops(ladder_summary, "c_packed"), gflops(ladder_summary, "numpy_1thread")
    common = sorted(set(c) & set(np1))
    above_from = None
    for m in reversed(common):
        if c[m] > np1[m]:
            above_from = m
        else:
            break
    pair = bench["c_vs_numpy"]["numbers"]
    out = {"N": n, "ladder_ratio": None, "lo": pair.get("lo"), "hi": pair.get("hi"), "ratio": pair.get("ratio"),
           "drift": drift_, "c_above_from": above_from}
    if n not in c or n not in np1 or pair.get("lo") is None:
        return {**out, "outcome": "no_common_n"}
    r = c[n] / np1[n]
    again = (repeat or {}).get("c_vs_numpy", {}).get("numbers", {})
    inside_again = again.get("lo") is not None and again["lo"] <= r <= again["hi"]
    outcome = "agree" if pair["lo"] <= r <= pair["hi"] else ("agree_repeat" if inside_again else "disagree")
    return {**out, "ladder_ratio": r, "outcome": outcome, "repeat_lo": again.get("lo"), "repeat_hi": again.get("hi")}


def series_apart(ratio: float | None, drift_: float | None) -> str:
    """A ratio of two separately timed series: ``beyond`` the machine's drift either way (its
    direction holds whatever the moment each was timed), or ``within`` it (cannot tell)."""
    if ratio is None or not drift_:
        return "unknown"
    return "beyond" if max(ratio, 1 / ratio) > drift_ else "within"


def peak_facts(peak: dict, sysinfo: dict) -> dict:
    """The measured peak of one core, beside the data-sheet figure it replaces."""
    p = peak["peak"]
    base = (sysinfo.get("cpu_mhz") or 0.0) / 1000.0
    return {**p, "base_ghz": base, "cores": sysinfo.get("usable_cores") or 1,
            "micro_kernel": peak["micro_kernel"]}


def back_to_back(table, impl: str, n: int) -> dict:
    """How the size sweep (:mod:`kadai.measure`) took the timed runs of ``impl`` at size ``n``:
    ``runs`` (ok or outlier), ``stretches`` (stretches of consecutive rows at this size, i.e. runs
    taken back to back: the sweep runs a size several times within one visit, and two visits of a
    size may follow each other where a round turns) and ``most`` (the most runs of one stretch).
    Rows must be in the order they were taken (they are, per series)."""
    rows = table[(table.implementation == impl) & (table.status != "stop")]
    stretches = []  # [size, timed runs] of each stretch of consecutive rows at one size
    for size, status in zip(rows.N, rows.status):
        if not stretches or stretches[-1][0] != size:
            stretches.append([size, 0])
        stretches[-1][1] += status in ("ok", "outlier")
    at_n = [count for size, count in stretches if size == n and count]
    return {"runs": int(sum(at_n)), "stretches": len(at_n), "most": max(at_n, default=0)}


def round_ratios(table, impl: str, small: int, big: int) -> list[float]:
    """The slow-down per operation from ``small`` to ``big`` within each of the sweep's rounds
    (:mod:`kadai.measure`: each visits every size; a run's note names its round, e.g. "round 2",
    "re-measured (defence round 1)") in which ``impl`` ran at both sizes: the ratio of their median
    times per operation, in the order of the rounds' names. A period of the machine that slows a
    whole round cancels in it; one that slows one size's visit does not."""
    if "note" not in table:
        return []
    ok = table[(table.implementation == impl) & (table.status == "ok")]
    per_op = {}
    for n in (small, big):
        g = ok[ok.N == n]
        per_op[n] = g.assign(t=g.seconds / float(ops.matmul_flops(n)))
    rounds = sorted({str(x) for x in per_op[small].note.dropna() if "round" in str(x)}
                    & {str(x) for x in per_op[big].note.dropna() if "round" in str(x)})
    return [float(per_op[big][per_op[big].note == r].t.median() / per_op[small][per_op[small].note == r].t.median())
            for r in rounds]


def sweep_facts(table) -> dict:
    """The size sweep as it ran, for the method: the rounds its repeats were spread over (notes
    ``round k``), the fewest and most timed runs of one size, the most runs of one size taken
    back to back (:func:`back_to_back`)."""
    rounds = table.note.dropna().astype(str).str.extract(r"^round (\d+)$")[0].dropna().astype(int)
    per = [back_to_back(table, impl, int(n)) for (impl, n), _ in
           table[table.status.isin(["ok", "outlier"])].groupby(["implementation", "N"])]
    return {"rounds": int(rounds.max()) if len(rounds) else 0,
            "runs_min": min((v["runs"] for v in per), default=0), "runs_max": max((v["runs"] for v in per), default=0),
            "most_in_a_row": max((v["most"] for v in per), default=0)}


def cache_hypothesis(ladder, caches: list, drift_: float | None = None) -> dict:
    """H2: beyond the largest cache the sweep crosses, i-k-j slows per operation and blocking helps.
    The sweep does not pair runs (two sizes of one series are visits apart; two series are minutes
    apart), so each ratio is one of medians with a percentile-bootstrap interval (the runs of each
    side resampled): the minimum's bootstrap interval cannot lie below the ratio of the minima, so
    it is no interval of it. The slow-down compares sizes of one series (visited in the same
    rounds, see :func:`back_to_back`); blocking compares two series timed apart, so its threshold is the
    larger of SPEEDUP and the machine's ``drift_`` (a smaller ratio could come from the moments alone).
    A ratio below the drift but not below SPEEDUP refutes nothing: UNKNOWN "within_drift"."""
    sizes = sorted(ladder[ladder.status == "ok"].N.unique())
    crossed = [c for c in caches if sizes and ops.operand_bytes("matmul", sizes[0], 8) <= c["bytes"] / 2
               and ops.operand_bytes("matmul", sizes[-1], 8) >= 2 * c["bytes"]]
    drift_facts = {"drift": drift_, "drift_sets_threshold": bool(drift_ and drift_ > verdicts.SPEEDUP)}
    if not crossed:
        return {"cache": None, **drift_facts,
                "verdict": verdicts.Verdict(verdicts.UNKNOWN, "no_boundary_in_range", {}).to_dict()}
    c = max(crossed, key=lambda c: c["bytes"])
    small = max(n for n in sizes if ops.operand_bytes("matmul", n, 8) <= c["bytes"] / 2)
    big = sizes[-1]
    per_op = {n: times(ladder, "c_ikj", n) / float(ops.matmul_flops(n)) for n in (small, big)}
    slows = verdicts.ratio(per_op[big], per_op[small], CACHE_SLOWDOWN, estimator="median").to_dict()
    helps = verdicts.ratio(times(ladder, "c_ikj", big), times(ladder, "c_blocked", big),
                           max(verdicts.SPEEDUP, drift_ or 0.0), estimator="median").to_dict()
    if helps["outcome"] == verdicts.NO and drift_facts["drift_sets_threshold"] \
            and not helps["numbers"]["hi"] < verdicts.SPEEDUP:
        # below the drift but not below SPEEDUP (the same interval, a lower bar: NO needs hi below it):
        # the moments alone could make this ratio, and so could blocking; neither is refuted
        helps = verdicts.Verdict(verdicts.UNKNOWN, "within_drift", helps["numbers"]).to_dict()
    both = [slows["outcome"], helps["outcome"]]
    outcome = verdicts.YES if both == [verdicts.YES] * 2 else (verdicts.NO if verdicts.NO in both else verdicts.UNKNOWN)
    return {"cache": {"level": c["level"], "bytes": c["bytes"]}, "n_small": int(small), "n_big": int(big),
            "runs": {"small": back_to_back(ladder, "c_ikj", small), "big": back_to_back(ladder, "c_ikj", big)},
            "round_ratios": round_ratios(ladder, "c_ikj", small, big),
            "slows": slows, "helps": helps, **drift_facts,
            "verdict": verdicts.Verdict(outcome, "both" if outcome != verdicts.UNKNOWN else "undecided",
                                        {"slows": slows["outcome"], "helps": helps["outcome"]}).to_dict()}


SIMD_WIDTHS = {"avx512f": "avx512", "avx2+fma": "avx2"}  # the O3 build's micro-kernel → its FMA width in peak.json


def gap_hypothesis(simd, peak: dict, simd_o3: str) -> dict:
    """H6, the SIMD width: the micro-kernel written for 512-bit vectors (the O3 build, where the
    CPU has AVX-512) beats the one for 256-bit vectors (the avx2 build), round by round. Beside
    it, three measured facts on what remains, each from ``peak`` (peak.json), whose rounds hold
    the FMA loops, the micro-kernel alone, the whole C product and NumPy's moments apart, so each
    is a ratio round by round: does the micro-kernel alone reach the peak of its own width; is
    time lost around it (the whole product slower than the micro-kernel: packing, blocking); and
    does NumPy run beyond the AVX2 peak (then its BLAS kernel uses wider vectors)."""
    pk, micro, whole, numpy = peak["peak"], peak["micro_kernel"], peak["c_packed"], peak["numpy"]
    avx2 = pk["avx2"]
    numpy_beyond = (verdicts.ratio(numpy["gflops_samples"], avx2["gflops_samples"], 1.0, paired=True).to_dict()
                    if avx2.get("supported") else verdicts.Verdict(verdicts.UNKNOWN, "no_avx2", {}).to_dict())
    width = SIMD_WIDTHS.get(simd_o3)
    own = pk.get(width) or {}  # {} where the O3 build has no SIMD path (width None)
    micro_near = (verdicts.ratio(micro["gflops_samples"], own["gflops_samples"], MICRO_SHARE, paired=True).to_dict()
                  if own.get("gflops_samples") else verdicts.Verdict(verdicts.UNKNOWN, "no_simd_path", {}).to_dict())
    # micro-kernel / whole product ≥ 1: time is spent outside the micro-kernel; share = 1 − whole/micro
    outside = verdicts.ratio(micro["gflops_samples"], whole["gflops_samples"], 1.0, paired=True).to_dict()
    share = {k: 1.0 - 1.0 / outside["numbers"][k] for k in ("ratio", "lo", "hi")
             if outside["numbers"].get(k) and math.isfinite(outside["numbers"][k])}
    wider = (faster(simd, "c_packed@avx2", "c_packed@O3", WIDTH_SPEEDUP) if width == "avx512"
             else verdicts.Verdict(verdicts.UNKNOWN, "no_avx512", {"simd": simd_o3}).to_dict())
    # one round's numbers, never the fastest of each from different rounds: the round where the
    # whole C product ran at its median speed (the lower one of an even count), peaks included
    c = whole["gflops_samples"]
    mid = sorted(range(len(c)), key=lambda i: c[i])[(len(c) - 1) // 2]
    peaks = {w: pk[w]["gflops_samples"][mid] for w in ("avx2", "avx512")
             if len(pk.get(w, {}).get("gflops_samples") or []) == len(c)}
    return {"width": width, "numpy_beyond_avx2": numpy_beyond, "micro_near_peak": micro_near,
            "round": mid, "micro_gflops": micro["gflops_samples"][mid], "c_gflops": c[mid],
            "numpy_gflops": numpy["gflops_samples"][mid], "peak_gflops": peaks,
            "n": whole["n"], "kc": micro["kc"], "rounds": len(micro["gflops_samples"]),
            "of_peak": {"c": share_of_peak(whole["gflops_samples"], pk),
                        "numpy": share_of_peak(numpy["gflops_samples"], pk)},
            "outside": outside, "outside_share": share, "verdict": wider}


def share_of_peak(samples, pk: dict) -> dict | None:
    """GFLOPS over the peak of the widest width, round by round (that round's measured clock ×
    lanes × 2 × FMA units): median and its 95 % interval (:func:`kadai.verdicts.median_interval`)."""
    widest = pk.get("widest")
    ghz = pk.get("ghz_samples") or []
    if not widest or len(ghz) != len(samples) or not samples:
        return None
    w = pk[widest]
    per_round = np.asarray(samples, float) / (np.asarray(ghz, float) * 2 * w["lanes"] * w["units"])
    est, lo, hi, coverage = verdicts.median_interval(per_round)
    return {"ratio": est, "lo": lo, "hi": hi, "interval": coverage >= verdicts.CONFIDENCE - 1e-12,
            "width": widest}


def simd_contrast(builds: dict, fast: tuple[str, str], slow: tuple[str, str]) -> dict:
    """What a SIMD comparison really compares, from the machine code (:mod:`kadai.nini1.isa`):
    ``fast``/``slow`` = (build, function). ``kind``: ``vector_vs_scalar`` (the slow side has no
    packed arithmetic, the fast side has), ``wider`` (the fast side on wider registers than the
    slow side's vectors), ``narrower`` (the fast side on narrower ones, or scalar against vectors),
    ``same_width``, or ``unknown`` (no objdump, or the function not found). Each side also says
    whether the function has scalar FMA instructions (``scalar_fma``: -march=native contracts
    a*b + c into one even where nothing is vectorised)."""
    def side(build, fn):
        v = builds.get(build, {}).get("vector", {}).get(fn)
        fma = builds.get(build, {}).get("fma", {}).get(fn) or {}
        return {**v, "scalar_fma": bool(fma.get("fma_scalar"))} if v else v

    f, s = side(*fast), side(*slow)
    if not f or not s:
        kind = "unknown"
    elif f["bits"] == s["bits"]:
        kind = "same_width"
    elif s["bits"] == 0:
        kind = "vector_vs_scalar"
    else:
        kind = "wider" if f["bits"] > s["bits"] else "narrower"
    return {"fast": f, "slow": s, "fast_build": fast[0], "slow_build": slow[0], "kind": kind}


def build_differences(builds: dict, fast: str, slow: str) -> dict:
    """What besides the SIMD width differs between two builds: the gcc flags only one of them has,
    and the micro-kernel's code path each compiled (``simd`` of its build record)."""
    ff, sf = builds.get(fast, {}).get("flags", []), builds.get(slow, {}).get("flags", [])
    return {"only_fast": [f for f in ff if f not in sf], "only_slow": [f for f in sf if f not in ff],
            "fast_path": builds.get(fast, {}).get("simd"), "slow_path": builds.get(slow, {}).get("simd")}


def simd_hypothesis(table, builds: dict) -> dict:
    """H3, SIMD against scalar instructions: i-k-j built with auto-vectorisation (O3) against the
    same source without it (O3novec), round by round. It tests H3 only where the machine code
    shows that the fast side computes with SIMD instructions and the slow side with scalar ones
    (``vector_vs_scalar``); otherwise UNKNOWN, with the measured ratio kept in ``numbers``."""
    v = faster(table, "c_ikj@O3novec", "c_ikj@O3", SIMD_SPEEDUP)
    contrast = simd_contrast(builds, ("O3", "mm_ikj"), ("O3novec", "mm_ikj"))
    if contrast["kind"] != "vector_vs_scalar" and v["reason"] != "busy":
        why = "isa_unknown" if contrast["kind"] == "unknown" else "not_vector_vs_scalar"
        v = verdicts.Verdict(verdicts.UNKNOWN, why, {**v["numbers"], "measured": v["outcome"]}).to_dict()
    return v


def simd_packed(table, builds: dict) -> dict:
    """A side result, not H3's test: the packed product of the avx2 build against the portable one.
    Besides the width, the two differ in flags (``differences``: -march=native, FMA) and in the
    micro-kernel's code (intrinsics against the generic C loop), so the ratio is theirs together."""
    return {"verdict": faster(table, "c_packed@portable", "c_packed@avx2", SIMD_SPEEDUP),
            "isa": simd_contrast(builds, ("avx2", "kernel"), ("portable", "kernel")),
            "differences": build_differences(builds, "avx2", "portable")}


def thread_speedup(table, impl: str, cores: int) -> dict:
    """H5: ``impl`` on one thread against all ``cores``, paired by round (:func:`faster`), with
    ``beyond_cores`` in its numbers: the interval's upper end lies above the core count, a speed-up
    that more threads cannot give on their own, only a round whose one-thread run something else
    slowed down (the rounds carry the machine's changes of speed)."""
    if cores <= 1:
        return verdicts.Verdict(verdicts.UNKNOWN, "one_core", {}).to_dict()
    v = faster(table, f"{impl}@1", f"{impl}@{cores}", THREAD_SPEEDUP, cores)
    hi = v["numbers"].get("hi")
    v["numbers"]["beyond_cores"] = bool(hi is not None and math.isfinite(hi) and hi > cores)
    v["numbers"]["cores"] = cores
    return v


def hypotheses(tables: dict, caches: list, peak: dict, simd_o3: str, cache_sim: dict,
               drift_: float | None = None, builds: dict | None = None) -> dict:
    builds = builds or {}
    cores = max(int(label.split("@")[1]) for label in tables["threads"].implementation.unique()
                if label.startswith("c_packed_omp@"))
    opt = {fn: opt_comparison(tables["opt"], builds, f"mm_{fn}") for fn in ("ikj", "ijk")}
    packed = simd_packed(tables["simd"], builds)
    return {
        "order": order_hypothesis(tables["order"], cache_sim, tables["opt"], builds),
        "cache": cache_hypothesis(tables["ladder"], caches, drift_),
        "simd": simd_hypothesis(tables["simd"], builds),
        "simd_packed": packed["verdict"],
        "opt": opt["ikj"]["verdict"],
        "opt_ijk": opt["ijk"]["verdict"],
        "opt_levels": opt,
        # more threads can only help with idle cores: decided only while no other process is busy
        "threads": thread_speedup(tables["threads"], "c_packed_omp", cores),
        "threads_numpy": thread_speedup(tables["threads"], "numpy", cores),
        "gap": gap_hypothesis(tables["simd"], peak, simd_o3),
        "simd_isa": {"packed": packed["isa"], "packed_differences": packed["differences"],
                     "width": simd_contrast(builds, ("O3", "kernel"), ("avx2", "kernel")),
                     "ikj": simd_contrast(builds, ("O3", "mm_ikj"), ("O3novec", "mm_ikj")),
                     "ikj_differences": build_differences(builds, "O3", "O3novec")},
        "thresholds": {"order": ORDER_SPEEDUP, "misses": MISS_DROP, "cache": CACHE_SLOWDOWN, "simd": SIMD_SPEEDUP,
                       "opt": OPT_SPEEDUP, "threads": THREAD_SPEEDUP, "micro": MICRO_SHARE, "width": WIDTH_SPEEDUP,
                       "speedup": verdicts.SPEEDUP, "c_vs_numpy": C_VS_NUMPY},
    }


def instruction_counts(cache_sim: dict, builds: dict) -> dict | None:
    """Instructions executed per multiply-add (N³ of them) by i-j-k and i-k-j in the cachegrind
    run, their ratio, and the SIMD arithmetic each function of the simulated build uses (machine
    code): where i-k-j is vectorised and i-j-k is not, the fewer instructions are mostly its
    vectors (``vectorised``), not the access order. None without completed counts."""
    runs, n = cache_sim.get("runs", {}), cache_sim.get("N")
    ijk, ikj = runs.get("ijk", {}), runs.get("ikj", {})
    if not n or ijk.get("status") != "ok" or ikj.get("status") != "ok" or not ikj.get("instructions"):
        return None
    contrast = simd_contrast(builds, (cache_sim.get("build"), "mm_ikj"), (cache_sim.get("build"), "mm_ijk"))
    return {"ratio": ijk["instructions"] / ikj["instructions"],
            "ijk_per_madd": ijk["instructions"] / n ** 3, "ikj_per_madd": ikj["instructions"] / n ** 3,
            "isa": contrast, "vectorised": contrast["kind"] in ("wider", "vector_vs_scalar")}


def unconfirmed_facts(ladder, n: int, agreement: float, summary=None) -> dict:
    """The sweep's sizes whose minimum was not reproduced (:func:`kadai.raw.confirmed`): how many
    (``unconfirmed``), how far their estimate lies above the minimum at most (``lift_max``), and
    which implementations at the ladder's ``n`` (``unconfirmed_at_n``: marked in its table).
    ``summary``: the sweep's :func:`kadai.raw.summarise`, where the caller has it."""
    sure = raw.confirmed(ladder, agreement)
    facts = raw.sweep_facts(ladder, {}, sure, raw.summarise(ladder, agreement) if summary is None else summary)
    at_n = sorted(i for i, _, m in facts["unconfirmed_sizes"] if m == n)
    return {"unconfirmed": facts["unconfirmed"], "lift_max": facts["lift_max"], "unconfirmed_at_n": at_n}


def repeated_kernels(tables: dict, n: int, drift_: float | None = None, agreement: float = 0.05) -> dict:
    """The same O3 kernels at ``n`` timed in several experiments (the sweep and the alternated
    experiments, each in rounds of its own): GFLOPS of each one's estimate (the sweep's as its
    tables show it, :func:`kadai.raw.reproduced`; an alternated experiment's fastest run), the largest over
    the smallest (``spread``: how far repeated measurements of one kernel lie apart) and whether
    that lies within the machine's ``drift_`` seen in the alternated C-vs-NumPy rounds."""
    where = {"c_ijk": (("ladder", "c_ijk"), ("order", "c_ijk"), ("opt", "c_ijk@O3")),
             "c_ikj": (("ladder", "c_ikj"), ("order", "c_ikj"), ("simd", "c_ikj@O3"), ("opt", "c_ikj@O3")),
             "c_packed": (("ladder", "c_packed"), ("simd", "c_packed@O3"))}
    out = {}
    for kernel, places in where.items():
        values = {}
        for experiment, label in places:
            t = times(tables[experiment], label, n) if experiment in tables else np.array([])
            if t.size:
                best = raw.reproduced(t, agreement) if experiment == "ladder" else float(t.min())
                values[experiment] = float(ops.matmul_flops(n)) / best / 1e9
        if len(values) > 1:
            spread = max(values.values()) / min(values.values())
            out[kernel] = {"values": values, "lo": min(values.values()), "hi": max(values.values()),
                           "spread": spread, "within_drift": bool(drift_) and spread <= drift_}
    return out


def ladder_within_drift(values: dict, drift_: float | None) -> list[list[str]]:
    """Neighbouring steps of the ladder (series timed apart) whose speed ratio lies within the
    machine's drift (:func:`series_apart`): which of the two is faster the table cannot tell."""
    steps = [k for k in LADDER_STEPS if values.get(k)]
    return [[a, b] for a, b in zip(steps, steps[1:]) if series_apart(values[b] / values[a], drift_) == "within"]


def contender_gflops(table) -> dict:
    """GFLOPS (fastest run) of every contender of a fixed-size experiment."""
    out = {}
    for label, g in table[table.status == "ok"].groupby("implementation"):
        out[label] = float(ops.matmul_flops(int(g.N.iloc[0])) / g.seconds.min() / 1e9)
    return out


def records(h: dict, bench: dict) -> list[dict]:
    out = [verdicts.record(f"nini1/{k}", f"hypothesis {k}", verdicts.of(h[k]))
           for k in ("order", "cache", "simd", "opt", "opt_ijk", "threads", "threads_numpy")]
    out.append(verdicts.record("nini1/simd_packed", "the avx2 packed product beats the portable one (side result)",
                               h["simd_packed"]))
    out.append(verdicts.record("nini1/order/misses", "i-j-k misses L1 at least 4 times as often as i-k-j",
                               h["order"]["misses"]))
    out.append(verdicts.record("nini1/gap", "hypothesis gap (SIMD width)", h["gap"]["verdict"]))
    out.append(verdicts.record("nini1/gap/numpy_beyond_avx2", "NumPy exceeds the AVX2 peak",
                               h["gap"]["numpy_beyond_avx2"]))
    out.append(verdicts.record("nini1/gap/micro_near_peak", "the micro-kernel alone nears the peak of its SIMD width",
                               h["gap"]["micro_near_peak"]))
    out.append(verdicts.record("nini1/gap/time_outside_micro", "the whole C product is slower than its micro-kernel",
                               h["gap"]["outside"]))
    out.append(verdicts.record("nini1/bench/c_vs_numpy", "C faster than NumPy (no: slower)", bench["c_vs_numpy"]))
    return out


GPU_STEP = 1.5   # GPU: each tiling step (shared-memory tiles, register tiles) at least this much faster
GPU_VEC_STEP = 1.2  # GPU: 128-bit loads with double buffering at least this much faster than register tiles
GPU_GOAL = 0.9   # GPU: our last kernel reaches at least this share of cuBLAS's speed
# each step of the GPU ladder: (key, slower contender, faster contender, threshold)
GPU_LADDER = (("shared", "mm_naive", "mm_shared", GPU_STEP), ("regtile", "mm_shared", "mm_regtile", GPU_STEP),
              ("vec", "mm_regtile", "mm_vec", GPU_VEC_STEP), ("goal", "cublas", "mm_vec", GPU_GOAL))


def same_error(correct: dict) -> float | None:
    """The relative error every contender shares (within 0.1 %), or None where they differ."""
    errors = [c["relative_error"] for c in correct.values()]
    if None in errors:  # a result that was not finite
        return None
    lo, hi = min(errors), max(errors)
    return hi if hi <= lo * 1.001 else None


# the last kernel's settings in raw files written before they were recorded (the H100's tiles)
GPU_FIRST_VEC = {"VBM": 128, "VBN": 128, "VBK": 16, "RM": 2, "RN": 2, "APAD": 4, "MINB": 1}
GPU_REGTILE = {"VBM": 128, "VBN": 128, "VBK": 8, "TM": 8, "TN": 8}  # mm_regtile's fixed tiles (the source)


def vec_facts(vec: dict) -> dict:
    """The last kernel's tiles and what it changes beyond the register tiles, in order: larger
    tiles, another depth, float4, double buffering, padding (each only where it applies)."""
    tm, tn = 4 * vec["RM"], 4 * vec["RN"]
    r = GPU_REGTILE
    tiles = (vec["VBM"], vec["VBN"], tm, tn) != (r["VBM"], r["VBN"], r["TM"], r["TN"])
    changes = (["tiles"] * tiles + ["depth"] * (vec["VBK"] != r["VBK"]) + ["float4", "double"]
               + ["pad"] * (vec["APAD"] > 0))
    return {**vec, "TM": tm, "TN": tn, "regtile": r, "changes": changes}


def both_orders(rotation: dict, alone: dict | None) -> dict:
    """The goal's verdict over both orders of running: the rotation's where the runs alone were not
    measured or agree with it; UNKNOWN 'order' where one is above the goal and the other below;
    otherwise the undecided one's verdict."""
    if alone is None or alone["outcome"] == rotation["outcome"]:
        return rotation
    if {alone["outcome"], rotation["outcome"]} == {verdicts.YES, verdicts.NO}:
        return verdicts.Verdict(verdicts.UNKNOWN, "order", rotation["numbers"]).to_dict()
    return rotation if rotation["outcome"] == verdicts.UNKNOWN else {**alone, "numbers": rotation["numbers"]}


def gpu_facts(gpu: dict) -> dict:
    """The GPU part: speeds of cuBLAS and our kernels, a verdict per step (paired rounds), and the
    goal also from the rounds in which cuBLAS and the last kernel each ran alone."""
    if not gpu.get("available"):
        return {"available": False, "reason": gpu.get("reason", "")}
    s = {k: np.asarray(v, float) for k, v in gpu["samples"].items()}
    flops = ops.matmul_flops(gpu["N"])
    speed = lambda v: flops / float(np.median(v)) / 1e9  # noqa: E731 - GFLOPS of the median run
    wrong = verdicts.Verdict(verdicts.UNKNOWN, "wrong_result", {}).to_dict()

    def step(slow, fast, threshold, samples=s):
        return (verdicts.ratio(samples[slow], samples[fast], threshold, paired=True).to_dict()
                if slow in samples and fast in samples else wrong)

    steps = {key: step(slow, fast, threshold) for key, slow, fast, threshold in GPU_LADDER}
    runs = {k: np.asarray(v, float) for k, v in gpu.get("alone", {}).get("samples", {}).items()}
    alone = ({"burst": gpu["alone"]["burst"], "gflops": {k: speed(v) for k, v in runs.items()},
              "goal": step("cublas", "mm_vec", GPU_GOAL, runs)} if runs else None)
    both = bool(alone) and alone["goal"]["reason"] not in ("too_few", "wrong_result")  # the goal from both orders
    checked = gpu.get("check_n", [])
    return {"available": True, "device": gpu["device"], "N": gpu["N"], "rounds": gpu["rounds"],
            "check_n": checked if isinstance(checked, list) else [checked],
            "correct": gpu["correct"], "gflops": {k: speed(v) for k, v in s.items()},
            "steps": steps, "alone": alone, "goal": both_orders(steps["goal"], alone["goal"] if both else None),
            "goal_both": both,
            "vec": vec_facts(gpu.get("vec", GPU_FIRST_VEC)),
            "same_error": same_error(gpu["correct"]),
            "thresholds": {"step": GPU_STEP, "vec": GPU_VEC_STEP, "goal": GPU_GOAL}}


def run(inputs: dict, settings: dict, out_json) -> dict:
    cfg = settings["nini1"]
    n, bn = cfg["ladder_n"], cfg["bench_n"]
    tables = {e: raw.load_raw([p]) for e, p in raw.by_stem(inputs["raw"]).items()}
    ladder = raw.summarise(tables["ladder"], settings["timing"]["agreement"])
    sysinfo = read_json(inputs["sysinfo"])
    caches = [c for c in sysinfo.get("caches", []) if c.get("type") != "Instruction" and c.get("bytes")]
    peak = read_json(inputs["peak"])
    bench = bench_facts(tables["bench"], bn)
    # the same alternated comparison at the ladder's N (None where that experiment was not run)
    bench_ladder = bench_facts(tables["bench_ladder"], n) if "bench_ladder" in tables else None
    builds = {b["variant"]: b for b in map(read_json, inputs["builds"])}
    libs = {so.rsplit("libmm_", 1)[1].removesuffix(".so"): so for so in inputs.get("libs", [])}
    for name, b in builds.items():  # the packed arithmetic each function uses, from its machine code
        b["vector"] = isa.vector_use(libs[name]) if name in libs else {}
    cache_sim = read_json(inputs["cache"])
    machine = machine_drift(tables)
    dr = machine["value"]
    h = hypotheses(tables, caches, peak, builds["O3"]["simd"], cache_sim, dr, builds)
    sim = builds.get(cache_sim.get("build") or "", {})
    cache_sim["same_simd_as_O3"] = sim.get("simd") == builds["O3"]["simd"] if sim else None
    cache_sim["avoids_avx512"] = sim.get("simd") != "avx512f" if sim else None
    cache_sim["instructions"] = instruction_counts(cache_sim, builds)
    repeat = bench_repeat(peak, bench)
    check = ladder_check(ladder, bench, dr, repeat)
    values = {k: gflops(ladder, k, n) for k in LADDER_STEPS + ["numpy_1thread", "numpy_all"]}
    ijk_np = values["c_ijk"] / values["numpy_1thread"] if values["c_ijk"] and values["numpy_1thread"] else None
    findings = {
        "peak": peak_facts(peak, sysinfo), "builds": builds,
        "cachegrind": cache_sim, "ladder_n": n, "caches": caches, "ladder_check": check,
        # the plain triple loop against NumPy's one thread, two series of the sweep: decided beyond the drift
        "ijk_vs_numpy": {"ratio": ijk_np, "drift": dr, "slower": ijk_np is not None and ijk_np < 1,
                         "outcome": series_apart(ijk_np, dr)},
        "ladder_values": values,
        "ijk_dip": dip_at(ladder, "c_ijk", n, dr), "drift": machine,
        "alias": alias_test(tables.get("alias"), n),
        "stops": {impl: raw.stop_reason(tables["ladder"][tables["ladder"].implementation == impl])
                  for impl in tables["ladder"].implementation.unique()},
        "bench": bench, "bench_ladder": bench_ladder, "hypotheses": h,
        "sweep": {**sweep_facts(tables["ladder"]),
                  **unconfirmed_facts(tables["ladder"], n, settings["timing"]["agreement"], ladder)},
        "repeated": repeated_kernels(tables, n, dr, settings["timing"]["agreement"]),
        "ladder_within_drift": ladder_within_drift(values, dr),
        "simd": contender_gflops(tables["simd"]), "opt": contender_gflops(tables["opt"]),
        "order": contender_gflops(tables["order"]), "threads": contender_gflops(tables["threads"]),
    }
    findings["gpu"] = gpu_facts(read_json(inputs["gpu"]))
    findings["bench_repeat"] = repeat
    findings["bench_sizes_differ"] = sizes_differ(bench, bench_ladder, findings["bench_repeat"])
    findings["verdicts"] = records(h, bench)
    if bench_ladder:
        findings["verdicts"].append(verdicts.record("nini1/bench_ladder/c_vs_numpy",
                                                    f"N={n}: C faster than NumPy (no: slower)",
                                                    bench_ladder["c_vs_numpy"]))
    if findings["gpu"]["available"]:
        for key, claim in (("shared", "GPU: shared-memory tiles beat the naive kernel"),
                           ("regtile", "GPU: register tiles beat shared-memory tiles"),
                           ("vec", "GPU: the last step (tiles, 128-bit loads, double buffering) beats register tiles"),
                           ("goal", f"GPU: our last kernel reaches {GPU_GOAL} of cuBLAS")):
            findings["verdicts"].append(verdicts.record(f"nini1/gpu/{key}", claim, findings["gpu"]["steps"][key]))
        if findings["gpu"]["alone"]:
            findings["verdicts"].append(verdicts.record(
                "nini1/gpu/goal_alone", f"GPU: our last kernel reaches {GPU_GOAL} of cuBLAS, each run alone",
                findings["gpu"]["alone"]["goal"]))
        findings["verdicts"].append(verdicts.record(  # what the conclusion states
            "nini1/gpu/goal_both", f"GPU: our last kernel reaches {GPU_GOAL} of cuBLAS in both orders of running",
            findings["gpu"]["goal"]))
    outcome = {k: verdicts.of(h[k])["outcome"] for k in HYPOTHESES}
    findings["supported"] = [k for k in HYPOTHESES if outcome[k] == verdicts.YES]
    findings["rejected"] = [k for k in HYPOTHESES if outcome[k] == verdicts.NO]
    findings["undecided"] = [k for k in HYPOTHESES if outcome[k] == verdicts.UNKNOWN]
    write_json(out_json, findings)
    return findings
