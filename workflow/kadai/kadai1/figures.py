"""課題1 figures, one function each: ``draw_<name>(inputs, settings, out_svg)``."""

from __future__ import annotations

from .. import figures, ops, raw
from ..figures import NO_UNIT, Axis
from ..io import read_json
from .analyse import PYTHON_FLOAT_BYTES

N_AXIS = Axis("行列サイズ N", NO_UNIT, "log")


def draw_time(inputs: dict, settings: dict, out) -> None:
    summary = raw.summarise(raw.load_raw(inputs["raw"]), settings["timing"]["agreement"])
    fitted = raw.fit_rows(summary).index
    series = read_json(inputs["findings"])["series"]
    fig, ax = figures.new_figure(N_AXIS, Axis("実行時間", "s", "log"), aspect=0.8)
    for impl, grp in summary.groupby("implementation"):
        figures.plot_series(ax, impl, grp.N, grp["time"], grp["median"], hollow=~grp.index.isin(fitted))
        figures.plot_regimes(ax, impl, series[impl]["relation"])
    figures.size_ticks(ax, summary.N)
    figures.legend_below(ax, ncol=1)
    figures.save(fig, out, caption="行列サイズ N と実行時間（両対数）")


def draw_per_op(inputs: dict, settings: dict, out) -> None:
    """Time per floating-point operation, t / 2N³: flat where t ∝ N³ holds."""
    summary = raw.summarise(raw.load_raw(inputs["raw"]), settings["timing"]["agreement"])
    fitted = raw.fit_rows(summary).index
    series = read_json(inputs["findings"])["series"]
    caches = read_json(inputs["sysinfo"]).get("caches", [])
    fig, ax = figures.new_figure(N_AXIS, Axis("1 回の演算あたりの時間", "ns", "log"), aspect=0.78)
    per_ns = lambda n: ops.matmul_flops(n) * 1e-9  # noqa: E731 - seconds → ns per operation
    for impl, grp in summary.groupby("implementation"):
        figures.plot_series(ax, impl, grp.N, grp["time"] / per_ns(grp.N), grp["median"] / per_ns(grp.N),
                            hollow=~grp.index.isin(fitted))
        figures.plot_regimes(ax, impl, series[impl]["relation"], per=per_ns)
    figures.size_ticks(ax, summary.N)
    figures.cache_lines(ax, caches, lambda b: (b / PYTHON_FLOAT_BYTES) ** 0.5)  # where B (32·N² bytes) fills a cache
    figures.legend_below(ax, ncol=1)
    figures.save(fig, out, caption="1 回の演算あたりの時間（t / 2N³）")
