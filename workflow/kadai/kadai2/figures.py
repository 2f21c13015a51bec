"""課題2 figures, one function each: ``draw_<name>(inputs, settings, out_svg)``; ``draw_time``
and ``draw_per_op`` take the operation first (figures ``time_matmul``, ``per_op_conv`` …)."""

from __future__ import annotations

import numpy as np

from .. import figures, ops, raw
from ..backends.registry import ordered
from ..figures import NO_UNIT, Axis
from ..io import read_json
from .analyse import itemsize, speed_ratios
from .plan import OPS

N_AXIS = Axis("行列サイズ N", NO_UNIT, "log")
GPU = ("cupy", "cupy_transfer", "torch_cuda", "torch_cuda_transfer")
FORMULATIONS = {"numpy_shift": ("NumPy: 9 回のずらし足し込み", "#1f77b4"),
                "torch_conv2d": ("PyTorch: conv2d", "#ff7f0e"),
                "torch_conv2d_1thread": ("PyTorch: conv2d（1 スレッド）", "#ffbb78"),
                "torch_shift": ("PyTorch: 9 回のずらし足し込み", "#d62728"),
                "torch_unfold": ("PyTorch: unfold + 行列積", "#9467bd")}


def _summary(inputs, settings):
    return raw.summarise(raw.load_raw(inputs["raw"]), settings["timing"]["agreement"])


def _per_op(op: str, settings: dict):
    """Seconds → nanoseconds per floating-point operation of ``op``."""
    return lambda n: ops.flops(op, np.asarray(n, float), settings["kadai2"]["padding"]) * 1e-9


def draw_time(op: str, inputs: dict, settings: dict, out) -> None:
    s_op = _summary(inputs, settings).query("op == @op")
    fitted = raw.fit_rows(s_op).index
    series = read_json(inputs["findings"])["ops"][op]["series"]
    fig, ax = figures.new_figure(N_AXIS, Axis("実行時間", "s", "log"), aspect=0.85)
    for impl in ordered(s_op.implementation.unique()):
        g = s_op[s_op.implementation == impl]
        figures.plot_series(ax, impl, g.N, g["time"], g["median"], label=figures.impl_name(impl, op),
                            hollow=~g.index.isin(fitted))
        if "relation" in series.get(impl, {}):
            figures.plot_regimes(ax, impl, series[impl]["relation"], name=figures.impl_name(impl, op))
    figures.size_ticks(ax, s_op.N)
    figures.legend_below(ax, ncol=1)
    figures.save(fig, out, caption=f"{OPS[op]}の実行時間")


def draw_per_op(op: str, inputs: dict, settings: dict, out) -> None:
    """Time per floating-point operation: flat where t ∝ (operation count) holds; dotted lines
    where the library's working set (float32/float64 arrays) equals a cache."""
    s_op = _summary(inputs, settings).query("op == @op")
    fitted = raw.fit_rows(s_op).index
    series = read_json(inputs["findings"])["ops"][op]["series"]
    caches = read_json(inputs["sysinfo"]).get("caches", [])
    per = _per_op(op, settings)
    fig, ax = figures.new_figure(N_AXIS, Axis("1 回の演算あたりの時間", "ns", "log"), aspect=0.85)
    for impl in ordered(s_op.implementation.unique()):
        g = s_op[s_op.implementation == impl]
        figures.plot_series(ax, impl, g.N, g["time"] / per(g.N), g["median"] / per(g.N),
                            label=figures.impl_name(impl, op), hollow=~g.index.isin(fitted))
        if "relation" in series.get(impl, {}):
            figures.plot_regimes(ax, impl, series[impl]["relation"], per=per, name=figures.impl_name(impl, op))
    figures.size_ticks(ax, s_op.N)
    size = itemsize("numpy", settings["kadai2"]["dtype"])
    figures.cache_lines(ax, caches, lambda b: (b / float(ops.operand_bytes(op, 1, size))) ** 0.5)
    figures.legend_below(ax, ncol=1)
    figures.save(fig, out, caption=f"{OPS[op]}の 1 回の演算あたりの時間")


def draw_speedup(inputs: dict, settings: dict, out) -> None:
    summary = _summary(inputs, settings)
    y = Axis("NumPy に対する速度比", "倍", "log")
    fig, axes = figures.new_figure(N_AXIS, y, aspect=0.5, panels=[(N_AXIS, y)] * 2)
    for ax, (op, label) in zip(axes, OPS.items()):
        s_op = summary[summary.op == op]
        for impl in ordered(s_op.implementation.unique()):
            r = speed_ratios(summary, op, impl)
            if impl == "numpy" or r.empty:
                continue
            ax.plot(r.index, r.values, "o-", ms=3, color=figures.impl_color(impl), label=figures.impl_name(impl, op))
        ax.axhline(1.0, color=figures.impl_color("numpy"), lw=1, ls=":", label="NumPy と同じ")
        ax.set_title(label, fontsize=10)
        if not s_op.empty:
            figures.size_ticks(ax, s_op.N)
    figures.legend_below(axes, ncol=2)
    figures.save(fig, out, caption="NumPy に対する速度比")


def draw_torch_conv(inputs: dict, settings: dict, out) -> None:
    """Each formulation's fastest time at every size of the experiment, relative to NumPy's."""
    found = read_json(inputs["findings"])["explain"]["torch_conv"]
    fig, ax = figures.new_figure(Axis("畳み込みの書き方", NO_UNIT), Axis("NumPy に対する時間の比", "倍", "log"),
                                 aspect=0.7)
    names = list(FORMULATIONS)
    width = 0.6 / max(1, len(found))
    # points, not bars: on a logarithmic axis a bar's length depends on where the axis starts
    for i, (n, e) in enumerate(found.items()):
        ratios = [e["best"][k] / e["best"]["numpy_shift"] for k in names]
        ax.plot(np.arange(len(names)) + (i - (len(found) - 1) / 2) * width, ratios, ["o", "s", "^", "D"][i % 4],
                color=["0.1", "0.5"][i % 2], ms=6, ls="none", label=f"N = {n}")
    ax.axhline(1.0, color="k", lw=0.8, ls=":")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([FORMULATIONS[k][0] for k in names], rotation=20, ha="right", fontsize=8)
    ax.grid(axis="x", visible=False)
    figures.legend_below(ax, ncol=2)
    figures.save(fig, out, caption="畳み込みの書き方による時間の違い")


def draw_numpy_conv(inputs: dict, settings: dict, out) -> None:
    """Allocating vs preallocated NumPy convolution: time per operation and page faults per run."""
    table = raw.load_raw([raw.by_stem(inputs["explain"])["numpy_conv"]])
    summary = raw.summarise(table, settings["timing"]["agreement"])
    caches = read_json(inputs["sysinfo"]).get("caches", [])
    per = _per_op("conv", settings)
    left, right = Axis("1 回の演算あたりの時間", "ns", "log"), Axis("1 回の実行のページフォルト", "回", "symlog")
    fig, axes = figures.new_figure(N_AXIS, left, aspect=0.5, panels=[(N_AXIS, left), (N_AXIS, right)])
    styles = {"numpy_alloc": ("o-", "そのまま（タップごとに一時配列を確保）"),
              "numpy_inplace": ("s--", "確保済みの配列に書き込む")}
    for impl, (fmt, label) in styles.items():
        g = summary[summary.implementation == impl].sort_values("N")
        axes[0].plot(g.N, g["time"] / per(g.N), fmt, ms=3, color=figures.impl_color("numpy"), label=label)
        axes[1].plot(g.N, g.faults, fmt, ms=3, color=figures.impl_color("numpy"), label=label)
    for ax in axes:
        figures.size_ticks(ax, summary.N)
    figures.legend_below(axes, ncol=2)
    figures.cache_lines(axes[0], caches, lambda b: (b / float(ops.operand_bytes("conv", 1, 4))) ** 0.5)
    figures.save(fig, out, caption="NumPy の畳み込み：一時配列の確保の有無")


def draw_gpu_transfer(inputs: dict, settings: dict, out) -> None:
    """GPU time with and without the host↔device copies (empty panels where no GPU ran)."""
    gpu = _summary(inputs, settings).query("implementation in @GPU")
    y = Axis("実行時間", "s", "log")
    fig, axes = figures.new_figure(N_AXIS, y, aspect=0.48, panels=[(N_AXIS, y)] * 2)
    for ax, (op, label) in zip(axes, OPS.items()):
        g_op = gpu[gpu.op == op]
        for impl in ordered(g_op.implementation.unique()):
            g = g_op[g_op.implementation == impl]
            ax.plot(g.N, g["time"], "o-" if "transfer" not in impl else "s--", ms=3,
                    color=figures.impl_color(impl), label=figures.impl_name(impl, op))
        ax.set_title(label, fontsize=10)
        if g_op.empty:
            ax.text(0.5, 0.5, "GPU の系列は計測していない", transform=ax.transAxes, ha="center")
        else:
            figures.size_ticks(ax, g_op.N)
            ax.legend(loc="upper left")
    figures.save(fig, out, caption="GPU の計算のみと転送込みの比較")
