"""課題3 analysis: training runs, DataLoader runs and model summaries in; findings out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..io import read_json, write_json


def load_runs(paths) -> pd.DataFrame:
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def per_model(runs: pd.DataFrame, summaries: dict) -> pd.DataFrame:
    """Final accuracy and mean epoch time per model, mean and sd over seeds."""
    last = runs[runs.epoch == runs.epoch.max()]
    per_seed = runs.groupby(["model", "seed"]).agg(train_s=("train_s", "mean"), data_s=("data_s", "mean"),
                                                  compute_s=("compute_s", "mean"), eval_s=("eval_s", "mean"))
    per_seed = per_seed.join(last.set_index(["model", "seed"])["accuracy"]).reset_index()
    g = per_seed.groupby("model")
    out = g.agg(acc=("accuracy", "mean"), acc_sd=("accuracy", "std"), time=("train_s", "mean"),
                time_sd=("train_s", "std"), data=("data_s", "mean"), compute=("compute_s", "mean"),
                eval=("eval_s", "mean"), seeds=("seed", "count")).reset_index()
    out["params"] = out.model.map(lambda m: summaries[m]["total_params"])
    out["macs"] = out.model.map(lambda m: summaries[m]["total_mult_adds"])
    out["kind"] = out.model.map(lambda m: "cnn" if "conv" in m else "fc")
    return out.fillna({"acc_sd": 0.0, "time_sd": 0.0})


def line_fit(x, y) -> dict:
    """Least squares y = a + b·x: intercept, slope, R²."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    b, a = np.polyfit(x, y, 1)
    resid = y - (a + b * x)
    sst = ((y - y.mean()) ** 2).sum()
    return {"a": float(a), "b": float(b), "r2": float(1 - (resid**2).sum() / sst) if sst > 0 else 1.0}


def loop_facts(runs, loader, baseline: str) -> dict:
    """The course CNN per epoch with the fast loop and with the DataLoader loop."""
    fast = runs[(runs.model == baseline) & (runs.epoch <= loader.epoch.max())]
    out = {"epochs": int(loader.epoch.max()), "seeds": int(loader.seed.nunique())}
    for key, df in (("fast", fast), ("dl", loader)):
        out.update({f"{key}_epoch_s": float(df.train_s.mean()), f"{key}_epoch_sd": float(df.train_s.std()),
                    f"{key}_data_s": float(df.data_s.mean()), f"{key}_compute_s": float(df.compute_s.mean()),
                    f"{key}_eval_s": float(df.eval_s.mean())})
        acc = df[df.epoch == out["epochs"]].accuracy
        out.update({f"{key}_acc": float(acc.mean()), f"{key}_acc_sd": float(acc.std())})
    out["ratio"] = out["dl_epoch_s"] / out["fast_epoch_s"]
    out["acc_equal"] = abs(out["fast_acc"] - out["dl_acc"]) <= 2 * max(out["fast_acc_sd"], out["dl_acc_sd"], 1e-4)
    return out


def smallest_keeping(pm: pd.DataFrame, base_acc: float, tolerance: float) -> dict:
    """Per kind (fc, cnn): the model with the fewest parameters within ``tolerance`` of the baseline."""
    out = {}
    for kind in ("fc", "cnn"):
        ok = pm[(pm.kind == kind) & (pm.acc >= base_acc - tolerance)].sort_values("params")
        out[kind] = ok.iloc[0].to_dict() if len(ok) else None
    return out


def run(inputs: dict, settings: dict, out_json) -> dict:
    cfg = settings["kadai3"]
    runs, loader = load_runs(inputs["runs"]), load_runs(inputs["loader"])
    summaries = read_json(inputs["models"])
    pm = per_model(runs, summaries)
    by_model = pm.set_index("model")
    findings = {
        "per_model": pm.to_dict("records"),
        "base": by_model.loc[cfg["baseline"]].to_dict(), "noconv": by_model.loc[cfg["no_conv"]].to_dict(),
        "smallest": smallest_keeping(pm, by_model.loc[cfg["baseline"]].acc, cfg["tolerance_pct"] / 100.0),
        "fit_time": {"params": line_fit(pm.params, pm.time), "macs": line_fit(pm.macs, pm.time)},
        "loop": loop_facts(runs, loader, cfg["baseline"]),
        "device": str(runs.device.iloc[0]), "threads": int(runs.threads.iloc[0]),
        "n_models": int(len(pm)), "params_range": [int(pm.params.min()), int(pm.params.max())],
        "time_range": [float(pm.time.min()), float(pm.time.max())],
    }
    write_json(out_json, findings)
    return findings
