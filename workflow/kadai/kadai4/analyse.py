"""課題4 analysis: every setting's runs (accuracy, every seed) and every parameter's alternated
timing (training time) in; per parameter, the settings' accuracy and time and whether the
parameter has an effect on each (findings).

"Has an effect" (:func:`kadai.verdicts.effect`): some two settings differ by more than a
practically relevant amount, with confidence (Bonferroni over the pairs). Accuracy is compared
over the seeds; time over the timing rounds, round by round, as a ratio.

The verdict's deciding pair is the largest difference *among those beyond the threshold*; the
largest difference of all (:func:`largest`) may be another setting whose interval straddles it.
Both are kept: the verdict sentence words the first, the effects table and the ranking the second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fit, raw, verdicts
from ..io import read_csv, write_json
from ..rows import RUNS4, TIMING4
from ..train.spec import parse_optimizer
from .labels import LABELS, LADDER, PARAMS, SIGMOID_FORMS
from .settings import spec_of

ACC_EFFECT = 0.005   # accuracy changes below half a percentage point are no effect
TIME_EFFECT = 0.1    # training-time changes below 10 % are no effect
SPREAD_FACTOR = 5.0  # a setting whose seed sd exceeds 5× the pooled sd of the study's other settings is
#                      noted (with 3 seeds per setting, a variance ratio of 25 has p ≈ 0.001 under F(2, 6))
ACC_RANGE = 1.0      # two accuracies differ by at most 1 (100 points): an interval reaching beyond says nothing
SCALE_FREE = ("adam",)  # optimisers that divide each parameter's step by its own gradient's running size


def load_runs(paths) -> pd.DataFrame:
    return pd.concat([read_csv(p, RUNS4) for p in paths], ignore_index=True)


def setting_runs(runs, param: str, value: str, baseline: dict) -> pd.DataFrame:
    """The per-epoch rows of one setting: the baseline's runs where it equals the baseline; for the
    epochs study, the long run up to epoch ``value``."""
    if param == "epochs":
        return runs[(runs.param == "epochs") & (runs.epoch <= int(value))]
    same = str(baseline[param]) == value
    return runs[runs.param == "baseline"] if same else runs[(runs.param == param) & (runs.value == value)]


def losses_of(runs, param: str, value: str, baseline: dict) -> pd.DataFrame:
    """Training loss (the mean over the epoch's batches), one row per seed, one column per epoch."""
    g = setting_runs(runs, param, value, baseline)
    return g.pivot(index="seed", columns="epoch", values="loss").sort_index(axis=1)


def seed_accuracy(runs, param: str, value: str, baseline: dict) -> tuple[np.ndarray, int]:
    """Accuracy after the setting's last epoch for every seed, and the parameter count."""
    acc, n_params = accuracy_by_seed(runs, param, value, baseline)
    return acc.to_numpy(), n_params


def paired_by_seed(param: str) -> bool:
    """Are a study's settings measured on the same runs? The epochs study reads every epoch count
    from one long run per seed, so its accuracies are paired seed by seed (not independent)."""
    return param == "epochs"


def seed_accuracies(runs, param: str, values, baseline: dict) -> dict:
    """Each setting's accuracies for the effect tests: where :func:`paired_by_seed`, aligned on the
    seeds (NaN where a seed lacks the setting, so that the pair is dropped); else each as measured."""
    per = {str(v): accuracy_by_seed(runs, param, str(v), baseline)[0] for v in values}
    return aligned(per) if paired_by_seed(param) else {v: a.to_numpy() for v, a in per.items()}


def aligned(per_seed: dict) -> dict:
    """Accuracies indexed by seed as arrays over every seed any of them has (NaN where one lacks
    a seed, so that a paired test drops that seed)."""
    seeds = sorted(set().union(*(a.index for a in per_seed.values())))
    return {k: a.reindex(seeds).to_numpy(float) for k, a in per_seed.items()}


def accuracy_by_seed(runs, param: str, value: str, baseline: dict) -> tuple[pd.Series, int]:
    """Accuracy after the setting's last epoch, indexed by seed, and the parameter count."""
    if param == "epochs":
        # one long run per seed gives every epoch count: the accuracy after epoch v
        g = runs[(runs.param == "epochs") & (runs.epoch == int(value))]
    else:
        same = str(baseline[param]) == value
        g = runs[runs.param == "baseline"] if same else runs[(runs.param == param) & (runs.value == value)]
        g = g[g.epoch == g.epoch.max()]
    return g.set_index("seed").accuracy.sort_index(), int(g.params.iloc[0])


def round_times(timing: pd.DataFrame) -> pd.DataFrame:
    """Training seconds: one row per round, one column per setting (undisturbed runs only)."""
    ok = timing[timing.status == "ok"]
    return ok.pivot(index="round", columns="value", values="seconds")


def study_of(runs, timing, param: str, values, baseline: dict) -> dict:
    times = round_times(timing)
    rows, accs = [], {}
    for v in map(str, values):
        acc, n_params = seed_accuracy(runs, param, v, baseline)
        t = times[v].dropna().to_numpy()
        med, lo, hi, _ = verdicts.median_interval(t)
        accs[v] = acc
        rows.append({"value": v, "label": LABELS.get(v, v), "acc": float(acc.mean()), "acc_sd": float(acc.std(ddof=1)),
                     "time": med, "time_lo": lo, "time_hi": hi, "params": n_params, "seeds": int(len(acc)),
                     "rounds": int(len(t))})
    df = pd.DataFrame(rows).fillna({"acc_sd": 0.0})
    complete = times[[str(v) for v in values]].dropna()
    ref = str(baseline[param]) if str(baseline[param]) in accs else None  # compare each setting with the baseline
    acc_effect = verdicts.effect(seed_accuracies(runs, param, values, baseline), ACC_EFFECT, reference=ref,
                                 paired=paired_by_seed(param)).to_dict()
    time_effect = verdicts.guard(verdicts.effect({v: complete[v].to_numpy() for v in complete}, TIME_EFFECT,
                                                 relative=True, paired=True, reference=ref), *raw.load_of(timing))
    for e in (acc_effect, time_effect):  # the deciding pair's settings by their names, and the change as a size
        e["numbers"].update({f"{k}_label": LABELS.get(e["numbers"].get(k), e["numbers"].get(k)) for k in "ab"})
        e["numbers"].update(magnitude(e["numbers"]))
    acc_effect["numbers"]["wide"] = beyond_range(acc_effect["numbers"], ACC_RANGE)
    acc_effect["numbers"]["side"] = side_of_zero(acc_effect)
    acc_pairs = pair_intervals(acc_effect)
    acc_largest = largest(acc_effect, acc_pairs, limit=ACC_RANGE)
    time_pairs = pair_intervals(time_effect)
    time_largest = largest(time_effect, time_pairs)
    best, worst = df.loc[df.acc.idxmax()].to_dict(), df.loc[df.acc.idxmin()].to_dict()
    spread = seed_spread(accs)
    for sv in spread:  # does the seeds' spread of accuracy go with how far their training loss fell?
        sv["learning"] = seed_learning(runs, param, sv["value"], baseline, accs[sv["value"]],
                                       [v for v in accs if v != sv["value"]])
    described = {ref, acc_effect["numbers"].get("b") if acc_effect["outcome"] != "no" else None,
                 acc_largest["b"] if acc_largest["note"] else None}
    return {"name": PARAMS[param][0], "numeric": PARAMS[param][1], "rows": df.to_dict("records"),
            "acc_effect": acc_effect, "time_effect": time_effect,
            "acc_largest": acc_largest, "time_largest": time_largest, "spread": spread,
            "acc_shown": deciding(acc_effect, acc_pairs, acc_largest, limit=ACC_RANGE),
            "time_shown": deciding(time_effect, time_pairs, time_largest),
            "acc_bounds": bounds(acc_pairs, ACC_RANGE),
            "best_vs_base": None if best["value"] in described else best_vs_base(acc_pairs, best["value"]),
            "best": best, "worst": worst,
            "fastest": df.loc[df.time.idxmin()].to_dict(), "slowest": df.loc[df.time.idxmax()].to_dict(),
            "accs": {k: v.tolist() for k, v in accs.items()}}


def holds_zero(numbers: dict) -> bool:
    """Does the interval of a shown difference (``lo``, ``hi``; missing ends as 0) hold 0?"""
    return (numbers.get("lo") or 0) * (numbers.get("hi") or 0) <= 0


def side_of_zero(effect: dict) -> str | None:
    """An undecided effect whose interval lies wholly above or below 0: "up" or "down" (the setting
    surely changes the accuracy that way; only whether by more than the threshold is open). None
    where the verdict is decided, or the interval holds 0, or there is none."""
    n = effect["numbers"]
    lo, hi = n.get("lo"), n.get("hi")
    if effect["outcome"] != verdicts.UNKNOWN or lo is None or hi is None or n.get("wide"):
        return None
    return "up" if lo > 0 else "down" if hi < 0 else None


def beyond_range(numbers: dict, limit: float | None) -> bool:
    """Does the interval reach beyond the differences that can occur (±``limit``)? Such an interval
    (a t interval from a few widely scattered seeds) bounds nothing and is not printed as numbers."""
    lo, hi = numbers.get("lo"), numbers.get("hi")
    return limit is not None and lo is not None and hi is not None and (lo < -limit or hi > limit)


def pair_intervals(effect: dict) -> list[dict]:
    """Every pair the verdict compared (:func:`kadai.verdicts.effect`'s ``pairs``, at its own
    Bonferroni confidence, with each pair's yes / no / unknown against the threshold), with the
    settings' names. Empty where the verdict had too few samples."""
    n = effect["numbers"]
    return [{**q, "a_label": LABELS.get(q["a"], q["a"]), "b_label": LABELS.get(q["b"], q["b"]),
             "min_effect": n["min_effect"], "relative": n["relative"]} for q in n.get("pairs", [])]


def bounds(pairs: list[dict], limit: float) -> dict:
    """How large the parameter's effect (its largest difference from the baseline) can be, from
    every pair's interval: ``lower``, the largest end nearest 0 of the intervals that hold no 0
    (0 where every interval holds 0): the size the effect surely exceeds; ``upper``, the largest
    far end, cut at ``limit`` (the largest difference possible). With no pairs: 0 to ``limit``."""
    lower, upper, by = 0.0, 0.0, None
    for q in pairs:
        near = 0.0 if q["lo"] * q["hi"] <= 0 else min(abs(q["lo"]), abs(q["hi"]))
        if near > lower:
            lower, by = near, q
        upper = max(upper, min(max(abs(q["lo"]), abs(q["hi"])), limit))
    return {"lower": lower, "upper": upper if pairs else limit, "by": by["b"] if by else None,
            "by_label": by["b_label"] if by else None}


def rank(study: dict) -> list:
    """The parameters by the size their accuracy effect surely exceeds (``bounds`` lower), largest
    first; equal ones by their largest estimate (:func:`strength`)."""
    return sorted(study, key=lambda p: (-study[p]["acc_bounds"]["lower"], -strength(study[p]["acc_largest"])))


def dominance(study: dict, ranking: list) -> dict:
    """Which parameters' accuracy effects the intervals order: p is larger than q where p's lower
    bound exceeds q's upper bound (:func:`bounds`) by ACC_EFFECT or more, the smallest difference
    of accuracy that counts (a lower bound of 20.53 points against an upper one of 20.52 orders
    nothing a reader can see). ``groups``: the parameters in ranking order,
    those surely larger than the same set of others together, with that set (in ranking order);
    parameters larger than none are left out. ``undecided``: some two parameters are ordered
    neither way (their intervals overlap)."""
    below = {p: [q for q in ranking
                 if study[p]["acc_bounds"]["lower"] >= study[q]["acc_bounds"]["upper"] + ACC_EFFECT]
             for p in ranking}
    groups: list[dict] = []
    for p in ranking:
        if not below[p]:
            continue
        g = next((g for g in groups if g["below"] == below[p]), None)
        if g is None:
            groups.append({"params": [p], "below": below[p]})
        else:
            g["params"].append(p)
    undecided = any(q not in below[p] and p not in below[q] for i, p in enumerate(ranking) for q in ranking[i + 1:])
    return {"groups": groups, "undecided": undecided}


def best_vs_base(pairs: list[dict], best: str) -> dict | None:
    """The most accurate setting against the baseline: that pair's interval and outcome (at the
    verdict's Bonferroni level), as a direction and size. None where it was not compared."""
    q = next((q for q in pairs if q["b"] == best), None)
    # ``above_zero``: surely higher than the baseline, though maybe not by the threshold
    return None if q is None else {**q, **magnitude(q), "above_zero": bool(q["lo"] > 0)}


def magnitude(numbers: dict) -> dict:
    """The change from setting a to b as a direction and a size: ``down`` 23.3 (interval 16.8–29.8)
    rather than −23.3 (−29.8 to −16.8); the interval's ends are None where it contains 0."""
    est, lo, hi = (numbers.get(k) for k in ("estimate", "lo", "hi"))
    if est is None or lo is None or hi is None:
        return {"direction": None, "size": None, "size_lo": None, "size_hi": None}
    same_sign = lo * hi > 0
    ends = sorted((abs(lo), abs(hi)))
    return {"direction": "down" if est < 0 else "up", "size": abs(est),
            "size_lo": ends[0] if same_sign else None, "size_hi": ends[1] if same_sign else None}


def largest(effect: dict, pairs: list[dict], *, limit: float | None = None) -> dict:
    """The compared pair with the largest difference of all (``pairs``: :func:`pair_intervals`).
    ``effect``'s deciding pair is the largest among the pairs *beyond* the threshold, so the two
    differ where a larger difference straddles it. ``outcome``: that pair's own yes / no / unknown
    against the threshold; ``note``: the verdict is yes but decided by another, smaller difference
    (the report then says so); ``wide``: its interval reaches beyond ±``limit``, the largest
    difference that can occur. The estimate is None where the verdict had too few samples."""
    n = effect["numbers"]
    out = {"a": None, "b": None, "a_label": None, "b_label": None, "estimate": None, "lo": None, "hi": None,
           "min_effect": n["min_effect"], "outcome": effect["outcome"], "note": False, "wide": False,
           **magnitude({})}
    if not pairs:
        return out
    # the scale verdicts.effect ranks pairs on
    q = max(pairs, key=lambda q: abs(np.log1p(q["estimate"])) if n["relative"] else abs(q["estimate"]))
    return _entry(out, q, limit, note=effect["outcome"] == "yes" and (q["a"], q["b"]) != (n.get("a"), n.get("b")))


def _entry(out: dict, q: dict, limit: float | None, note: bool) -> dict:
    out = {**out, "a": q["a"], "b": q["b"], "a_label": q["a_label"], "b_label": q["b_label"],
           "estimate": q["estimate"], "lo": q["lo"], "hi": q["hi"], "outcome": q["outcome"], "note": note}
    out.update(magnitude(out), wide=beyond_range(out, limit))
    return out


def deciding(effect: dict, pairs: list[dict], biggest: dict, *, limit: float | None = None) -> dict:
    """The pair the effects figure shows for a parameter: the one its verdict rests on where that is
    not the largest difference (``biggest``, :func:`largest`, with ``note``), else ``biggest``: the
    figure then shows, like the table's verdict column, the difference that decided."""
    if not biggest["note"]:
        return biggest
    n = effect["numbers"]
    q = next(q for q in pairs if (q["a"], q["b"]) == (n.get("a"), n.get("b")))
    return _entry(biggest, q, limit, note=False)


def seed_spread(accs: dict, factor: float = SPREAD_FACTOR) -> list[dict]:
    """Settings whose accuracy over the seeds spreads far more than the study's other settings do:
    sample sd > ``factor`` × the pooled sd of the others (root of their mean variance). Such a
    setting's mean is poorly fixed by a few seeds, which the report notes."""
    out = []
    for v, a in accs.items():
        a = np.asarray(a, float)
        others = [np.var(np.asarray(o, float), ddof=1) for k, o in accs.items() if k != v and len(o) > 1]
        if a.size < 2 or not others:
            continue
        sd, pooled = float(a.std(ddof=1)), float(np.sqrt(np.mean(others)))
        if pooled > 0 and sd > factor * pooled:
            out.append({"value": v, "label": LABELS.get(v, v), "accs": a.tolist(), "sd": sd, "pooled": pooled,
                        "ratio": sd / pooled, "factor": factor})
    return out


def loss_falls(losses: pd.DataFrame) -> pd.Series:
    """Per seed, the share of the first epoch's training loss gone by the last epoch."""
    first, last = losses.iloc[:, 0], losses.iloc[:, -1]
    return (first - last) / first


def seed_learning(runs, param: str, value: str, baseline: dict, accs, others: list) -> dict | None:
    """A setting whose seeds' accuracies scatter (:func:`seed_spread`): did the least accurate
    seed's training loss fall least, from the logs? ``agrees``: the least accurate seed is the one
    whose loss fell by the smallest share; ``below_others``: that share is below every seed's of
    every other setting of the study (``others``). None with fewer than two epochs."""
    losses = losses_of(runs, param, value, baseline)
    if losses.shape[1] < 2 or len(losses) != len(accs):
        return None
    falls = loss_falls(losses)
    seed = int(losses.index[int(np.argmin(accs))])
    rest = falls.drop(seed)
    other = []
    for v in others:
        o = losses_of(runs, param, v, baseline)
        if o.shape[1] >= 2:
            other += loss_falls(o).dropna().tolist()
    return {"seed": seed, "acc": float(np.min(accs)), "first": float(losses.loc[seed].iloc[0]),
            "last": float(losses.loc[seed].iloc[-1]), "fall": float(falls[seed]),
            "first_epoch": int(losses.columns[0]), "last_epoch": int(losses.columns[-1]),
            "rest_lo": float(rest.min()) if len(rest) else None, "rest_hi": float(rest.max()) if len(rest) else None,
            "agrees": bool(falls[seed] == falls.min() and (rest > falls[seed]).all()),
            "others_min": float(min(other)) if other else None,
            "below_others": bool(other) and bool(falls[seed] < min(other))}


def baseline_time(study: dict, baseline: dict, threshold: float = TIME_EFFECT) -> dict | None:
    """The baseline setting is timed again in every study (its rounds alternate with that study's
    other settings). Its median time ranges from ``min`` to ``max`` over the studies; ``outcome``
    "apart" where those two medians' 95 % intervals do not overlap (the same setting took
    different times in different studies), "overlap" where they do (the difference is within the
    round-to-round spread). ``widest``: the study whose interval is widest; ``wide``: its upper end
    exceeds its lower by more than the time threshold, so one study's median is not known to the
    threshold either. Either way times compare only within one study (round by round) where
    ``within_table``. None with fewer than two studies holding the baseline."""
    rows = []
    for p, st in study.items():
        r = next((r for r in st["rows"] if r["value"] == str(baseline[p])), None)
        if r is not None:
            rows.append({"param": p, "name": st["name"], "time": r["time"], "lo": r["time_lo"], "hi": r["time_hi"]})
    if len(rows) < 2:
        return None
    lo, hi = min(rows, key=lambda r: r["time"]), max(rows, key=lambda r: r["time"])
    known = [r for r in rows if np.isfinite(r["lo"]) and np.isfinite(r["hi"]) and r["lo"] > 0]
    widest = max(known, key=lambda r: r["hi"] / r["lo"]) if known else None
    have = all(np.isfinite(x) for x in (lo["lo"], lo["hi"], hi["lo"], hi["hi"]))
    outcome = "unknown" if not have else "apart" if lo["hi"] < hi["lo"] else "overlap"
    wide = widest is not None and widest["hi"] / widest["lo"] - 1 > threshold
    return {"rows": rows, "min": lo, "max": hi, "spread": hi["time"] / lo["time"] - 1, "threshold": threshold,
            "studies": len(rows), "outcome": outcome, "widest": widest,
            "widest_ratio": widest["hi"] / widest["lo"] if widest else None, "wide": wide,
            "within_table": outcome == "apart" or wide}


def loss_trend(runs, param: str, value: str, baseline: dict) -> dict | None:
    """Did the training loss of one setting fall over its epochs? Per seed, the loss after the
    first and the last epoch; ``outcome``: "falls" (lower at the end in every seed), "rises" (not
    lower in any seed) or "mixed"; ``steps_down`` of ``steps``: epoch-to-epoch decreases over all
    seeds. None with fewer than two epochs (nothing to compare)."""
    losses = losses_of(runs, param, value, baseline)
    if losses.shape[1] < 2:
        return None
    first, last = losses.iloc[:, 0], losses.iloc[:, -1]
    diffs = np.diff(losses.to_numpy(float), axis=1)
    falls = last < first
    outcome = "falls" if falls.all() else "rises" if not falls.any() else "mixed"
    return {"value": value, "label": LABELS.get(value, value), "first": float(first.mean()),
            "last": float(last.mean()), "epochs": int(losses.columns.max()), "seeds": int(len(losses)),
            "seeds_falling": int(falls.sum()), "steps": int(np.isfinite(diffs).sum()),
            "steps_down": int((diffs < 0).sum()), "outcome": outcome}


def final_losses(runs, param: str, values, worst: str, baseline: dict) -> dict | None:
    """The least accurate setting's training loss at the end against the study's other settings'.
    A learning rate too large for the minimum predicts a loss that stops falling at a higher
    value: ``higher``: its last-epoch loss is above every seed's of every other setting, in every
    seed; ``flatter``: the share its loss fell in the last epoch is below every other setting's,
    in every seed; ``consistent``: both. Means over the seeds for the text. None where a setting
    has fewer than two epochs or there is no other setting."""
    last, step = {}, {}
    for v in map(str, values):
        losses = losses_of(runs, param, v, baseline)
        if losses.shape[1] < 2:
            return None
        last[v] = losses.iloc[:, -1].to_numpy(float)
        step[v] = ((losses.iloc[:, -2] - losses.iloc[:, -1]) / losses.iloc[:, -2]).to_numpy(float)
    others = [v for v in last if v != worst]
    if worst not in last or not others:
        return None
    o_last = np.concatenate([last[v] for v in others])
    o_step = np.concatenate([step[v] for v in others])
    means = {v: float(last[v].mean()) for v in others}
    steps = {v: float(step[v].mean()) for v in others}
    higher = bool(last[worst].min() > o_last.max())
    flatter = bool(step[worst].max() < o_step.min())
    closest = max(means, key=means.get)
    return {"value": worst, "label": LABELS.get(worst, worst), "last": float(last[worst].mean()),
            "others_lo": min(means.values()), "others_hi": max(means.values()), "closest": closest,
            "closest_label": LABELS.get(closest, closest), "ratio": float(last[worst].mean()) / means[closest],
            "step": float(step[worst].mean()), "others_step_lo": min(steps.values()),
            "others_step_hi": max(steps.values()), "seeds": int(len(last[worst])),
            "higher": higher, "flatter": flatter, "consistent": higher and flatter}


def last_losses(runs, param: str, a: str, b: str, baseline: dict):
    """Settings ``a`` and ``b``'s training losses after their last epoch, over the seeds both have
    (a seed gives both the same initial weights and batches): (a's, b's, epochs of b), or None
    without a common seed."""
    la, lb = losses_of(runs, param, a, baseline), losses_of(runs, param, b, baseline)
    common = la.index.intersection(lb.index)
    if not len(common) or lb.shape[1] < 1:
        return None
    return la.loc[common].iloc[:, -1], lb.loc[common].iloc[:, -1], int(lb.columns.max())


def smaller_rate(runs, values, worst: str, baseline: dict) -> dict | None:
    """The least accurate optimiser setting against the same optimiser at the nearest smaller
    learning rate in ``values`` (the only difference between the two), seed by seed: its training
    loss after the last epoch, ``factor`` (the worst's rate over it) and ``all_lower`` (lower in
    every seed both have), the comparison that isolates the rate. None where the study has no such
    setting."""
    name, rate = parse_optimizer(worst)
    if rate is None:
        return None
    rates = [(r, str(v)) for v in values for n, r in [parse_optimizer(v)] if n == name and r is not None and r < rate]
    if not rates:
        return None
    lr, other = max(rates)
    last = last_losses(runs, "optimizer", str(worst), other, baseline)
    if last is None:
        return None
    la, lb, epochs = last
    return {"value": other, "label": LABELS.get(other, other), "name": name, "factor": rate / lr,
            "last": float(lb.mean()), "worst_last": float(la.mean()), "epochs": epochs,
            "seeds": int(len(lb)), "lower": int((lb < la).sum()), "all_lower": bool((lb < la).all())}


def best_loss(runs, param: str, best: str, baseline: dict) -> dict | None:
    """The most accurate setting's training loss after its last epoch against the baseline's, seed
    by seed (both train the same epochs on the same loss): did it also fit the training data
    further in that time? ``below``: its mean is lower; ``all_lower``: lower in every seed both
    have. None where the best setting is the baseline or they share no seed."""
    base = str(baseline[param])
    last = None if str(best) == base else last_losses(runs, param, base, str(best), baseline)
    if last is None:
        return None
    la, lb, epochs = last
    return {"value": str(best), "label": LABELS.get(str(best), str(best)), "base_label": LABELS.get(base, base),
            "last": float(lb.mean()), "base_last": float(la.mean()), "epochs": epochs,
            "seeds": int(len(lb)), "lower": int((lb < la).sum()), "below": bool(lb.mean() < la.mean()),
            "all_lower": bool((lb < la).all())}


def conclusion(study: dict, ranking: list) -> list[dict]:
    """The parameters grouped by their (accuracy, time) outcomes, groups in a fixed order (both
    effects first, nothing decided last), parameters in ranking order within a group."""
    order = [("yes", "yes"), ("yes", "unknown"), ("yes", "no"), ("unknown", "yes"), ("no", "yes"),
             ("unknown", "unknown"), ("unknown", "no"), ("no", "unknown"), ("no", "no")]
    out = []
    for acc, time in order:
        names = [study[p]["name"] for p in ranking
                 if (study[p]["acc_effect"]["outcome"], study[p]["time_effect"]["outcome"]) == (acc, time)]
        if names:
            out.append({"acc": acc, "time": time, "key": f"{acc}/{time}", "names": names})
    return out


def fewest_updates_least_accurate(st: dict, baseline: dict) -> dict:
    """Batch-size study: is the least accurate setting the largest batch (the fewest updates for
    the same epochs), and not the baseline's own batch?"""
    big = str(max(int(r["value"]) for r in st["rows"]))
    return {"largest_batch": big,
            "fewest_least_accurate": st["worst"]["value"] == big and big != str(baseline["batch_size"])}


def update_cost(timing: pd.DataFrame) -> dict | None:
    """What the number of updates costs (the batch-size study): in every round, the training times
    of the settings are fitted by least squares as t = a + c·U, U the optimiser steps of the run
    (fewer examples per step means more steps for the same epochs; a, the time that grows with the
    examples, is the same for all). c is the time of one update beyond its examples; the question
    is whether c·U makes at least ``TIME_EFFECT`` of the time of the setting with the most
    updates, decided on the rounds' median (:func:`kadai.verdicts.median_at_least`). None where no
    round holds every setting undisturbed (nothing to fit)."""
    times = round_times(timing).dropna()
    if times.empty:
        return None
    steps = timing[timing.status == "ok"].groupby("value").updates.first()
    u = steps[times.columns].to_numpy(float)
    most = str(times.columns[int(np.argmax(u))])
    slopes, shares = [], []
    for _, t in times.iterrows():
        c, _a = np.polyfit(u, t.to_numpy(float), 1)
        slopes.append(c)
        shares.append(c * u.max() / t[most])
    verdict = verdicts.median_at_least(shares, TIME_EFFECT)
    c_med, c_lo, c_hi, _ = verdicts.median_interval(slopes)
    return {"per_update": c_med, "per_update_lo": c_lo, "per_update_hi": c_hi, "most": most,
            "most_label": LABELS.get(most, most), "updates": {str(k): int(v) for k, v in steps.items()},
            "verdict": verdicts.guard(verdict, *raw.load_of(timing))}


def same_updates(timing: pd.DataFrame) -> int | None:
    """The optimiser steps of one run where every ok run of the timing took the same number (None
    otherwise)."""
    counts = timing[timing.status == "ok"].updates.unique()
    return int(counts[0]) if len(counts) == 1 else None


def fixed_by_updates(line: dict | None, uc: dict | None, timing: pd.DataFrame) -> dict | None:
    """Is the hidden-size line's fixed time (``line``, :func:`time_line`) the time its runs spend
    per update, measured apart in the batch-size study (``uc``, :func:`update_cost`)? The cost of
    one update times the updates of one hidden-size run (``timing``, all runs the same count), with
    its interval; ``where`` that interval lies against the fixed time's: "inside" (they overlap),
    "below" (the updates take less: they cannot make up the fixed time) or "above" (they take more:
    the batch-size study's cost per update also holds arithmetic that grows with the parameters,
    so it is no measure of the fixed part). None where either is missing or the runs' update
    counts differ."""
    u = same_updates(timing)
    if not line or not uc or u is None:
        return None
    lo, mid, hi = (uc[k] * u for k in ("per_update_lo", "per_update", "per_update_hi"))
    where = "below" if hi < line["fixed_lo"] else ("above" if lo > line["fixed_hi"] else "inside")
    return {"updates": u, "time": mid, "lo": lo, "hi": hi, "where": where}


def scale_free(optimizer: str) -> bool:
    """Does the optimiser divide each parameter's step by the running size of that parameter's own
    gradient (Adam)? Then gradients all scaled by one factor give the same steps, and smaller
    gradients alone do not make learning slower; with SGD the step is the gradient times the rate."""
    return str(optimizer).partition("@")[0] in SCALE_FREE


def contrast(accs: dict, expected_better: str, expected_worse: str) -> dict | None:
    """Does the textbook expectation hold in the data: ``expected_worse`` less accurate than
    ``expected_better`` by more than ``ACC_EFFECT`` (over the seeds)? ``outcome``: "as_expected",
    "opposite" (more accurate by more than the threshold), "negligible" (within it) or "unclear";
    None where the study lacks either setting."""
    if expected_better not in accs or expected_worse not in accs:
        return None
    v = verdicts.effect({expected_better: np.asarray(accs[expected_better]),
                         expected_worse: np.asarray(accs[expected_worse])}, ACC_EFFECT).to_dict()
    est = v["numbers"].get("estimate")  # mean(worse) − mean(better)
    outcome = {"yes": "as_expected" if est is not None and est < 0 else "opposite",
               "no": "negligible"}.get(v["outcome"], "unclear")
    return {"better": expected_better, "worse": expected_worse, "outcome": outcome, "verdict": v}


# |x| where b·σ(a·x) − c has half its slope at 0: σ(1 − σ) = 1/8 at a·x = 2·ln(1 + √2)
HALF_SLOPE_X = 2 * np.log1p(np.sqrt(2))
STEPS = ("slope", "range", "centre", "rest")  # what each neighbour pair of LADDER changes


def form_properties(value: str) -> dict:
    """An activation of the ladder: slope at 0 (ReLU: for x > 0), output range (None: unbounded) and
    the input where the slope has halved (None: never), from its (a, b, c) in b·σ(a·x) − c."""
    if value == "relu":
        return {"slope": 1.0, "low": 0.0, "high": None, "half_slope_x": None}
    a, b, c = SIGMOID_FORMS[value]
    return {"slope": a * b / 4, "low": float(-c), "high": float(b - c), "half_slope_x": float(HALF_SLOPE_X / a)}


def step_state(pair: dict) -> str:
    """A step up the ladder: "up"/"down" (accuracy changes beyond the threshold), "same" (within
    it) or "unclear"."""
    if pair["outcome"] == verdicts.YES:
        return "up" if pair["estimate"] > 0 else "down"
    return "same" if pair["outcome"] == verdicts.NO else "unclear"


def ladder_test(explain_runs) -> dict | None:
    """Which of Sigmoid's properties costs it accuracy against ReLU (:mod:`kadai.kadai4.explain`)?
    Neighbours on :data:`LADDER` compared seed by seed (a seed gives every activation the same initial
    weights and batches), one test over the 4 steps (Bonferroni over them). ``rows``: per activation
    its properties (:func:`form_properties`), mean accuracy and seed sd; ``steps``: per step (named
    by :data:`STEPS`) the change b − a (estimate, interval, outcome), its ``state``
    (:func:`step_state`) and ``share`` of the ReLU − Sigmoid gap of the means (the shares add up to
    1); ``causes``/``against``: the steps before ReLU that raise/lower accuracy; ``rest``: the last
    step's state (ReLU against the last Sigmoid form). None without every activation's runs."""
    if explain_runs is None or explain_runs.empty or not set(LADDER) <= set(explain_runs.value):
        return None
    last = explain_runs[explain_runs.epoch == explain_runs.epoch.max()]
    accs = aligned({v: g.set_index("seed").accuracy.sort_index() for v, g in last.groupby("value")})
    neighbours = list(zip(LADDER, LADDER[1:]))
    v = verdicts.effect({k: accs[k] for k in LADDER}, ACC_EFFECT, paired=True, pairs=neighbours).to_dict()
    groups = v["numbers"]["groups"]
    gap = groups["relu"]["mean"] - groups["sigmoid"]["mean"]
    found = {(p["a"], p["b"]): p for p in v["numbers"].get("pairs", [])}  # none where too few seeds
    steps = []
    for name, (a, b) in zip(STEPS, neighbours):
        p = found.get((a, b), {"estimate": groups[b]["mean"] - groups[a]["mean"], "lo": None, "hi": None,
                               "outcome": verdicts.UNKNOWN})
        steps.append({"name": name, "a": a, "b": b, "estimate": p["estimate"], "lo": p["lo"], "hi": p["hi"],
                      "outcome": p["outcome"], "state": step_state(p),
                      "share": (groups[b]["mean"] - groups[a]["mean"]) / gap if gap > 0 else None})
    rows = [{"value": k, "label": LABELS[k], **form_properties(k), "acc": groups[k]["mean"], "sd": groups[k]["sd"]}
            for k in LADDER]
    return {"rows": rows, "steps": steps, "gap": gap, "seeds": int(groups["sigmoid"]["count"]),
            "comparisons": int(v["numbers"]["n_pairs"]),
            "causes": [s["name"] for s in steps[:-1] if s["state"] == "up"],
            "against": [s["name"] for s in steps[:-1] if s["state"] == "down"],
            "rest": steps[-1]["state"], "verdict": v}


def plateau(runs, values, baseline: dict) -> dict:
    """Does accuracy still change between the two largest epoch counts?"""
    last, before = (str(v) for v in sorted(values)[-1:-3:-1])
    verdict = verdicts.effect(seed_accuracies(runs, "epochs", [before, last], baseline), ACC_EFFECT,
                              paired=paired_by_seed("epochs")).to_dict()
    # the baseline trains no longer than ``before`` while accuracy still rises after it: every other
    # study compares models that have not converged, so their differences include how fast each learns
    unconverged = verdict["outcome"] == verdicts.YES and verdict["numbers"]["estimate"] > 0 \
        and int(baseline["epochs"]) <= int(before)
    return {"before": before, "last": last, "verdict": verdict, "baseline_unconverged": bool(unconverged),
            "gain": verdict["numbers"]["estimate"] if unconverged else None}


def proportional(rows: list[dict], timing: pd.DataFrame, base_value=None) -> dict:
    """The hidden-size study's smallest and largest model: does the training time grow in
    proportion to the parameter count? The time ratio is taken round by round (paired) and
    :func:`kadai.verdicts.not_proportional` decides against the ratio of the parameter counts."""
    r = sorted(rows, key=lambda r: r["params"])
    lo, hi = r[0], r[-1]
    times = round_times(timing)[[lo["value"], hi["value"]]].dropna()
    time_ratio = verdicts.guard(verdicts.ratio(times[hi["value"]].to_numpy(), times[lo["value"]].to_numpy(), 1.0,
                                               paired=True), *raw.load_of(timing))
    verdict = verdicts.not_proportional(hi["params"] / lo["params"], time_ratio)
    return {"p_lo": lo["params"], "p_hi": hi["params"], "t_lo": lo["time"], "t_hi": hi["time"],
            "v_lo": lo["value"], "v_hi": hi["value"], "verdict": verdict,
            "line": time_line(rows, next((x["time"] for x in rows if x["value"] == str(base_value)), None))}


def time_line(rows: list[dict], t_base: float | None = None) -> dict | None:
    """A straight line through the median times against the parameter count, t = c + s·params
    (the hidden-size study, where only the arithmetic changes): ``fixed_s`` c, the part no
    parameter explains, ``per_param_s`` s, and ``fixed_share`` c / ``t_base`` (the baseline's
    median time; None where c ≤ 0 or unknown). None with fewer than three settings."""
    line = fit.straight_line([r["params"] for r in rows], [r["time"] for r in rows])
    if line is None:
        return None
    c = line["intercept"]
    return {"fixed_s": c, "fixed_lo": line["intercept_lo"], "fixed_hi": line["intercept_hi"],
            "per_param_s": line["slope"], "r2": line["r2"], "t_base": t_base,
            "fixed_share": float(c / t_base) if t_base and c > 0 else None}


def size_vs_time(st: dict, line: dict | None, updates: int | None = None) -> dict | None:
    """A structural study (the layer count): is its largest time change what its added arithmetic
    predicts? The prediction is the hidden-size study's :func:`time_line` against the parameter
    count (for fully connected layers the multiply–adds per image plus the biases).
    ``where``: the predicted change lies "inside" the measured change's 95 % interval, "below" it
    (time grew more than the arithmetic explains: a cost per layer beyond it) or "above" it.
    None where the time verdict could not be trusted or there is no line to predict with.
    ``extra_per_layer_update_s``: where the time grew beyond the prediction ("below"), that excess
    (the measured change minus the predicted one, times the median time of the fewer layers) per
    added layer and per update of one run (``updates``), else None."""
    tl = st["time_largest"]
    if tl["estimate"] is None or tl["lo"] is None or st["time_effect"]["reason"] in ("busy", "too_few") \
            or line is None:
        return None
    slope, intercept = line["per_param_s"], line["fixed_s"]
    params = {r["value"]: r["params"] for r in st["rows"]}
    pa, pb = params[tl["a"]], params[tl["b"]]
    predicted = float(slope * (pb - pa) / (intercept + slope * pa))
    where = "inside" if tl["lo"] <= predicted <= tl["hi"] else "below" if predicted < tl["lo"] else "above"
    t_a = next((r.get("time") for r in st["rows"] if r["value"] == tl["a"]), None)
    try:
        added = float(tl["b"]) - float(tl["a"])
    except (TypeError, ValueError):
        added = None
    extra = ((tl["estimate"] - predicted) * t_a / added / updates
             if where == "below" and t_a and added and added > 0 and updates else None)
    return {"a": tl["a"], "b": tl["b"], "a_label": tl["a_label"], "b_label": tl["b_label"],
            "params_a": pa, "params_b": pb, "param_change": pb / pa - 1, "predicted": predicted,
            "time_change": tl["estimate"],
            "lo": tl["lo"], "hi": tl["hi"], "where": where, "updates": updates,
            "extra_per_layer_update_s": float(extra) if extra is not None else None}


def strength(largest_pair: dict) -> float:
    """How far the largest difference's estimate lies beyond (> 1) or within (< 1) the threshold."""
    return abs(largest_pair.get("estimate") or 0.0) / largest_pair["min_effect"]


def records(study: dict, extra: dict) -> list[dict]:
    out = []
    for p, st in study.items():
        out.append(verdicts.record(f"kadai4/{p}/accuracy", f"{p} changes the accuracy", st["acc_effect"]))
        out.append(verdicts.record(f"kadai4/{p}/time", f"{p} changes the training time", st["time_effect"]))
    if extra.get("update_cost"):
        question = f"the updates' own time is at least {TIME_EFFECT:.0%} of the training time at the smallest batch"
        out.append(verdicts.record("kadai4/batch_size/update_cost", question, extra["update_cost"]["verdict"]))
    if extra.get("proportional"):
        out.append(verdicts.record("kadai4/hidden/not_proportional",
                                   "training time is not proportional to the parameter count",
                                   extra["proportional"]["verdict"]))
    if extra.get("plateau"):
        out.append(verdicts.record("kadai4/epochs/plateau", "accuracy still changes at the largest epoch counts",
                                   extra["plateau"]["verdict"]))
    ladder = ((extra.get("contrasts") or {}).get("activation") or {}).get("ladder")
    if ladder:
        out.append(verdicts.record("kadai4/activation/ladder",
                                   "a step of the ladder from Sigmoid to ReLU changes the accuracy", ladder["verdict"]))
    return out


def run(inputs: dict, settings: dict, out_json) -> dict:
    cfg = settings["kadai4"]
    runs = load_runs(inputs["runs"])
    explain_runs = load_runs(inputs["explain"]) if inputs.get("explain") else None
    timing = {p: read_csv(path, TIMING4) for p, path in raw.by_stem(inputs["timing"]).items()}
    study = {p: study_of(runs, timing[p], p, values, cfg["baseline"]) for p, values in cfg["study"].items()}
    ranking = rank(study)
    f = {"study": study, "ranking": ranking, "spec": spec_of(cfg["baseline"]),
         "thresholds": {"accuracy": ACC_EFFECT, "time": TIME_EFFECT},
         "plateau": plateau(runs, cfg["study"]["epochs"], cfg["baseline"]) if "epochs" in cfg["study"] else None,
         "update_cost": update_cost(timing["batch_size"]) if "batch_size" in study else None,
         # the textbook's expectation (Sigmoid's gradient ≤ 0.25 per layer) against the data
         "contrasts": {"activation": contrast(study["activation"]["accs"], "relu", "sigmoid")
                       if "activation" in study else None,
                       # Tanh saturates as Sigmoid does but keeps slope 1 near 0
                       "tanh_sigmoid": contrast(study["activation"]["accs"], "tanh", "sigmoid")
                       if "activation" in study else None},
         "order": {**dominance(study, ranking), "margin": ACC_EFFECT},
         "defence": raw.defence(*timing.values(), rounds=cfg["timing_rounds"]),
         "proportional": None}
    if "hidden" in study:
        f["proportional"] = proportional(study["hidden"]["rows"], timing["hidden"], cfg["baseline"]["hidden"])
    f["layer_cost"] = (size_vs_time(study["layers"], f["proportional"]["line"], same_updates(timing["layers"]))
                       if "layers" in study and f["proportional"] else None)
    if f["update_cost"]:
        f["update_cost"].update(fewest_updates_least_accurate(study["batch_size"], cfg["baseline"]))
    f["fixed_by_updates"] = (fixed_by_updates(f["proportional"]["line"], f["update_cost"], timing["hidden"])
                             if f["proportional"] else None)
    # the least accurate optimiser setting: did its training loss fall at all? (logs, not textbook)
    f["optimizer_loss"] = (loss_trend(runs, "optimizer", study["optimizer"]["worst"]["value"], cfg["baseline"])
                           if "optimizer" in study else None)
    # the same optimiser at a smaller rate: does the rate alone keep the least accurate one's loss up?
    f["optimizer_rate"] = (smaller_rate(runs, cfg["study"]["optimizer"], study["optimizer"]["worst"]["value"],
                                        cfg["baseline"]) if "optimizer" in study else None)
    # the most accurate optimiser setting: did it also fit the training data further than the baseline?
    f["optimizer_best_loss"] = (best_loss(runs, "optimizer", study["optimizer"]["best"]["value"], cfg["baseline"])
                                if "optimizer" in study else None)
    f["optimizer_final"] = (final_losses(runs, "optimizer", cfg["study"]["optimizer"],
                                         study["optimizer"]["worst"]["value"], cfg["baseline"])
                            if "optimizer" in study else None)
    if f["contrasts"]["activation"]:  # the activation study trains with the baseline's optimiser
        f["contrasts"]["activation"].update(optimizer=cfg["baseline"]["optimizer"],
                                            scale_free=scale_free(cfg["baseline"]["optimizer"]),
                                            ladder=ladder_test(explain_runs))
    f["baseline_time"] = baseline_time(study, cfg["baseline"])
    f["conclusion"] = conclusion(study, ranking)
    for g in f["order"]["groups"]:
        g.update(names=[study[p]["name"] for p in g["params"]], below_names=[study[q]["name"] for q in g["below"]])
    f["verdicts"] = records(study, f)
    write_json(out_json, f)
    return f
