"""課題3 figures, one function each: ``draw_<name>(inputs, settings, out_svg)``; ``draw_family``
draws ``family_acc`` and ``family_time``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import figures, tables
from ..figures import NO_UNIT, Axis
from ..io import read_csv, read_json
from ..rows import TIMING3
from .analyse import epoch_times, load_runs

EPOCH = Axis("エポック", NO_UNIT)


def draw_course(inputs: dict, settings: dict, out) -> None:
    """Accuracy per epoch (training runs, every seed) and the epoch time of each alternated
    timing round (the pairs compared), for the course CNN and the Conv2d-free model."""
    runs, cfg = load_runs(inputs["runs"]), settings["kadai3"]
    times, _ = epoch_times(read_csv(inputs["timing"], TIMING3))
    acc_axis, rnd = Axis("テスト精度", "%"), Axis("計測の周回", NO_UNIT)
    time_axis = Axis("1 エポックの学習時間（推定）", "s")
    fig, axes = figures.new_figure(EPOCH, acc_axis, aspect=0.46,
                                   panels=[(EPOCH, acc_axis), (rnd, time_axis)])
    for spec, key in ((cfg["baseline"], "model_cnn"), (cfg["no_conv"], "model_fc")):
        g = runs[runs.model == spec].groupby("epoch")
        label = f"{figures.impl_name(key)}（{spec}）"
        acc = g.accuracy
        axes[0].errorbar(acc.mean().index, 100 * acc.mean(), yerr=100 * acc.std().fillna(0), fmt="o-",
                         color=figures.impl_color(key), capsize=3, label=label)
        axes[1].plot(times[spec].index + 1, times[spec].to_numpy(), "o-", color=figures.impl_color(key), label=label)
    axes[0].set_xticks(sorted(runs.epoch.unique()))
    figures.legend_below(axes, ncol=2)
    axes[1].set_ylim(bottom=0)
    figures.save(fig, out, caption="講義の 2 モデルのエポックごとの精度と、周回ごとの 1 エポックの学習時間")


def draw_family(quantity: str, inputs: dict, settings: dict, out) -> None:
    """Accuracy (``acc``) or epoch time (``time``) against the parameter count of every model."""
    pm = pd.DataFrame(read_json(inputs["findings"])["per_model"])
    yaxis, scale = {"acc": (Axis("テスト精度", "%"), 100.0),
                    "time": (Axis("1 エポックの学習時間（推定）", "s"), 1.0)}[quantity]
    fig, ax = figures.new_figure(Axis("パラメータ数", NO_UNIT, "log"), yaxis, aspect=0.7)
    named = []
    for kind, key in (("fc", "model_fc"), ("cnn", "model_cnn")):
        g = pm[pm.kind == kind].sort_values("params")
        # markers only: neighbouring models differ in architecture, a line would suggest a trend
        # time: the 95 % interval of the median over the timing rounds; accuracy: sd over seeds
        err = (np.vstack([g.time - g.time_lo, g.time_hi - g.time]) if quantity == "time"
               else scale * g[f"{quantity}_sd"])
        ax.errorbar(g.params, scale * g[quantity], yerr=err, fmt="o", capsize=3,
                    color=figures.impl_color(key), label=figures.impl_name(key))
        # only the course's two models are named here (the names of all, side by side, would
        # overlap): every model with its values is in the report's tables
        named.append(g[g.model.isin([settings["kadai3"]["baseline"], settings["kadai3"]["no_conv"]])])
    if quantity == "time":
        ax.set_ylim(bottom=0)
    lo, hi = ((pm.time_lo, pm.time_hi) if quantity == "time"
              else (scale * (pm.acc - pm.acc_sd.fillna(0)), scale * (pm.acc + pm.acc_sd.fillna(0))))
    points = [(float(x), float(y)) for ys in (scale * pm[quantity], lo, hi) for x, y in zip(pm.params, ys)]
    for _, r in pd.concat(named).iterrows():
        figures.label_point(ax, float(r.params), float(scale * r[quantity]), r.model, points, color="0.2")
    figures.legend_below(ax)
    figures.save(fig, out, caption=f"family_{quantity}")


def draw_loader(inputs: dict, settings: dict, out) -> None:
    loop = read_json(inputs["findings"])["loop"]
    fig, ax = figures.new_figure(Axis("学習ループ", NO_UNIT), Axis("1 エポックあたりの時間", "s"))
    parts = (("data_s", "データの準備", "#c5b0d5"), ("compute_s", "順伝播・逆伝播・更新", "#8c564b"),
             ("eval_s", "テストデータでの評価", "#dbdb8d"))
    for i, key in enumerate(("fast", "dl")):
        bottom = 0.0
        for col, name, color in parts:
            v = loop[f"{key}_{col}"]
            ax.bar(i, v, bottom=bottom, color=color, label=name if i == 0 else None)
            bottom += v
        ax.text(i, bottom, f"{tables.sig(bottom, 3)} s", ha="center", va="bottom", fontsize=8)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["高速ループ", "DataLoader ループ"])
    ax.grid(axis="x", visible=False)
    figures.legend_below(ax, ncol=3)
    figures.save(fig, out, caption="学習ループの比較（学習の記録の中央値）")
