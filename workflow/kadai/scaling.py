"""What a report says about one size series (課題1, 課題2): the relation between N and the run
time, each regime's exponent against the one the operation count predicts, and what explains
each change of regime.

1. The relation: one power law when the fit found one regime, else one law per regime
   (:func:`kadai.fit.growth_law`: overhead region left out, regimes chosen on held-out error).
2. Every regime's exponent is judged against the expected one (:func:`kadai.verdicts.exponent`);
   the series' verdict is that of its last regime (the largest N: the asymptotic growth).
3. Every break between regimes is tested against two explanations, both measured: the working
   set (operands and result) crossing a cache size (:func:`kadai.verdicts.boundary`), and the
   runs starting to page-fault on their own memory (the minor page faults recorded per run).
"""

from __future__ import annotations

import math

from . import verdicts
from .verdicts import NO, UNKNOWN, YES, Verdict

FAULTED_SHARE = 0.5  # a run "page-faults on its memory" when faults × page size ≥ this share of its working set
QUIET_SHARE = 0.05   # … and "does not" below this share
# fitted sizes farther apart than this factor leave a stretch the law does not see: more than an
# octave by more than the rounding of integer sizes (one size missing from a √2 grid leaves 2.00–2.02)
GAP_MAX = 2.1


# more cache per logical CPU that shares it than any processor has (the largest, stacked L3s hold
# about 12 MiB per core): a cache this large per visible CPU is shared with cores this machine
# does not see (a virtual machine on a larger host), and the share its processes get is unknown
PLAUSIBLE_PER_CPU = 32 * 2**20


def _cpu_count(cpu_list: str | None) -> int | None:
    """Logical CPUs in a sysfs list such as "0-1,4" (None where there is no list)."""
    if not cpu_list:
        return None
    count = 0
    for part in str(cpu_list).split(","):
        lo, _, hi = part.strip().partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            return None
        count += int(hi) - int(lo) + 1 if hi else 1
    return count or None


def unseen_shares(caches: list) -> list[dict]:
    """The data caches whose size per logical CPU sharing them (as this machine sees it) exceeds
    :data:`PLAUSIBLE_PER_CPU`: shared with unseen cores, so how much of it a process here gets is
    unknown. ``[{"mark", "value", "cpus", "per_cpu", "floor_mark", "floor"}]``, ``floor``: the next
    smaller data cache's size (a working set below it is held by that cache whatever the share)."""
    data = sorted(((f"L{c['level']}", c["bytes"], _cpu_count(c.get("shared_by"))) for c in caches
                   if c.get("type") != "Instruction" and c.get("bytes")), key=lambda m: m[1])
    out = []
    for i, (mark, size, cpus) in enumerate(data):
        if cpus and size / cpus > PLAUSIBLE_PER_CPU:
            floor_mark, floor = data[i - 1][:2] if i else (None, 0)
            out.append({"mark": mark, "value": size, "cpus": cpus, "per_cpu": size / cpus,
                        "floor_mark": floor_mark, "floor": floor})
    return out


def cache_marks(caches: list) -> dict:
    """``{"L2": bytes, …}`` of the data caches (instruction caches left out)."""
    return {f"L{c['level']}": c["bytes"] for c in caches if c.get("type") != "Instruction" and c.get("bytes")}


def crossing_sizes(working_set, caches: list, n_max: float = 1e7) -> dict:
    """``{"L2": N, …}``: the size N (≥ 1) at which ``working_set(N)`` (bytes, growing with N) equals
    each data cache's size (caches it never reaches, or always exceeds, left out)."""
    out = {}
    for mark, size in sorted(cache_marks(caches).items(), key=lambda kv: kv[1]):
        lo, hi = 1.0, float(n_max)
        if not working_set(lo) < size <= working_set(hi):
            continue
        for _ in range(100):  # bisection in log N
            mid = math.sqrt(lo * hi)
            lo, hi = (mid, hi) if working_set(mid) < size else (lo, mid)
        out[mark] = hi
    return out


def crossings(working_set, caches: list, n_max: float = 1e7) -> list[float]:
    """Sizes N at which the working set equals a data cache's size (:func:`crossing_sizes`): where
    a change of growth is expected, the hints of :func:`kadai.fit.segmented_fit`."""
    return sorted(crossing_sizes(working_set, caches, n_max).values())


def caches_inside(regime: dict, expected: float, working_set, caches: list, brackets=()) -> list[dict]:
    """The caches whose size the working set reaches inside a regime whose exponent does not
    match ``expected`` (its verdict NO) and whose interval lies wholly above it (each operation got
    clearly slower across it): consistent with the data leaving that cache, though no break of
    the fit sits there to say so. ``[{"mark", "value", "n"}]``, empty for any other regime. A
    crossing inside one of ``brackets`` ((n_left, n_right) of the fit's breaks) is left out: the
    break there already weighs that cache."""
    if regime.get("verdict", {}).get("outcome") != NO or regime.get("k_lo") is None or not regime["k_lo"] > expected:
        return []
    marks = cache_marks(caches)
    return [{"mark": m, "value": marks[m], "n": float(n)} for m, n in crossing_sizes(working_set, caches).items()
            if regime["n_first"] < n < regime["n_last"] and not any(lo <= n <= hi for lo, hi in brackets)]


def faults_verdict(left: float | None, right: float | None, bytes_left: float, bytes_right: float,
                   page: int) -> Verdict:
    """Do runs past the break page-fault on their memory while runs before it do not?"""
    share = {k: (f * page / b if f is not None and math.isfinite(f) else None)
             for k, f, b in (("left", left, bytes_left), ("right", right, bytes_right))}
    numbers = {"faults_left": left, "faults_right": right, "share_left": share["left"],
               "share_right": share["right"], "faulted_share": FAULTED_SHARE, "quiet_share": QUIET_SHARE, "page": page}
    if share["left"] is None or share["right"] is None:
        return Verdict(UNKNOWN, "not_measured", numbers)
    if share["right"] >= FAULTED_SHARE and share["left"] < QUIET_SHARE:
        return Verdict(YES, "starts_faulting", numbers)
    if (share["left"] < QUIET_SHARE and share["right"] < QUIET_SHARE) or share["left"] >= FAULTED_SHARE:
        return Verdict(NO, "same_faulting", numbers)
    return Verdict(UNKNOWN, "partly", numbers)


def widest_gap(sizes, n_first: int, n_last: int) -> dict | None:
    """The two neighbouring fitted ``sizes`` in [n_first, n_last] farthest apart (as a factor), where
    that factor exceeds ``GAP_MAX``: a power law fitted across it says nothing about the sizes in
    between (PyTorch conv on this project's machine: fitted at 861, 1024, 5793 and 8192 only, flat
    per operation up to 5793 and 2.35 times slower at 8192); None where no two lie that far apart."""
    inside = sorted(n for n in sizes or () if n_first <= n <= n_last)
    gaps = [(b / a, a, b) for a, b in zip(inside, inside[1:])]
    if not gaps or max(gaps)[0] <= GAP_MAX:
        return None
    ratio, a, b = max(gaps)
    return {"n_from": int(a), "n_to": int(b), "ratio": float(ratio)}


def regime(seg: dict, expected: float, sizes=None) -> dict:
    """One fitted regime and the verdict on its exponent; where its fitted ``sizes`` leave a gap
    (:func:`widest_gap`), a yes or no becomes UNKNOWN "gap": the law is not seen across it."""
    keys = ("n_first", "n_last", "n_points", "k", "k_lo", "k_hi", "k_halfwidth", "a")
    out = {k: seg[k] for k in keys}
    verdict = verdicts.exponent(seg["k"], seg["k_lo"], seg["k_hi"], expected)
    out["gap"] = widest_gap(sizes, seg["n_first"], seg["n_last"])
    if out["gap"] and verdict.outcome != verdicts.UNKNOWN:
        verdict = verdicts.Verdict(verdicts.UNKNOWN, "gap", {**verdict.numbers, **out["gap"]})
    out["verdict"] = verdict.to_dict()
    return out


OFF_LINE = 1.25  # a size whose time is this many times the fitted line (or its inverse) does not follow the law


def off_line(r: dict, sizes, times: dict, factor: float = OFF_LINE) -> dict:
    """The fitted sizes of regime ``r`` (its ``a``·N^``k`` over ``n_first``…``n_last``) whose time
    in ``times`` lies ``factor`` or more times above or below the line: the robust fit weighted them
    down, so the law it states does not hold there. ``sizes``/``ratios`` (time over line), sorted by N,
    and their ``direction`` (:func:`off_direction`)."""
    off = [(int(n), times[n] / (r["a"] * n ** r["k"])) for n in sorted(sizes or ())
           if r["n_first"] <= n <= r["n_last"] and times.get(n)]
    off = [(n, q) for n, q in off if q >= factor or q <= 1 / factor]
    ratios = [float(q) for _, q in off]
    return {"sizes": [n for n, _ in off], "ratios": ratios, "factor": factor, "direction": off_direction(ratios)}


def off_direction(ratios) -> str | None:
    """Which side of the line off-line sizes lie on: "slower" (all above), "faster" (all below),
    "both", or None without any."""
    if not ratios:
        return None
    return "slower" if min(ratios) >= 1 else "faster" if max(ratios) <= 1 else "both"


def local_slope(n_left, t_left, n_right, t_right) -> float | None:
    """The log–log slope between two sizes, d ln t / d ln N: the exponent of the growth there alone
    (None where a time is missing or not positive)."""
    if not (t_left and t_right and t_left > 0 and t_right > 0) or n_left == n_right:
        return None
    return float(math.log(t_right / t_left) / math.log(n_right / n_left))


def cache_verdict(b_left: float, b_right: float, caches: list, local_k: float | None, expected: float,
                  refuted: dict | None = None, k_before: float | None = None, dilution: dict | None = None) -> dict:
    """Whether a cache explains a change of growth between two sizes: its size lies between the
    working sets there (:func:`kadai.verdicts.boundary`), and the time per operation rose across
    them (a local slope ``local_k`` above ``expected``); outgrowing a cache never makes each
    operation faster, so a slope at or below ``expected`` rules the cache out (NO "per_op_fell").
    ``refuted``: an experiment's finding about this change (``{"reason", "numbers"}``, and
    ``"outcome"``, NO by default): e.g. no step in a version that allocates nothing rules out a
    cache that the sizes alone would have offered (NO), and an experiment that does not reproduce
    the change leaves it undecided (UNKNOWN). ``k_before``: the slope of the fitted piece before
    the change; where the time per operation still fell but less steeply than there (``local_k``
    between ``k_before`` and ``expected``: the fixed cost still being spread while something added
    cost), the cache is neither shown nor ruled out (UNKNOWN "fall_slowed"). ``dilution``: for
    that case, how much the time per operation fell across the change (``fall``, a share) and the
    fitted fixed cost's share of the time at the left size (``fixed_share``): spreading that cost
    over more operations cannot make each one cheaper by more than that share. Where no cache's
    size is near but the working sets lie below a cache shared with unseen cores
    (:func:`unseen_shares`) and above the next smaller one, UNKNOWN "share_unknown": the share a
    process here gets could lie between them."""
    v = verdicts.boundary(b_left, b_right, cache_marks(caches))
    if v.outcome == verdicts.NO:
        # no cache's nominal size is near, but a cache shared with unseen cores may hold less here
        shared = next((u for u in unseen_shares(caches) if b_right > u["floor"] and b_left < u["value"]), None)
        if shared:
            return verdicts.Verdict(UNKNOWN, "share_unknown", {**v.numbers, "shared": shared}).to_dict()
    if v.outcome == verdicts.NO or v.reason == "no_marks":
        return v.to_dict()
    slope = {"local_k": local_k} if local_k is not None and math.isfinite(local_k) else {}
    if slope and local_k <= expected:
        if k_before is not None and math.isfinite(k_before) and local_k > k_before:
            d = dilution or {}
            return verdicts.Verdict(verdicts.UNKNOWN, "fall_slowed", {
                **v.numbers, **slope, "k_before": k_before, "was": v.reason, "fall": d.get("fall"),
                "fixed_share": d.get("fixed_share"),
                # None where the fixed cost is unknown: the dilution can then be neither shown nor ruled out
                "beyond_dilution": (d["fall"] > d["fixed_share"]) if d.get("fixed_share") is not None else None,
            }).to_dict()
        return verdicts.Verdict(verdicts.NO, "per_op_fell", {**v.numbers, **slope, "was": v.reason}).to_dict()
    if refuted:
        return verdicts.Verdict(refuted.get("outcome", verdicts.NO), refuted["reason"],
                                {**v.numbers, **slope, "was": v.reason, **refuted["numbers"]}).to_dict()
    return {**v.to_dict(), "numbers": {**v.numbers, **slope}}


def relation(law: dict, expected: float, working_set, caches: list, faults: dict, page: int,
             load: tuple[float, float] = (float("nan"), float("nan")), times: dict | None = None,
             refuted: dict | None = None, minima: dict | None = None) -> dict:
    """The relation sentence's content for one series.

    ``working_set(n)``: bytes of operands and result at size n; ``faults``: median minor page
    faults per run by size (NaN or absent where not measured); ``page``: the page size in bytes;
    ``load``: (cores other processes kept busy, cores the series used), for :func:`verdicts.guard`;
    ``times``: the estimate by size (:func:`kadai.raw.reproduced`), for the direction of each change
    (:func:`cache_verdict`) and the measured factor across each transition; ``refuted``: (n_left,
    n_right) of a break → an experiment's finding that rules out its data's size (:func:`cache_verdict`).
    Regimes are the stretches of at least ``min_points`` sizes over more than an octave;
    transitions, the shorter ones between them (or, with ``edge``, stubs at either end of the
    fitted range), are described but carry no claim. ``beyond``: the transitions past the largest
    regime, which the series' verdict does not cover, each with ``above`` (its slope's interval
    lies wholly above ``expected``: each operation got slower there). ``unfitted_above``: the sizes
    in ``times`` past the fitted range (their minimum not seen twice, so left out of the fit), with
    the range of their time per operation over that of the largest fitted size, from the estimates
    (``per_op_lo``/``_hi``) and, given ``minima`` (the fastest run by size), from the minima
    (``per_op_min_lo``/``_hi``): neither is reproduced there, so both are told (None if no such size).
    """
    reg = law["regimes"]
    segments = reg["segments"]
    single = len(segments) == 1
    regimes = [regime(law["power"] if single else s, expected, law.get("sizes"))
               for s in segments if not s.get("transition")]
    for r in regimes:  # a series that used several cores on a busy machine decides nothing
        r["verdict"] = verdicts.guard(r["verdict"], *load)
        r["off_line"] = off_line(r, law.get("sizes"), times or {})
        r["caches_inside"] = caches_inside(r, expected, working_set, caches, reg["breaks"])
    # a slope through two points has no interval worth printing: its half-width is dropped here, once
    # … and is told by the measured factor across it (the estimates at its two ends)
    fastest = times or {}
    transitions = [{**{k: s[k] for k in ("n_first", "n_last", "n_points", "k")},
                    "k_halfwidth": s["k_halfwidth"] if s["n_points"] > 2 else None,
                    "time_ratio": (fastest[s["n_last"]] / fastest[s["n_first"]]
                                   if fastest.get(s["n_first"]) and fastest.get(s["n_last"]) else None),
                    "two_points": s["n_points"] == 2, "edge": bool(s.get("edge"))}
                   for s in segments if s.get("transition")]
    # what lies past the largest regime (the sizes its verdict does not cover), each stretch saying
    # whether each operation surely got slower there (the slope's interval wholly above expected)
    last = max(r["n_last"] for r in regimes)
    beyond = [{**t, "above": t["k_halfwidth"] is not None and t["k"] - t["k_halfwidth"] > expected}
              for t in transitions if t["n_first"] >= last]
    # measured sizes past the fitted range (left out of the fit: raw.fit_rows), with how their time
    # per operation compares with that of the largest fitted size
    top = max(s["n_last"] for s in segments)
    above = sorted(n for n in fastest if n > top)
    def per_op(t: dict) -> list[float]:
        return [t[n] / t[top] / (n / top) ** expected for n in above if t.get(top) and t.get(n)]
    est, low = per_op(fastest), per_op(minima or {})
    unfitted_above = {"n_first": int(above[0]), "n_last": int(above[-1]), "count": len(above), "from": int(top),
                      "per_op_lo": min(est, default=None), "per_op_hi": max(est, default=None),
                      "per_op_min_lo": min(low, default=None), "per_op_min_hi": max(low, default=None)} \
        if above else None
    fixed = law.get("overhead", {}).get("c")  # the fitted fixed cost per call; NaN where that fit failed
    fixed = fixed if fixed is not None and math.isfinite(fixed) and fixed >= 0 else None
    breaks = []
    for (n_left, n_right) in reg["breaks"]:
        b_left, b_right = float(working_set(n_left)), float(working_set(n_right))
        t_l, t_r = ((times or {}).get(n_left), (times or {}).get(n_right))
        local_k = local_slope(n_left, t_l, n_right, t_r)
        before = [sg for sg in segments if sg["n_first"] < n_left]  # the fitted piece the change follows
        k_before = float(max(before, key=lambda sg: sg["n_first"])["k"]) if before else None
        dilution = None
        if local_k is not None and t_l:
            dilution = {"fall": float(1 - (n_right / n_left) ** (local_k - expected)),
                        "fixed_share": float(fixed / t_l) if fixed is not None else None}
        breaks.append({"n_left": n_left, "n_right": n_right, "bytes_left": b_left, "bytes_right": b_right,
                       "local_k": local_k, "cache": cache_verdict(b_left, b_right, caches, local_k, expected,
                                                      (refuted or {}).get((n_left, n_right)), k_before, dilution),
                       "faults": faults_verdict(faults.get(n_left), faults.get(n_right), b_left, b_right,
                                                page).to_dict()})
    return {"kind": "single" if single else "regimes", "expected": expected, "regimes": regimes,
            "transitions": transitions, "beyond": beyond, "unfitted_above": unfitted_above, "breaks": breaks,
            "verdict": regimes[-1]["verdict"],
            "widest_halfwidth": max((r["k_halfwidth"] for r in regimes if r["k_halfwidth"] is not None),
                                    default=None)}


def records(prefix: str, question: str, rel: dict) -> list[dict]:
    """One load-test entry per regime, with its N range as its span: the question "t ∝ N^k on
    N = a–b" is the same question in two builds only where their ranges overlap (a busy build may
    stop at a smaller N, or place a break elsewhere)."""
    return [verdicts.record(f"{prefix}/exponent/N={r['n_first']}-{r['n_last']}",
                            f"{question} on N = {r['n_first']}–{r['n_last']}", r["verdict"],
                            span=(f"{prefix}/exponent", r["n_first"], r["n_last"]), nested=True)
            for r in rel["regimes"]]


def tally(relations: list[dict]) -> dict:
    """How many series' asymptotic exponents match the expected one: yes / no / cannot tell."""
    out = {YES: 0, NO: 0, UNKNOWN: 0, "total": len(relations),
           "expected": relations[0]["expected"] if relations else None}
    for r in relations:
        out[r["verdict"]["outcome"]] += 1
    out["all_yes"] = bool(relations) and out[YES] == len(relations)
    return out
