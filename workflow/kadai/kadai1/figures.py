"""課題1 figures, one function each: ``draw_<name>(inputs, settings, out_svg)``."""

from __future__ import annotations

from .. import figures, ops, raw
from ..figures import NO_UNIT, Axis
from ..io import read_json

N_AXIS = Axis("行列サイズ N", NO_UNIT, "log")


def draw_time(inputs: dict, settings: dict, out) -> None:
    summary = raw.summarise(raw.load_raw(inputs["raw"]))
    fits = read_json(inputs["findings"])["series"]
    fig, ax = figures.new_figure(N_AXIS, Axis("実行時間", "s", "log"), height=4.6)
    for impl, grp in summary.groupby("implementation"):
        figures.plot_series(ax, impl, grp.N, grp["median"], grp.q1, grp.q3)
        figures.plot_power_fit(ax, impl, fits[impl]["fit"]["power"])
    figures.size_ticks(ax, summary.N)
    figures.legend_below(ax)
    figures.save(fig, out, caption="行列サイズ N と実行時間（両対数）")


def draw_mflops(inputs: dict, settings: dict, out) -> None:
    summary = raw.summarise(raw.load_raw(inputs["raw"]))
    fig, ax = figures.new_figure(N_AXIS, Axis("計算速度", "MFLOPS", "linear"))
    for impl, grp in summary.groupby("implementation"):
        ax.plot(grp.N, ops.matmul_flops(grp.N) / grp["median"] / 1e6, "o-",
                color=figures.impl_color(impl), label=figures.impl_name(impl), ms=4)
    figures.size_ticks(ax, summary.N)
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower right")
    figures.save(fig, out, caption="行列サイズ N と計算速度")
