"""課題2 figures, one function each: ``draw_<name>(inputs, settings, out_svg)``; ``draw_time``
and ``draw_gflops`` take the operation first (figures ``time_matmul``, ``gflops_conv`` …)."""

from __future__ import annotations

from .. import figures, ops, raw
from ..backends.registry import ordered
from ..figures import NO_UNIT, Axis
from ..io import read_json
from .plan import OPS

N_AXIS = Axis("行列サイズ N", NO_UNIT, "log")
GPU = ("cupy", "cupy_transfer", "torch_cuda", "torch_cuda_transfer")


def _summary(inputs):
    return raw.summarise(raw.load_raw(inputs["raw"]))


def draw_time(op: str, inputs: dict, settings: dict, out) -> None:
    s_op = _summary(inputs).query("op == @op")
    fits = read_json(inputs["findings"])["ops"][op]["series"]
    fig, ax = figures.new_figure(N_AXIS, Axis("実行時間", "s", "log"), width=6.4, height=5.0)
    for impl in ordered(s_op.implementation.unique()):
        g = s_op[s_op.implementation == impl]
        figures.plot_series(ax, impl, g.N, g["median"], g.q1, g.q3)
        if "fit" in fits.get(impl, {}):
            figures.plot_power_fit(ax, impl, fits[impl]["fit"]["power"])
    figures.size_ticks(ax, s_op.N)
    figures.legend_below(ax)
    figures.save(fig, out, caption=f"{OPS[op]}の実行時間")


def draw_gflops(op: str, inputs: dict, settings: dict, out) -> None:
    s_op = _summary(inputs).query("op == @op")
    fig, ax = figures.new_figure(N_AXIS, Axis("計算速度", "GFLOPS", "log"))
    for impl in ordered(s_op.implementation.unique()):
        g = s_op[s_op.implementation == impl]
        ax.plot(g.N, ops.flops(op, g.N, settings["kadai2"]["padding"]) / g["median"] / 1e9, "o-", ms=3,
                color=figures.impl_color(impl), label=figures.impl_name(impl))
    figures.size_ticks(ax, s_op.N)
    ax.legend(loc="best", fontsize=7)
    figures.save(fig, out, caption=f"{OPS[op]}の計算速度")


def draw_speedup(inputs: dict, settings: dict, out) -> None:
    summary = _summary(inputs)
    y = Axis("NumPy に対する速度比", "倍", "log")
    fig, axes = figures.new_figure(N_AXIS, y, width=8.4, height=3.6, panels=[(N_AXIS, y)] * 2)
    for ax, (op, label) in zip(axes, OPS.items()):
        s_op = summary[summary.op == op]
        base = raw.series_of(s_op, implementation="numpy")
        for impl in ordered(s_op.implementation.unique()):
            g = raw.series_of(s_op, implementation=impl)
            common = g.index.intersection(base.index)
            if impl == "numpy" or common.empty:
                continue
            ax.plot(common, base[common] / g[common], "o-", ms=3, color=figures.impl_color(impl),
                    label=figures.impl_name(impl))
        ax.axhline(1.0, color=figures.impl_color("numpy"), lw=1, ls=":", label="NumPy と同じ")
        ax.set_title(label, fontsize=10)
        if not s_op.empty:
            figures.size_ticks(ax, s_op.N)
        ax.legend(loc="best", fontsize=6.5)
    figures.save(fig, out, caption="NumPy に対する速度比")


def draw_gpu_transfer(inputs: dict, settings: dict, out) -> None:
    """GPU time with and without the host↔device copies (empty panels where no GPU ran)."""
    gpu = _summary(inputs).query("implementation in @GPU")
    y = Axis("実行時間", "s", "log")
    fig, axes = figures.new_figure(N_AXIS, y, width=8.4, height=3.6, panels=[(N_AXIS, y)] * 2)
    for ax, (op, label) in zip(axes, OPS.items()):
        g_op = gpu[gpu.op == op]
        for impl in ordered(g_op.implementation.unique()):
            g = g_op[g_op.implementation == impl]
            ax.plot(g.N, g["median"], "o-" if "transfer" not in impl else "s--", ms=3,
                    color=figures.impl_color(impl), label=figures.impl_name(impl))
        ax.set_title(label, fontsize=10)
        if g_op.empty:
            ax.text(0.5, 0.5, "GPU の系列は計測していない", transform=ax.transAxes, ha="center")
        else:
            figures.size_ticks(ax, g_op.N)
            ax.legend(loc="upper left", fontsize=6.5)
    figures.save(fig, out, caption="GPU の計算のみと転送込みの比較")
