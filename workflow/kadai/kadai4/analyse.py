"""課題4 analysis: every setting's runs in; per parameter, accuracy and time per setting and
whether the parameter has an effect on each (findings)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io import write_json
from .labels import LABELS, PARAMS
from .settings import spec_of


def effect(means, sds, acc: bool) -> dict:
    """The stated rule: range of setting means vs twice the pooled seed-to-seed SD."""
    means, sds = np.asarray(means, float), np.nan_to_num(np.asarray(sds, float))
    rng_ = float(means.max() - means.min())
    pooled = float(np.sqrt(np.mean(sds**2)))
    threshold = max(2 * pooled, 0.005 if acc else 0.0)
    return {"range": rng_, "pooled_sd": pooled, "threshold": threshold, "ratio": rng_ / threshold if threshold else
            float("inf"), "has_effect": bool(rng_ > threshold)}


def load_runs(paths) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p, dtype={"value": str}) for p in paths], ignore_index=True)


def per_seed(runs, param: str, value: str, baseline: dict) -> tuple[pd.DataFrame, int]:
    """Accuracy after the last epoch and total training time of every seed of one setting."""
    if param == "epochs":
        # one long run per seed gives every epoch count: accuracy after epoch v, time of epochs 1..v
        g = runs[(runs.param == "epochs") & (runs.epoch <= int(value))]
        return g.groupby("seed").agg(acc=("accuracy", "last"), time=("train_s", "sum")), int(g.params.iloc[0])
    same = str(baseline[param]) == value
    g = runs[runs.param == "baseline"] if same else runs[(runs.param == param) & (runs.value == value)]
    last = g[g.epoch == g.epoch.max()]
    out = last.set_index("seed")[["accuracy"]].rename(columns={"accuracy": "acc"})
    out["time"] = g.groupby("seed").train_s.sum()
    return out, int(g.params.iloc[0])


def study_of(runs, param: str, values, baseline: dict) -> dict:
    rows = []
    for v in map(str, values):
        seeds, n_params = per_seed(runs, param, v, baseline)
        rows.append({"value": v, "label": LABELS.get(v, v), "acc": float(seeds.acc.mean()),
                     "acc_sd": float(seeds.acc.std()), "time": float(seeds.time.mean()),
                     "time_sd": float(seeds.time.std()), "params": n_params, "seeds": int(len(seeds))})
    df = pd.DataFrame(rows).fillna({"acc_sd": 0.0, "time_sd": 0.0})
    return {"name": PARAMS[param][0], "numeric": PARAMS[param][1], "rows": df.to_dict("records"),
            "acc_effect": effect(df.acc, df.acc_sd, True), "time_effect": effect(df.time, df.time_sd, False),
            "best": df.loc[df.acc.idxmax()].to_dict(), "worst": df.loc[df.acc.idxmin()].to_dict(),
            "fastest": df.loc[df.time.idxmin()].to_dict(), "slowest": df.loc[df.time.idxmax()].to_dict()}


def run(inputs: dict, settings: dict, out_json) -> dict:
    cfg = settings["kadai4"]
    runs = load_runs(inputs["runs"])
    study = {p: study_of(runs, p, values, cfg["baseline"]) for p, values in cfg["study"].items()}
    ranking = sorted(study, key=lambda p: -study[p]["acc_effect"]["ratio"])
    prop = None
    if "hidden" in study:
        r = sorted(study["hidden"]["rows"], key=lambda r: r["params"])
        prop = {"p_lo": r[0]["params"], "p_hi": r[-1]["params"], "t_lo": r[0]["time"], "t_hi": r[-1]["time"],
                "v_lo": r[0]["value"], "v_hi": r[-1]["value"]}
    findings = {"study": study, "ranking": ranking, "spec": spec_of(cfg["baseline"]), "proportional": prop,
                "with_effect_acc": [study[p]["name"] for p in ranking if study[p]["acc_effect"]["has_effect"]],
                "without_effect_acc": [study[p]["name"] for p in ranking if not study[p]["acc_effect"]["has_effect"]]}
    write_json(out_json, findings)
    return findings
