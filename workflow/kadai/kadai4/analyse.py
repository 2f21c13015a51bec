"""課題4 analysis: every setting's runs (accuracy, every seed) and every parameter's alternated
timing (training time) in; per parameter, the settings' accuracy and time and whether the
parameter has an effect on each (findings).

"Has an effect" (:func:`kadai.verdicts.effect`): some two settings differ by more than a
practically relevant amount, with confidence (Bonferroni over the pairs). Accuracy is compared
over the seeds; time over the timing rounds, round by round, as a ratio.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import raw, verdicts
from ..io import read_csv, write_json
from ..rows import RUNS4, TIMING4
from .labels import LABELS, PARAMS
from .settings import spec_of

ACC_EFFECT = 0.005   # accuracy changes below half a percentage point are no effect
TIME_EFFECT = 0.1    # training-time changes below 10 % are no effect


def load_runs(paths) -> pd.DataFrame:
    return pd.concat([read_csv(p, RUNS4) for p in paths], ignore_index=True)


def seed_accuracy(runs, param: str, value: str, baseline: dict) -> tuple[np.ndarray, int]:
    """Accuracy after the setting's last epoch for every seed, and the parameter count."""
    if param == "epochs":
        # one long run per seed gives every epoch count: the accuracy after epoch v
        g = runs[(runs.param == "epochs") & (runs.epoch == int(value))]
    else:
        same = str(baseline[param]) == value
        g = runs[runs.param == "baseline"] if same else runs[(runs.param == param) & (runs.value == value)]
        g = g[g.epoch == g.epoch.max()]
    return g.sort_values("seed").accuracy.to_numpy(), int(g.params.iloc[0])


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
    acc_effect = verdicts.effect(accs, ACC_EFFECT, reference=ref).to_dict()
    time_effect = verdicts.guard(verdicts.effect({v: complete[v].to_numpy() for v in complete}, TIME_EFFECT,
                                                 relative=True, paired=True, reference=ref), *raw.load_of(timing))
    for e in (acc_effect, time_effect):  # the deciding pair's settings by their names, and the change as a size
        e["numbers"].update({f"{k}_label": LABELS.get(e["numbers"].get(k), e["numbers"].get(k)) for k in "ab"})
        e["numbers"].update(magnitude(e["numbers"]))
    return {"name": PARAMS[param][0], "numeric": PARAMS[param][1], "rows": df.to_dict("records"),
            "acc_effect": acc_effect, "time_effect": time_effect,
            "best": df.loc[df.acc.idxmax()].to_dict(), "worst": df.loc[df.acc.idxmin()].to_dict(),
            "fastest": df.loc[df.time.idxmin()].to_dict(), "slowest": df.loc[df.time.idxmax()].to_dict(),
            "accs": {k: v.tolist() for k, v in accs.items()}}


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


def plateau(runs, values, baseline: dict) -> dict:
    """Does accuracy still change between the two largest epoch counts?"""
    last, before = (str(v) for v in sorted(values)[-1:-3:-1])
    a, b = seed_accuracy(runs, "epochs", before, baseline)[0], seed_accuracy(runs, "epochs", last, baseline)[0]
    return {"before": before, "last": last, "verdict": verdicts.effect({before: a, last: b}, ACC_EFFECT).to_dict()}


def proportional(rows: list[dict], timing: pd.DataFrame) -> dict:
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
            "v_lo": lo["value"], "v_hi": hi["value"], "verdict": verdict}


def strength(effect: dict) -> float:
    """How far the deciding pair's estimate lies beyond (> 1) or within (< 1) the threshold."""
    return abs(effect["numbers"].get("estimate") or 0.0) / effect["numbers"]["min_effect"]


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
    return out


def run(inputs: dict, settings: dict, out_json) -> dict:
    cfg = settings["kadai4"]
    runs = load_runs(inputs["runs"])
    timing = {p: read_csv(path, TIMING4) for p, path in raw.by_stem(inputs["timing"]).items()}
    study = {p: study_of(runs, timing[p], p, values, cfg["baseline"]) for p, values in cfg["study"].items()}
    ranking = sorted(study, key=lambda p: -strength(study[p]["acc_effect"]))
    f = {"study": study, "ranking": ranking, "spec": spec_of(cfg["baseline"]),
         "thresholds": {"accuracy": ACC_EFFECT, "time": TIME_EFFECT},
         "plateau": plateau(runs, cfg["study"]["epochs"], cfg["baseline"]) if "epochs" in cfg["study"] else None,
         "update_cost": update_cost(timing["batch_size"]) if "batch_size" in study else None,
         # the textbook's expectation (Sigmoid's gradient ≤ 0.25 per layer) against the data
         "contrasts": {"activation": contrast(study["activation"]["accs"], "relu", "sigmoid")
                       if "activation" in study else None},
         "proportional": None}
    if "hidden" in study:
        f["proportional"] = proportional(study["hidden"]["rows"], timing["hidden"])
    for kind in ("acc", "time"):
        for outcome in ("yes", "no", "unknown"):
            f[f"{kind}_{outcome}"] = [study[p]["name"] for p in ranking
                                      if study[p][f"{kind}_effect"]["outcome"] == outcome]
    f["verdicts"] = records(study, f)
    write_json(out_json, f)
    return f
