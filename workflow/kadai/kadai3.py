"""課題3: MNIST (or Fashion-MNIST) — fully connected vs convolutional: time, accuracy, size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import figures, train
from .figures import NO_UNIT, Axis
from .io import read_json, write_csv, write_json

# the functions that build and run a training job: their source is part of its fingerprint
MEASURE_CODE = ("_data", "run_training", "run_loader")


def run_name(spec: str, seed: int) -> str:
    return f"{spec}__s{seed}"


def _data(cfg: dict, device):
    train.prepare(cfg["dataset"], cfg["data_dir"], cfg.get("source_dir"), cfg.get("download", True))
    x, y = train.load_tensors(cfg["dataset"], cfg["data_dir"], True)
    tx, ty = train.load_tensors(cfg["dataset"], cfg["data_dir"], False)
    return train.normalised(x, device), y.to(device), train.normalised(tx, device), ty.to(device)


def run_training(spec: str, seed: int, cfg: dict, out_csv, threads: int | None = None) -> pd.DataFrame:
    """Train one model with the fast loop; one row per epoch."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    device = train.device_for(cfg.get("device", "auto"))
    x, y, tx, ty = _data(cfg, device)
    torch.manual_seed(seed)
    model = train.SpecNet(spec)
    rows = train.train_fast(model, x, y, tx, ty, epochs=cfg["epochs"], batch_size=cfg["batch_size"],
                            seed=seed, device=device, progress=lambda m: print(f"[kadai3/{spec}/s{seed}] {m}"))
    df = pd.DataFrame(rows).assign(model=spec, seed=seed, loop="fast", device=device.type,
                                   params=train.param_count(model), threads=torch.get_num_threads())
    write_csv(out_csv, df)
    return df


def run_loader(seed: int, cfg: dict, out_csv, threads: int | None = None) -> pd.DataFrame:
    """The course CNN with the course-style DataLoader loop (per-sample ToTensor/Normalize)."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    device = train.device_for(cfg.get("device", "auto"))
    train.prepare(cfg["dataset"], cfg["data_dir"], cfg.get("source_dir"), cfg.get("download", True))
    ds = train.torchvision_dataset(cfg["dataset"], cfg["data_dir"], True)
    tds = train.torchvision_dataset(cfg["dataset"], cfg["data_dir"], False)
    torch.manual_seed(seed)
    model = train.SpecNet(cfg["baseline"])
    rows = train.train_dataloader(model, ds, tds, epochs=cfg["loader_epochs"], batch_size=cfg["batch_size"],
                                  seed=seed, device=device,
                                  progress=lambda m: print(f"[kadai3/dataloader/s{seed}] {m}"))
    df = pd.DataFrame(rows).assign(model=cfg["baseline"], seed=seed, loop="dataloader", device=device.type,
                                   params=train.param_count(model), threads=torch.get_num_threads())
    write_csv(out_csv, df)
    return df


def model_summaries(specs, out_json) -> dict:
    out = {s: train.summary(train.SpecNet(s)) for s in specs}
    write_json(out_json, out)
    return out


# ---------------------------------------------------------------- analysis


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


def _r2(x, y) -> tuple[float, float, float]:
    """Least squares y = a + b·x: intercept, slope, R²."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    b, a = np.polyfit(x, y, 1)
    resid = y - (a + b * x)
    sst = ((y - y.mean()) ** 2).sum()
    return float(a), float(b), float(1 - (resid**2).sum() / sst) if sst > 0 else 1.0


def draw_figures(run_paths, loader_paths, summaries_json, cfg: dict, out_dir) -> None:
    runs = load_runs(run_paths)
    summaries = read_json(summaries_json)
    pm = per_model(runs, summaries)
    out_dir = Path(out_dir)
    ep = Axis("エポック", NO_UNIT)
    base, noconv = cfg["baseline"], cfg["no_conv"]

    fig, axes = figures.new_figure(ep, Axis("テスト精度", "%"), width=8.4, height=3.5,
                                   panels=[(ep, Axis("テスト精度", "%")), (ep, Axis("1 エポックの学習時間", "s"))])
    for spec, key in ((base, "model_cnn"), (noconv, "model_fc")):
        g = runs[runs.model == spec].groupby("epoch")
        label = f"{figures.impl_name(key)}（{spec}）"
        axes[0].errorbar(g.accuracy.mean().index, 100 * g.accuracy.mean(), yerr=100 * g.accuracy.std().fillna(0),
                         fmt="o-", color=figures.impl_color(key), capsize=3, label=label)
        axes[1].errorbar(g.train_s.mean().index, g.train_s.mean(), yerr=g.train_s.std().fillna(0), fmt="o-",
                         color=figures.impl_color(key), capsize=3, label=label)
    for ax in axes:
        ax.set_xticks(sorted(runs.epoch.unique()))
        figures.legend_below(ax, ncol=1)
    axes[1].set_ylim(bottom=0)
    figures.save(fig, out_dir / "course.svg", caption="講義の 2 モデルのエポックごとの精度と学習時間")

    px = Axis("パラメータ数", NO_UNIT, "log")
    for name, col, yaxis, scale in (("family_acc", "acc", Axis("テスト精度", "%"), 100.0),
                                    ("family_time", "time", Axis("1 エポックの学習時間", "s"), 1.0)):
        fig, ax = figures.new_figure(px, yaxis, width=6.4, height=4.2)
        for kind, key in (("fc", "model_fc"), ("cnn", "model_cnn")):
            g = pm[pm.kind == kind].sort_values("params")
            # markers only: neighbouring models differ in architecture, a line would suggest a trend
            ax.errorbar(g.params, scale * g[col], yerr=scale * g[f"{col}_sd"], fmt="o", capsize=3,
                        color=figures.impl_color(key), label=figures.impl_name(key))
            for _, r in g.iterrows():
                ax.annotate(r.model, (r.params, scale * r[col]), fontsize=6, xytext=(3, 3),
                            textcoords="offset points", color="0.3")
        if col == "time":
            ax.set_ylim(bottom=0)
        figures.legend_below(ax)
        figures.save(fig, out_dir / f"{name}.svg", caption=name)

    loader = load_runs(loader_paths)
    fast = runs[(runs.model == base) & (runs.epoch <= loader.epoch.max())]
    fig, ax = figures.new_figure(Axis("学習ループ", NO_UNIT), Axis("1 エポックあたりの時間", "s"))
    parts = (("data_s", "データの準備", "#c5b0d5"), ("compute_s", "順伝播・逆伝播・更新", "#8c564b"),
             ("eval_s", "テストデータでの評価", "#dbdb8d"))
    for i, df in enumerate((fast, loader)):
        bottom = 0.0
        for col, name, color in parts:
            v = float(df[col].mean())
            ax.bar(i, v, bottom=bottom, color=color, label=name if i == 0 else None)
            bottom += v
        ax.text(i, bottom, f"{bottom:.3g} s", ha="center", va="bottom", fontsize=8)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["高速ループ", "DataLoader ループ"])
    ax.grid(axis="x", visible=False)
    figures.legend_below(ax, ncol=3)
    figures.save(fig, out_dir / "loader.svg", caption="学習ループの比較")


def build_context(run_paths, loader_paths, summaries_json, cfg: dict, out_json) -> dict:
    runs = load_runs(run_paths)
    loader = load_runs(loader_paths)
    summaries = read_json(summaries_json)
    pm = per_model(runs, summaries)
    base, noconv = cfg["baseline"], cfg["no_conv"]
    b = pm.set_index("model").loc[base]
    tol = cfg["tolerance_pct"] / 100.0
    smallest = {}
    for kind in ("fc", "cnn"):
        ok = pm[(pm.kind == kind) & (pm.acc >= b.acc - tol)].sort_values("params")
        smallest[kind] = ok.iloc[0].to_dict() if len(ok) else None
    a_p, b_p, r2_params = _r2(pm.params, pm.time)
    a_m, b_m, r2_macs = _r2(pm.macs, pm.time)
    fast = runs[(runs.model == base) & (runs.epoch <= loader.epoch.max())]
    loop = {
        "fast_epoch_s": float(fast.train_s.mean()), "fast_epoch_sd": float(fast.train_s.std()),
        "dl_epoch_s": float(loader.train_s.mean()), "dl_epoch_sd": float(loader.train_s.std()),
        "fast_data_s": float(fast.data_s.mean()), "dl_data_s": float(loader.data_s.mean()),
        "fast_compute_s": float(fast.compute_s.mean()), "dl_compute_s": float(loader.compute_s.mean()),
        "fast_eval_s": float(fast.eval_s.mean()), "dl_eval_s": float(loader.eval_s.mean()),
        "epochs": int(loader.epoch.max()), "seeds": int(loader.seed.nunique()),
    }
    loop["ratio"] = loop["dl_epoch_s"] / loop["fast_epoch_s"]
    fast_acc = fast[fast.epoch == loop["epochs"]].accuracy
    dl_acc = loader[loader.epoch == loop["epochs"]].accuracy
    loop.update(fast_acc=float(fast_acc.mean()), fast_acc_sd=float(fast_acc.std()),
                dl_acc=float(dl_acc.mean()), dl_acc_sd=float(dl_acc.std()))
    loop["acc_equal"] = abs(loop["fast_acc"] - loop["dl_acc"]) <= 2 * max(loop["fast_acc_sd"], loop["dl_acc_sd"], 1e-4)

    def model_table(kind):
        g = pm[pm.kind == kind].sort_values("params")
        return {"columns": [{"name": "モデル", "kind": "text"}, {"name": "パラメータ数", "kind": "int"},
                            {"name": "積和回数", "kind": "int"},
                            {"name": "テスト精度", "unit": "%", "kind": "percent"},
                            {"name": "精度の標準偏差", "unit": "%", "kind": "percent"},
                            {"name": "1 エポックの時間", "unit": "s", "kind": "sig"},
                            {"name": "時間の標準偏差", "unit": "s", "kind": "sig"}],
                "rows": [[r.model, r.params, r.macs, r.acc, r.acc_sd, r.time, r.time_sd] for r in g.itertuples()]}

    def summary_table(spec):
        s = summaries[spec]
        return {"columns": [{"name": "層（種類: 深さ-番号）", "kind": "text"}, {"name": "出力の形", "kind": "text"},
                            {"name": "パラメータ数", "kind": "int"}, {"name": "積和回数", "kind": "int"}],
                "rows": s["rows"] + [["合計", "", s["total_params"], s["total_mult_adds"]]]}

    dev = runs.device.iloc[0]
    ctx = {
        "cfg": cfg, "dataset_name": train.DATASETS[cfg["dataset"]][2], "device": dev,
        "threads": int(runs.threads.iloc[0]), "base": pm.set_index("model").loc[base].to_dict(),
        "noconv": pm.set_index("model").loc[noconv].to_dict(), "smallest": smallest,
        "fit_time": {"params": {"a": a_p, "b": b_p, "r2": r2_params}, "macs": {"a": a_m, "b": b_m, "r2": r2_macs}},
        "loop": loop, "table_fc": model_table("fc"), "table_cnn": model_table("cnn"),
        "summary_base": summary_table(base), "summary_noconv": summary_table(noconv),
        "base_summary": summaries[base], "noconv_summary": summaries[noconv],
        "n_models": int(len(pm)), "params_range": [int(pm.params.min()), int(pm.params.max())],
        "time_range": [float(pm.time.min()), float(pm.time.max())],
        "gpu_name": _gpu_name(dev),
    }
    write_json(out_json, ctx)
    return ctx


def _gpu_name(device: str):
    if device != "cuda":
        return None
    import torch
    return torch.cuda.get_device_name(0)


def bench(dataset: str = "mnist", data_dir: str = "data", source_dir: str | None = None, batch_size: int = 64):
    """Per-epoch time of the course CNN with the DataLoader loop and with the fast loop."""
    import torch

    cfg = {"dataset": dataset, "data_dir": data_dir, "source_dir": source_dir, "baseline": "conv4-conv4-fc128",
           "epochs": 1, "loader_epochs": 1, "batch_size": batch_size}
    device = train.device_for("auto")
    x, y, tx, ty = _data(cfg, device)
    torch.manual_seed(0)
    fast = train.train_fast(train.SpecNet(cfg["baseline"]), x, y, tx, ty, epochs=1, batch_size=batch_size,
                            seed=0, device=device, progress=lambda m: None)[0]
    ds = train.torchvision_dataset(dataset, data_dir, True)
    tds = train.torchvision_dataset(dataset, data_dir, False)
    torch.manual_seed(0)
    dl = train.train_dataloader(train.SpecNet(cfg["baseline"]), ds, tds, epochs=1, batch_size=batch_size, seed=0,
                                device=device, progress=lambda m: None)[0]
    ratio = dl["train_s"] / fast["train_s"]
    print(f"{train.DATASETS[dataset][2]}, course CNN, batch {batch_size}, {device.type}: "
          f"DataLoader loop {dl['train_s']:.2f} s/epoch (accuracy {dl['accuracy']:.4f}), "
          f"fast loop {fast['train_s']:.2f} s/epoch (accuracy {fast['accuracy']:.4f}), ratio {ratio:.2f}")
    return ratio


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="DataLoader loop vs fast loop, one epoch of the course CNN")
    p.add_argument("--dataset", default="mnist", choices=list(train.DATASETS))
    p.add_argument("--data-dir", default="data")
    p.add_argument("--source-dir", default=None)
    p.add_argument("--batch-size", type=int, default=64)
    a = p.parse_args()
    bench(a.dataset, a.data_dir, a.source_dir, a.batch_size)
