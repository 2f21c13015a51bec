"""課題4 figures, one function each: ``draw_<name>(inputs, settings, out_svg)``; ``draw_param``
draws the figure of one studied parameter (``param_hidden`` …)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import figures
from ..figures import NO_UNIT, Axis
from ..io import read_json
from .analyse import ACC_RANGE, holds_zero

LOG_AXIS = ("hidden", "batch_size")  # settings that grow geometrically


def draw_param(param: str, inputs: dict, settings: dict, out) -> None:
    """Accuracy (mean and sd over seeds) and training time (median over the alternated rounds,
    with its 95 % interval) for every setting of one parameter."""
    st = read_json(inputs["findings"])["study"][param]
    df = pd.DataFrame(st["rows"])
    xaxis = Axis(st["name"], NO_UNIT, "log" if param in LOG_AXIS else "linear")
    fig, axes = figures.new_figure(xaxis, Axis("テスト精度", "%"), aspect=0.45,
                                   panels=[(xaxis, Axis("テスト精度", "%")), (xaxis, Axis("学習時間", "s"))])
    xs = df.value.astype(float) if st["numeric"] else np.arange(len(df))
    fmt = "o-" if st["numeric"] else "o"
    axes[0].errorbar(xs, 100 * df.acc, yerr=100 * df.acc_sd, fmt=fmt, capsize=3, color="#1f77b4")
    axes[1].errorbar(xs, df.time, yerr=np.vstack([df.time - df.time_lo, df.time_hi - df.time]), fmt=fmt, capsize=3,
                     color="#d62728")
    for ax in axes:
        if not st["numeric"]:
            ax.set_xticks(xs)
            ax.set_xticklabels(df.label, fontsize=8, rotation=10)
        else:  # the studied values themselves: integers stay integers (中間層の数 1, 2, 3, 4; not 1.5)
            ax.set_xticks(xs)
            ax.set_xticklabels([tick_label(v) for v in xs])
            ax.minorticks_off()
    axes[1].set_ylim(bottom=0)
    figures.save(fig, out, caption=st["name"])


def tick_label(v: float) -> str:
    """A studied value as its tick: ``4`` for 4.0, ``0.5`` for 0.5."""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def strength_bar(num: dict, limit: float | None = None, relative: bool = False) -> tuple[float, float, float]:
    """The largest difference's estimate and interval (analyse.largest), each ÷ the threshold, as
    magnitudes; an interval that holds 0 starts at 0, and its far end stops at ``limit`` (the
    largest difference possible, analyse.ACC_RANGE for accuracy). ``relative`` (times: the change
    is a ratio − 1, decided on the log scale, kadai.verdicts.effect): log(1 + change) ÷ log(1 +
    threshold), so that 5 times slower and 5 times faster are equally large, as the verdict has it."""
    m = num["min_effect"]
    if relative:
        scale = math.log1p(m)
        est, lo, hi = (abs(math.log1p(num.get(k) or 0.0)) / scale for k in ("estimate", "lo", "hi"))
    else:
        est, lo, hi = (abs(num.get(k) or 0.0) / m for k in ("estimate", "lo", "hi"))
    low = 0.0 if holds_zero(num) else min(lo, hi)
    high = max(lo, hi) if limit is None else min(max(lo, hi), limit / m)
    return est, low, high


EFFECT_FLOOR = 1e-2  # the effects figure's bottom: an interval's lower end 0 is drawn here, marked ▼


def draw_effects(inputs: dict, settings: dict, out) -> None:
    """Per parameter, in the order of the effects table (findings' ranking), the accuracy and time
    difference its verdict rests on (the largest one unless a smaller one decided: analyse.deciding)
    ÷ its threshold, with its interval."""
    findings = read_json(inputs["findings"])
    study = findings["study"]
    order = findings.get("ranking") or list(study)
    size = Axis("効果の大きさ（閾値 = 1）", NO_UNIT, "log")
    fig, ax = figures.new_figure(Axis("パラメータ", NO_UNIT), size, wide=True, aspect=0.55)
    xs = np.arange(len(order))
    floors, marked = [], False
    for shift, key, label, color, limit, relative in ((-0.2, "acc_shown", "テスト精度", "#1f77b4", ACC_RANGE, False),
                                                      (0.2, "time_shown", "学習時間", "#d62728", None, True)):
        bars = np.array([strength_bar(study[p][key], limit, relative) for p in order])
        # points, not bars: a bar's length on a log axis means nothing; an interval that holds 0
        # runs to the bottom of the axis, and a ▼ there says that its lower end is 0
        est, lo, hi = (np.maximum(bars[:, i], EFFECT_FLOOR) for i in range(3))
        ax.errorbar(xs + shift, est, yerr=np.vstack([est - lo, hi - est]).clip(0), fmt="none",
                    ecolor=color, capsize=2, lw=1)
        # the magnitude hides the direction: filled where the setting raises the quantity, hollow where it lowers it
        up = np.array([study[p][key].get("direction") != "down" for p in order])
        for rises, face in ((True, color), (False, "white")):
            ax.plot((xs + shift)[up == rises], est[up == rises], "o", ms=5, color=color, mfc=face, ls="none",
                    label=label if rises else None)
        zero = bars[:, 1] <= 0
        ax.plot((xs + shift)[zero], np.full(int(zero.sum()), EFFECT_FLOOR), "v", color=color, ms=6, ls="none")
        floors.append(EFFECT_FLOOR if zero.any() else float(np.min(lo)))
        marked = marked or bool(zero.any())
    ax.plot([], [], "o", color="0.3", mfc="white", ls="none",
            label="白抜き：基準より減る（精度が下がる・時間が短くなる）")
    if marked:  # the ▼ explained only where one is drawn
        ax.plot([], [], "v", color="0.3", ls="none", label="区間が 0 を含む")
    ax.set_ylim(bottom=min(floors) / 1.5)
    ax.axhline(1.0, color="k", ls="--", lw=1, label="判定の閾値（区間の下端が超えると影響あり）")
    ax.set_xticks(xs)
    ax.set_xticklabels([study[p]["name"] for p in order], fontsize=8, rotation=20, ha="right")
    ax.grid(axis="x", visible=False)
    figures.legend_below(ax, ncol=2)  # below the rotated parameter names
    figures.save(fig, out, caption="効果の大きさ")


def draw_samples(inputs: dict, settings: dict, out) -> None:
    d = np.load(inputs["data"])
    fig, ax = figures.new_figure(Axis("クラス（数字）", NO_UNIT), Axis("サンプル（各列 8 枚）", NO_UNIT),
                                 aspect=0.6)
    grid = np.zeros((8 * 28, 10 * 28), np.uint8)
    for k in range(10):
        for j, i in enumerate(np.flatnonzero(d["y_train"] == k)[:8]):
            grid[j * 28:(j + 1) * 28, k * 28:(k + 1) * 28] = d["x_train"][i]
    ax.imshow(grid, cmap="gray", vmin=0, vmax=255)
    ax.set_xticks([14 + 28 * k for k in range(10)])
    ax.set_xticklabels([str(k) for k in range(10)])
    ax.set_yticks([])
    ax.grid(False)
    figures.save(fig, out, caption="データセットの例")
